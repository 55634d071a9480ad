const backslash = 0x5c
const colon = 0x3a
const quote = 0x22

/** JSON's whitespace: space, tab, line feed, carriage return. */
export const isSpace = (code: number) =>
  code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d

/**
 * The index just past the string of valid JSON whose opening quote is at `start`: the first quote
 * after it behind an even run of backslashes. Each backslash is counted once, before the one quote
 * it stands in front of, so a string of a million escaped quotes is read once.
 */
export const pastString = (text: string, start: number): number => {
  for (let end = text.indexOf('"', start + 1); end !== -1; end = text.indexOf('"', end + 1)) {
    let backslashes = 0
    while (text.charCodeAt(end - 1 - backslashes) === backslash) backslashes++
    if (backslashes % 2 === 0) return end + 1
  }
  return text.length
}

/**
 * Where each key of `json` (valid JSON) spelled with an escape sits: pairs of its opening quote's
 * index and the index past its closing quote. Valid JSON holds a backslash only in a string, so
 * only the strings that hold one are looked at, from the first backslash of each: no quote stands
 * between it and the string's opening quote, and the string is a key when a colon follows it.
 */
const escapedKeySpans = (json: string): number[] => {
  const spans: number[] = []
  for (let first = json.indexOf('\\'); first !== -1; ) {
    const start = json.lastIndexOf('"', first)
    const end = pastString(json, start)
    if (isKeyEndingAt(json, end)) spans.push(start, end)
    first = json.indexOf('\\', end)
  }
  return spans
}

/** Whether the string of `json` that ends before `end` is a key: a colon follows it. */
const isKeyEndingAt = (json: string, end: number) => {
  let after = end
  while (isSpace(json.charCodeAt(after))) after++
  return json.charCodeAt(after) === colon
}

/**
 * A short prefix for stand-in keys that no key of `text` starts with: not in the text at all.
 * Short, since a stand-in is written wherever its key is given: 900,000 keys `"\""` with
 * a 20-character prefix took 700 MB to parse. Random, so that a text cannot hold every prefix of
 * a length; tried at a greater length when one of four is taken.
 */
const standInPrefixFor = (text: string): string => {
  for (let length = 3; ; length++) {
    for (let attempt = 0; attempt < 4; attempt++) {
      // Web Crypto, in Node and in the console's browser alike (it reads agents' answers too).
      const letters = Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) =>
        prefixAlphabet.charAt(byte % prefixAlphabet.length),
      )
      const prefix = `${letters.join('')}_`
      if (!text.includes(prefix)) return prefix
    }
  }
}

/** 32 letters and digits: a byte's remainder picks each alike. */
const prefixAlphabet = 'abcdefghijklmnopqrstuvwxyz234567'

/**
 * `value`, parsed from text whose keys were replaced by stand-ins (`prefix` and, in base 36, the key's index
 * in `keys`), with each stand-in's object rebuilt under the keys as written, in their order. One
 * walk, without recursion. No stand-in's key is ever also given plainly in its object: a key
 * that needs a stand-in holds a character JSON must escape, so it is never written without one.
 */
const withKeysRestored = (value: object, prefix: string, keys: string[]): unknown => {
  const isStandIn = (name: string) => name.startsWith(prefix)
  const root = { value }
  const pending: [holder: Record<string, unknown> | unknown[], at: string | number][] = [
    [root, 'value'],
  ]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [holder, at] = next
    let node = (holder as Record<string | number, unknown>)[at] as Record<string, unknown>
    if (Array.isArray(node)) {
      // Only the items that may hold keys: a 10 MB list of numbers is not copied to `pending`.
      for (let i = 0; i < node.length; i++) if (isObject(node[i])) pending.push([node, i])
      continue
    }
    let names = Object.keys(node)
    if (names.some(isStandIn)) {
      const restored: Record<string, unknown> = {}
      for (const name of names) {
        const key = isStandIn(name)
          ? (keys[Number.parseInt(name.slice(prefix.length), 36)] as string)
          : name
        setMember(restored, key, node[name])
      }
      setMember(holder, at, restored)
      node = restored
      names = Object.keys(node)
    }
    for (const name of names) if (isObject(node[name])) pending.push([node, name])
  }
  return root.value
}

