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

/**
 * Every place a JSON number can stand (after `[`, `:` or `,`, before `,`, `}`, `]` or the end)
 * holding a number JSON might write otherwise: one with a fraction or an exponent, of 16 digits
 * or more, or a zero (`-0`); an integer of fewer digits is written back as it is, and is passed
 * over. Inside a string it may find what looks like one (`"a:1.0}"`): at worst the text is then
 * parsed the slower way, never wrongly.
 */
const numberTokens =
  /(?:^|[[:,])\s*(-?(?:\d{16,}(?:\.\d+)?(?:[eE][+-]?\d+)?|\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|0))\s*(?=[,}\]]|$)/g

/** A number JSON would not write back as given, kept as its source text. */
const keepingInexact = (_key: string, value: unknown, context?: { source?: string }) =>
  typeof value === 'number' && context?.source !== undefined && !writtenBackAsGiven(context.source)
    ? rawJson.rawJSON(context.source)
    : value

/**
 * JSON read so that every number writes back as given, yet stays a `number` wherever it can:
 * only a number JSON would write otherwise (an integer past 2^53, `1e20`, `1.0`, `-0`) is kept
 * as its source text (`JSON.rawJSON`, `isKeptNumber`); `3` and `0.5` are numbers, so the enums,
 * page sizes and codes a translation reads stay numbers. Text that holds no such number (found
 * by a scan of its number tokens, `numberTokens`) is parsed as `JSON.parse` parses it: a reviver
 * makes a parse about six times slower, where the scan costs about half a parse or more (some
 * 10 µs on a 1.4 KB answer). Throws as `JSON.parse` does.
 *
 * @example
 * JSON.stringify(parseKeepingInexactNumbers('{"n":1e20,"k":3}')) // '{"n":1e20,"k":3}'
 */
export const parseKeepingInexactNumbers = (text: string): unknown => {
  for (const [, token] of text.matchAll(numberTokens)) {
    if (token !== undefined && !writtenBackAsGiven(token)) return JSON.parse(text, keepingInexact)
  }
  return JSON.parse(text)
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
