const backslash = 0x5c
const colon = 0x3a

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

/**
 * Where each key of `json` (valid JSON) that is one of `named` sits, plainly or escaped, as
 * `escapedKeySpans` gives them: its escaped keys' `escaped` spans, and each plain key equal to
 * one of `named`. Every string is met at its opening quote (the first quote past the string
 * before it) and read once; a plain key is cut out only when its length is one of theirs.
 */
const keySpansNamed = (json: string, escaped: number[], named: Set<string>): number[] => {
  const lengths = new Set([...named].map((key) => key.length))
  const spans: number[] = []
  let next = 0
  for (let start = json.indexOf('"'); start !== -1; ) {
    const end = pastString(json, start)
    if (start === escaped[next]) {
      spans.push(start, end)
      next += 2
    } else if (
      // A key not among the escaped ones holds no backslash: it is read as written.
      lengths.has(end - start - 2) &&
      named.has(json.slice(start + 1, end - 1)) &&
      isKeyEndingAt(json, end)
    ) {
      spans.push(start, end)
    }
    start = json.indexOf('"', end)
  }
  return spans
}

/** Whether the string of `json` that ends before `end` is a key: a colon follows it. */
const isKeyEndingAt = (json: string, end: number) => {
  let after = end
  while (isSpace(json.charCodeAt(after))) after++
  return json.charCodeAt(after) === colon
}

/** A prefix for stand-in keys that no key of `text` starts with: not in the text at all. */
const standInPrefixFor = (text: string): string => {
  for (;;) {
    // Web Crypto, in Node and in the console's browser alike (it reads agents' answers too).
    const nonce = Array.from(crypto.getRandomValues(new Uint8Array(9)), (byte) =>
      byte.toString(16).padStart(2, '0'),
    ).join('')
    const prefix = `k${nonce}_`
    if (!text.includes(prefix)) return prefix
  }
}

/** What `withKeysRestored` gives when an object's stand-ins cannot be put back in order. */
const orderLost = Symbol('orderLost')

/**
 * `value`, parsed from text whose keys were replaced by stand-ins (`prefix` and the key's index
 * in `keys`), with each stand-in's object rebuilt under the keys as written, in their order. One
 * walk, without recursion. `orderLost` when an object holds a key both as a stand-in and as
 * itself (given plainly too): the parse kept the plain one's last value in the place of its
 * first, so which of them came last in the text is no longer known.
 */
const withKeysRestored = (
  value: object,
  prefix: string,
  keys: string[],
): unknown | typeof orderLost => {
  const isStandIn = (key: string) => key.startsWith(prefix)
  const restore = (members: Record<string, unknown>) => {
    const entries: [string, unknown][] = []
    for (const key of Object.keys(members)) {
      if (!isStandIn(key)) {
        entries.push([key, members[key]])
        continue
      }
      const written = keys[Number(key.slice(prefix.length))] as string
      if (Object.hasOwn(members, written)) return undefined
      entries.push([written, members[key]])
    }
    // Object.fromEntries defines each key (`__proto__` too) and keeps the last of a repeated
    // one, in the place of its first: as JSON.parse does.
    return Object.fromEntries(entries)
  }
  const root = { value }
  const pending: [holder: Record<string, unknown> | unknown[], at: string | number][] = [
    [root, 'value'],
  ]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [holder, at] = next
    let node = (holder as Record<string | number, unknown>)[at] as object
    if (Array.isArray(node)) {
      // Only the items that may hold keys: a 10 MB list of numbers is not copied to `pending`.
      for (let i = 0; i < node.length; i++) if (isObject(node[i])) pending.push([node, i])
      continue
    }
    if (Object.keys(node).some(isStandIn)) {
      const restored = restore(node as Record<string, unknown>)
      if (restored === undefined) return orderLost
      node = restored
      // Defined, not assigned: assigned under `__proto__`, it would set the holder's prototype.
      Object.defineProperty(holder, at, { value: node, enumerable: true, writable: true })
    }
    for (const key of Object.keys(node)) {
      const member = (node as Record<string, unknown>)[key]
      if (isObject(member)) pending.push([node as Record<string, unknown>, key])
    }
  }
  return root.value
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

/** `text` parsed with the keys at `spans` (`keys`) replaced by stand-ins, then restored. */
const parsedWithStandIns = (
  text: string,
  spans: number[],
  keys: string[],
): unknown | typeof orderLost => {
  const prefix = standInPrefixFor(text)
  const pieces: string[] = []
  let from = 0
  for (let i = 0; i < spans.length; i += 2) {
    pieces.push(text.slice(from, spans[i]), `"${prefix}${i / 2}"`)
    from = spans[i + 1] as number
  }
  pieces.push(text.slice(from))
  const parsed: unknown = JSON.parse(pieces.join(''))
  return isObject(parsed) ? withKeysRestored(parsed, prefix, keys) : parsed
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
 * each escaped key replaced by a plain stand-in no text can name, whose objects are then rebuilt
 * under the keys as written. Throws as `JSON.parse` does.
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
  const read = parsedWithStandIns(text, spans, keys)
  if (read !== orderLost) return read
  // A key given both escaped and plainly in one object (`{"a":0,"\u0061":1,"a":2}`, or `"1"`
  // and `"\u0031"`): read again with that key a stand-in wherever it is given, plainly too, so
  // that each object's keys are defined in the text's order and the last given is kept, as
  // JSON.parse keeps it. A key left plain then names no stand-in's key: the order is kept.
  const named = keySpansNamed(text, spans, new Set(keys))
  return parsedWithStandIns(text, named, keysAt(text, named))
}