/** `holder[key] = value`, but `__proto__` defined as a member: assigned, it sets the prototype. */
const setMember = (holder: object, key: string | number, value: unknown) => {
  if (key === '__proto__') {
    Object.defineProperty(holder, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else (holder as Record<string | number, unknown>)[key] = value
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null

/**
 * The keys at `spans` of `text`, each as JSON reads it: the strings read as one list's items, in
 * one parse. A string in a list is read right: the fault is in how object keys are looked up. (One
 * parse a key took 0.5 s for 400,000 of them, a list's 0.1.)
 */
const keysAt = (text: string, spans: number[]): string[] => {
  const strings: string[] = []
  for (let i = 0; i < spans.length; i += 2) strings.push(text.slice(spans[i], spans[i + 1]))
  return JSON.parse(`[${strings.join(',')}]`) as string[]
}

/**
 * Whether `key` can be written in JSON with no escape: it holds no quote, backslash or control
 * character, the three that valid JSON never holds as they are.
 */
const isWritablePlainly = (key: string) => {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i)
    if (code < 0x20 || code === quote || code === backslash) return false
  }
  return true
}

/**
 * `text` with each key at `spans` (read as `keys`) written anew: as its stand-in (`prefix` and,
 * in base 36, its number in `standIns`) where it has one, else plainly, so the parser never sees
 * its escape.
 */
const withKeysRewritten = (
  text: string,
  spans: number[],
  keys: string[],
  standIns: Map<string, number>,
  prefix: string,
): string => {
  const pieces: string[] = []
  let from = 0
  for (let i = 0; i < spans.length; i += 2) {
    const key = keys[i / 2] as string
    const standIn = standIns.get(key)
    pieces.push(
      text.slice(from, spans[i]),
      standIn === undefined ? `"${key}"` : `"${prefix}${standIn.toString(36)}"`,
    )
    from = spans[i + 1] as number
  }
  pieces.push(text.slice(from))
  return pieces.join('')
}

/**
 * `text` parsed as `JSON.parse` is meant to parse it, keys spelled with escapes included.
 *
 * Node 24's `JSON.parse` (V8 12.8 to 14.6 at least: nodejs/node#63785) can read a key that holds
 * an escape as the key's first characters as written, escape and all, when an object parsed
 * before in the same process had those characters as a key at the same place: after
 * `{"a":1,"t\\u006":2}`, `{"a":1,"t\u0061skId":"x"}` parsed to a key `t\u006` and no `taskId`.
 * A caller could so hide a field from the gateway that its agent reads (a task to take over, a
 * push config's webhook to keep from the check), one request after another to the same warm
 * function, or in one body whose earlier object primes the read of a later one. Text with no
 * escaped key (almost every text) is parsed once, as before. Text with one is parsed again with
 * each escaped key written without its escapes (`"taskId"`), which the parser reads right; the
 * rare key that cannot be (it holds a quote, a backslash or a control character) is written as a
 * plain stand-in no text can name, whose objects are then rebuilt under the keys as written.
 * Throws as `JSON.parse` does.
 *
 * @example
 * parseJson('{"t\\u0061skId":"x"}') // { taskId: 'x' }, whatever was parsed before
 */
export const parseJson = (text: string): unknown => {
  // Parsed first: the scans below read valid JSON only.
  const parsed: unknown = JSON.parse(text)
  if (!text.includes('\\')) return parsed
  const spans = escapedKeySpans(text)
  if (spans.length === 0) return parsed
  const keys = keysAt(text, spans)
  // One stand-in a key, however often it is given: two spellings of one key in an object are
  // then one key to the parser, which keeps the last in the place of the first, as it should.
  const standIns = new Map<string, number>()
  for (const key of keys) {
    if (!isWritablePlainly(key) && !standIns.has(key)) standIns.set(key, standIns.size)
  }
  if (standIns.size === 0) return JSON.parse(withKeysRewritten(text, spans, keys, standIns, ''))
  // Drawn against the keys as well: a key written plainly is in the text as rewritten.
  const prefix = standInPrefixFor(`${text}\n${keys.join('\n')}`)
  const read: unknown = JSON.parse(withKeysRewritten(text, spans, keys, standIns, prefix))
  return isObject(read) ? withKeysRestored(read, prefix, [...standIns.keys()]) : read
}
