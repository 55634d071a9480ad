import { randomBytes } from 'node:crypto'

type RawJsonApi = {
  rawJSON: (text: string) => unknown
  isRawJSON: (value: unknown) => boolean
}
/** Node 24's `JSON.rawJSON` and `JSON.isRawJSON`, which TypeScript's lib does not name yet. */
const rawJson = JSON as unknown as RawJsonApi

/** Whether JSON writes this number's text back as it is: `3`, `0.5`; not `1e20`, `1.0`, `-0`. */
const writtenBackAsGiven = (source: string) => String(Number(source)) === source

/**
 * Every string of JSON text, and every number in it JSON might write otherwise (a fraction, an
 * exponent, 16 digits or more, `-0`), in order: read from the start of valid JSON, a match is a
 * whole token, so a number is never found inside a string; and a number only where JSON has one,
 * after `[`, `,`, `:`, a space or nothing (never the `0` of `10`). Each loop is a single
 * character class, so a 10 MB string or run of digits is scanned once. Only for text JSON has
 * read: in text it refuses, a string left open makes each quote in it a string's start to try.
 */
const stringsAndNumbers =
  /"[^"\\]*(?:\\.[^"\\]*)*"|(?<=^|[[,:\s])-?(?:\d{16,}(?:\.\d+)?(?:[eE][+-]?\d+)?|\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|0(?![\d.eE]))/g

/**
 * The most numbers one text keeps as written. Each costs an object (`JSON.rawJSON`) and a mark
 * in the text: 2 million of them (10 MB of `1e20`) took 4.6 s and some 0.7 GB to carry, read with
 * a reviver, in a function of 1,024 MB. Past it the text is read as `JSON.parse` reads it, as
 * before 7 December 2026: its numbers as doubles, written back as JSON writes them (`1e20` as 21
 * digits), which the bounds on what the gateway writes anew measure once built.
 */
export const maxKeptNumbers = 100_000

/**
 * What a number to keep is marked with: a string of it behind a NUL. JSON text can hold a NUL
 * only escaped (`\u0000`), so in text without that escape no string but a mark starts with one;
 * in text with it, the mark is a NUL and a nonce its writer cannot foresee.
 */
const markFor = (text: string) =>
  text.includes('\\u0000') ? `\u0000${randomBytes(12).toString('base64url')}` : '\u0000'

/**
 * Each number `text` marks (`mark`) made the number it stood for, kept as written: one walk,
 * without recursion.
 */
const unmarked = (value: unknown, mark: string): unknown => {
  const isMarked = (value: unknown): value is string =>
    typeof value === 'string' && value.startsWith(mark)
  const kept = (marked: string) => rawJson.rawJSON(marked.slice(mark.length))
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

/**
 * `text` parsed keeping each number JSON would write otherwise as written, up to `maxKeptNumbers`
 * of them. Not with a reviver, which JSON calls for every value: one `1.0` in 10 MB of `1234`
 * took as long as 10 MB of `1e20`, 3 s and 400 MB. Each such number is marked in the text as a
 * string (`mark`), the text parsed as `JSON.parse` parses it, and the marks made numbers again
 * in one walk (`unmarked`). Text holding an escaped NUL of its own is marked with a nonce too
 * (`markFor`). Throws as `JSON.parse` does.
 */
export const parseKeepingInexactNumbers = (text: string): unknown => {
  // Parsed first: text JSON refuses is refused before it is scanned, and the scan of valid JSON
  // meets each string at its opening quote, never at a quote inside one. (Scanned first, an
  // answer of `"` and 40,000 `\"` took 4 s: each quote was tried as a string's start.)
  const parsed: unknown = JSON.parse(text)
  const mark = markFor(text)
  // As written in the text: a NUL is escaped; a nonce's base64url needs no escape.
  const markInText = `\\u0000${mark.slice(1)}`
  const pieces: string[] = []
  let from = 0
  let kept = 0
  for (const found of text.matchAll(stringsAndNumbers)) {
    const token = found[0]
    if (token.startsWith('"') || writtenBackAsGiven(token)) continue
    if (++kept > maxKeptNumbers) return parsed
    pieces.push(text.slice(from, found.index), '"', markInText, token, '"')
    from = found.index + token.length
  }
  if (kept === 0) return parsed
  pieces.push(text.slice(from))
  return unmarked(JSON.parse(pieces.join('')), mark)
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

/**
 * A value as `String` gives it, a number kept as written as its text: `String` cannot convert
 * one (a frozen object of no prototype), and threw where an agent's value is named.
 *
 * @example
 * asText(JSON.rawJSON('1e20')) // '1e20'
 */
export const asText = (value: unknown): string =>
  isKeptNumber(value) ? (value as { rawJSON: string }).rawJSON : String(value)
