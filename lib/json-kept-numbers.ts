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
      ? (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON(context.source)
      : value,
  )
