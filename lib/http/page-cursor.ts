import { base64url } from 'jose'

// TextEncoder, not Buffer: the console imports the audit API's cursors in a browser.
const utf8 = new TextEncoder()

/**
 * A page's cursor: what names where the page ended (a sort key, an agent id), base64url-encoded,
 * so that a client passes it back as it is and reads nothing into it.
 */
export const encodeCursor = (text: string): string => base64url.encode(text)

/** The text a cursor names, or undefined if it is not one this API gave out (`valid` says). */
export const decodeCursor = (
  cursor: string,
  valid: (text: string) => boolean,
): string | undefined => {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(cursor))
    return valid(text) ? text : undefined
  } catch {
    return undefined
  }
}

/** The refusal of a cursor this API did not give out. */
export const unknownCursor =
  "is not a cursor this API gave out (pass back a page's `cursor` as it is)"

/**
 * The bytes `value` takes in a buffered Lambda response: its JSON, inside the response's own
 * JSON as a string, so each quote and backslash counts twice.
 */
export const responseBytes = (value: unknown): number =>
  utf8.encode(JSON.stringify(JSON.stringify(value))).length

/**
 * The most bytes a page's items may take in a function's response. Lambda refuses a buffered
 * response over 6 MB (API Gateway then answers 502); the rest is left for the envelope and
 * headers. An agent card is at most 256 KiB when fetched, so a page always has room for one.
 */
export const maxPageBytes = 5 * 1024 * 1024

/**
 * The first items that fit `maxPageBytes` together, at least one: a page ends early, with a
 * cursor, rather than pass what a Lambda may answer.
 */
export const withinPageBytes = <T>(items: readonly T[]): T[] => {
  const taken: T[] = []
  let bytes = 0
  for (const item of items) {
    const size = responseBytes(item)
    if (taken.length > 0 && bytes + size > maxPageBytes) break
    bytes += size
    taken.push(item)
  }
  return taken
}
