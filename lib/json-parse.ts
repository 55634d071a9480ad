const backslash = 0x5c
const colon = 0x3a

/** JSON's whitespace: space, tab, line feed, carriage return. */
const isSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d

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
    let after = end
    while (isSpace(json.charCodeAt(after))) after++
    if (json.charCodeAt(after) === colon) spans.push(start, end)
    first = json.indexOf('\\', end)
  }
  return spans
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

/**
 * `value`, parsed from text whose escaped keys were replaced by stand-ins (`prefix` and the key's
 * index in `keys`), with each stand-in's object rebuilt under the keys as written, in their
 * order. One walk, without recursion.
 */
const withKeysRestored = (value: unknown, prefix: string, keys: string[]): unknown => {
  const isStandIn = (key: string) => key.startsWith(prefix)
  const restore = (members: Record<string, unknown>) =>
    // Object.fromEntries defines each key (`__proto__` too) and keeps the last of a repeated
    // one, in the place of its first: as JSON.parse does.
    Object.fromEntries(
      Object.keys(members).map((key) => [
        isStandIn(key) ? (keys[Number(key.slice(prefix.length))] as string) : key,
        members[key],
      ]),
    )
  const root = { value }
  const pending: [holder: Record<string, unknown> | unknown[], at: string | number][] = [
    [root, 'value'],
  ]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [holder, at] = next
    let node = (holder as Record<string | number, unknown>)[at]
    if (typeof node !== 'object' || node === null) continue
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) pending.push([node, i])
      continue
    }
    if (Object.keys(node).some(isStandIn)) {
      node = restore(node as Record<string, unknown>)
      // Defined, not assigned: assigned under `__proto__`, it would set the holder's prototype.
      Object.defineProperty(holder, at, { value: node, enumerable: true, writable: true })
    }
    for (const key of Object.keys(node as object))
      pending.push([node as Record<string, unknown>, key])
  }
  return root.value
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
 * function. Text with no escaped key (almost every text) is parsed once, as before. Text with
 * one is parsed again with each escaped key replaced by a plain stand-in no text can name, whose
 * objects are then rebuilt under the keys as written. Throws as `JSON.parse` does.
 *
 * @example
 * parseJson('{"t\\u0061skId":"x"}') // { taskId: 'x' }, whatever was parsed before
 */
export const parseJson = (text: string): unknown => {
  // Parsed first: the scan below reads valid JSON only.
  const parsed: unknown = JSON.parse(text)
  if (!text.includes('\\')) return parsed
  const spans = escapedKeySpans(text)
  if (spans.length === 0) return parsed
  const prefix = standInPrefixFor(text)
  const keys: string[] = []
  const pieces: string[] = []
  let from = 0
  for (let i = 0; i < spans.length; i += 2) {
    const [start, end] = [spans[i] as number, spans[i + 1] as number]
    // A string alone is read right: the fault is in how object keys are looked up.
    keys.push(JSON.parse(text.slice(start, end)) as string)
    pieces.push(text.slice(from, start), `"${prefix}${keys.length - 1}"`)
    from = end
  }
  pieces.push(text.slice(from))
  return withKeysRestored(JSON.parse(pieces.join('')), prefix, keys)
}
