import { randomBytes } from 'node:crypto'
import { isSpace, parseJson, pastString } from './json-parse.ts'

type RawJsonApi = {
  rawJSON: (text: string) => unknown
  isRawJSON: (value: unknown) => boolean
}
/** Node 24's `JSON.rawJSON` and `JSON.isRawJSON`, which TypeScript's lib does not name yet. */
const rawJson = JSON as unknown as RawJsonApi

/** Whether JSON writes this number's text back as it is: `3`, `0.5`; not `1e20`, `1.0`, `-0`. */
const writtenBackAsGiven = (source: string) => String(Number(source)) === source

const quote = 0x22

/** Whether a character (its code) can be in a JSON number: a digit, `-`, `+`, `.`, `e`, `E`. */
const inNumber = (code: number) =>
  (code >= 0x30 && code <= 0x39) ||
  code === 0x2d ||
  code === 0x2b ||
  code === 0x2e ||
  (code | 0x20) === 0x65

/**
 * The end of the number of valid JSON text that starts at `start`, and whether JSON may write it
 * otherwise (`maybeInexact`): with a fraction or an exponent, of 16 characters or more, or `-0`.
 * Fewer than 16 characters of digits and a sign are written back as given, spared the test.
 */
const numberAt = (text: string, start: number): { end: number; maybeInexact: boolean } => {
  let end = start + 1
  let maybeInexact = false
  for (let code = text.charCodeAt(end); inNumber(code); code = text.charCodeAt(++end)) {
    if (code === 0x2e || (code | 0x20) === 0x65) maybeInexact = true
  }
  return { end, maybeInexact: maybeInexact || end - start >= 16 || text.startsWith('-0', start) }
}

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
  // meets each string at its opening quote, never at a quote inside one, and each string closed.
  // (Scanned first, an answer of `"` and 40,000 `\"` took 4 s: each quote was tried as a
  // string's start.)
  const parsed: unknown = parseJson(text)
  const mark = markFor(text)
  // As written in the text: a NUL is escaped; a nonce's base64url needs no escape.
  const markInText = `\\u0000${mark.slice(1)}`
  const pieces: string[] = []
  let from = 0
  let kept = 0
  // A character at a time, not with a regular expression: one's loop over a string's escapes,
  // or over a number's digits, kept a place to go back to for each, and 3.4 million escapes (a
  // 6.7 MB string of `\n`) or a number of 5.6 million digits overflowed its stack (RangeError).
  // Outside strings (each skipped whole from its opening quote) a digit or `-` starts a number.
  for (let at = 0; at < text.length; ) {
    const code = text.charCodeAt(at)
    if (code === quote) {
      at = pastString(text, at)
      continue
    }
    if (code !== 0x2d && (code < 0x30 || code > 0x39)) {
      at++
      continue
    }
    const start = at
    const { end, maybeInexact } = numberAt(text, start)
    at = end
    const token = text.slice(start, end)
    if (!maybeInexact || writtenBackAsGiven(token)) continue
    if (++kept > maxKeptNumbers) return parsed
    pieces.push(text.slice(from, start), '"', markInText, token, '"')
    from = end
  }
  if (kept === 0) return parsed
  pieces.push(text.slice(from))
  return unmarked(parseJson(pieces.join('')), mark)
}

/**
 * The text of the number JSON object `text` gives its top-level member `key`, if it gives one:
 * one walk that skips strings and nested values whole and stops at the member, reading each
 * top-level key as JSON reads it (`"\u0069d"` is `id`). `text` is valid JSON, parsed already; of
 * a key given twice this is the first (`topLevelNumberAsWritten` checks it against the number
 * parsed, the last), since the id is read before a request naming a key twice is refused.
 */
const topLevelNumberText = (text: string, key: string): string | undefined => {
  let depth = 0
  let atKey = false
  for (let at = 0; at < text.length; ) {
    const code = text.charCodeAt(at)
    if (code === quote) {
      const end = pastString(text, at)
      if (depth === 1 && atKey) {
        atKey = false
        // Decoded only when spelled with an escape: a JSON.parse a key made 6.5 MB of 550,000
        // top-level keys cost 267 ms beside the request's own parse, 20 ms without.
        const spelled = text.slice(at + 1, end - 1)
        const name = spelled.includes('\\') ? JSON.parse(text.slice(at, end)) : spelled
        if (name === key) {
          let value = end
          while (isSpace(text.charCodeAt(value)) || text.charCodeAt(value) === 0x3a) value++
          const first = text.charCodeAt(value)
          if (first !== 0x2d && (first < 0x30 || first > 0x39)) return undefined
          return text.slice(value, numberAt(text, value).end)
        }
      }
      at = end
      continue
    }
    if (code === 0x7b || code === 0x5b) {
      depth++
      atKey = code === 0x7b && depth === 1
    } else if (code === 0x7d || code === 0x5d) depth--
    else if (code === 0x2c && depth === 1) atKey = true
    at++
  }
  return undefined
}

/**
 * The number `parsed` that JSON object `text` gives its top-level member `key` (a JSON-RPC
 * request's `id`), kept as written (`JSON.rawJSON`) when JSON would write it otherwise: an
 * integer past 2^53 (`12345678901234567890`, written back as `12345678901234567000`), `1e20`, a
 * fraction a double rounds. A safe integer, every common id, is given as it is with no look at
 * the text: written otherwise (`1.0`, `-0`), it comes back as the same value (`1`, `0`).
 *
 * @example
 * topLevelNumberAsWritten('{"id":12345678901234567890}', 'id', 12345678901234567000) // kept
 */
export const topLevelNumberAsWritten = (text: string, key: string, parsed: number): number => {
  if (Number.isSafeInteger(parsed)) return parsed
  const written = topLevelNumberText(text, key)
  // Not the number parsed (a key given twice, whose last JSON keeps): that number, as it is.
  if (written === undefined || !Object.is(Number(written), parsed)) return parsed
  // Typed as the number it stands for: JSON writes it as its text, and reads it as that number.
  return writtenBackAsGiven(written) ? parsed : (rawJson.rawJSON(written) as number)
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
