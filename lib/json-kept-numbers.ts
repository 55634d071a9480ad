type RawJsonApi = {
  rawJSON: (text: string) => unknown
  isRawJSON: (value: unknown) => boolean
}
/** Node 24's `JSON.rawJSON` and `JSON.isRawJSON`, which TypeScript's lib does not name yet. */
const rawJson = JSON as unknown as RawJsonApi

/**
 * JSON read so that it writes back the same: every number keeps its source text
 * (`JSON.rawJSON`), so `JSON.stringify` gives a large integer, `1.0` or `1e20` back as written,
 * neither rounded nor grown (`1e20` read as a double is written back as 21 digits). For text the
 * gateway rewrites in part and passes on (a message given a contextId, a push config pointed at
 * the callback). A number reads as a frozen object, not a `number`: only for values the gateway
 * does not read.
 *
 * @example
 * JSON.stringify(parseKeepingNumbers('{"n":12345678901234567890}')) // '{"n":12345678901234567890}'
 */
export const parseKeepingNumbers = (text: string): unknown =>
  JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === 'number' && context?.source !== undefined
      ? rawJson.rawJSON(context.source)
      : value,
  )

/** Whether JSON writes this number's text back as it is: `3`, `0.5`; not `1e20`, `1.0`, `-0`. */
const writtenBackAsGiven = (source: string) => String(Number(source)) === source

/** A number JSON would not write back as given, kept as its source text. */
const keepingInexact = (_key: string, value: unknown, context?: { source?: string }) =>
  typeof value === 'number' && context?.source !== undefined && !writtenBackAsGiven(context.source)
    ? rawJson.rawJSON(context.source)
    : value

/**
 * Every string of JSON text, and every number in it JSON might write otherwise (as `numberTokens`
 * finds them), in order: read from the start of valid JSON, a match is a whole token, so a number
 * is never found inside a string, nor inside another number (`(?<![\d.])`: the `0` of `10`).
 * Each loop is a single character class, so a 10 MB string or run of digits is scanned once.
 */
const stringsAndNumbers =
  /"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\d.])-?(?:\d{16,}(?:\.\d+)?(?:[eE][+-]?\d+)?|\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|0(?![\d.eE]))/g

/**
 * The most numbers one text keeps as written. Each costs an object (`JSON.rawJSON`) and a mark
 * in the text: 2 million of them (10 MB of `1e20`) took 4.6 s and some 0.7 GB to carry, read with
 * a reviver, in a function of 1,024 MB. Past it the text is read as `JSON.parse` reads it, as
 * before 7 December 2026: its numbers as doubles, written back as JSON writes them (`1e20` as 21
 * digits), which the bounds on what the gateway writes anew measure once built.
 */
export const maxKeptNumbers = 100_000

/**
 * What a number to keep is marked with: a string of it behind a NUL (`markInText`, escaped, in
 * the text). JSON text can hold a NUL only escaped, so text without that escape holds no string
 * that starts with one but the marks.
 */
const mark = '\u0000'
const markInText = '\\u0000'

/**
 * Each number `text` marks (`mark`) made the number it stood for, kept as written: one walk,
 * without recursion. A mark where a member's name stands was a number there, which JSON refuses.
 */
const unmarked = (value: unknown): unknown => {
  if (isMarked(value)) return kept(value)
  const pending: unknown[] = [value]
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i]
        if (isMarked(item)) node[i] = kept(item)
        else if (typeof item === 'object' && item !== null) pending.push(item)
      }
      continue
    }
    const members = node as Record<string, unknown>
    for (const key in members) {
      if (key.startsWith(mark)) throw new SyntaxError('A number cannot name a member in JSON.')
      const inner = members[key]
      if (!isMarked(inner)) {
        if (typeof inner === 'object' && inner !== null) pending.push(inner)
      } else if (key === '__proto__') {
        // Defined, not assigned: assigned, it would set the object's prototype.
        Object.defineProperty(members, key, {
          value: kept(inner),
          enumerable: true,
          writable: true,
        })
      } else members[key] = kept(inner)
    }
  }
  return value
}

const isMarked = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(mark)

/** A marked number, kept as its source text (`JSON.rawJSON` refuses one JSON would, `01`). */
const kept = (marked: string) => rawJson.rawJSON(marked.slice(mark.length))

/**
 * `text` parsed keeping each number JSON would write otherwise as written, up to `maxKeptNumbers`
 * of them. Not with a reviver, which JSON calls for every value: one `1.0` in 10 MB of `1234`
 * took as long as 10 MB of `1e20`, 3 s and 400 MB. Each such number is marked in the text as a
 * string (`mark`), the text parsed as `JSON.parse` parses it, and the marks made numbers again
 * in one walk (`unmarked`). A number made a string is valid where the number was, and a member's
 * name where it was not (`{1e20:0}`), which the walk refuses, so invalid text stays invalid.
 * Text holding the mark itself, a NUL its writer escaped, is read with a reviver.
 */
export const parseKeepingInexactNumbers = (text: string): unknown => {
  const pieces: string[] = []
  let from = 0
  let marks = 0
  for (const found of text.matchAll(stringsAndNumbers)) {
    const token = found[0]
    if (token.startsWith('"') || writtenBackAsGiven(token)) continue
    if (++marks > maxKeptNumbers) return JSON.parse(text)
    pieces.push(text.slice(from, found.index), '"', markInText, token, '"')
    from = found.index + token.length
  }
  if (marks === 0) return JSON.parse(text)
  if (text.includes(markInText)) return JSON.parse(text, keepingInexact)
  pieces.push(text.slice(from))
  return unmarked(JSON.parse(pieces.join('')))
}

/** Whether a parsed value is a number kept as its source text (`JSON.rawJSON`). */
export const isKeptNumber = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && rawJson.isRawJSON(value)

/**
 * A value as a number, whether parsed as one or kept as its source text; anything else as it is.
 * For what a translation reads (an enum given by number, a page size), where `1.0` means `1`.
 */
export const asNumber = (value: unknown): unknown =>
  isKeptNumber(value) ? Number((value as { rawJSON: string }).rawJSON) : value
