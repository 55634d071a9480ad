import { isKeptNumber } from './json-kept-numbers.ts'
import { parseJson } from './json-parse.ts'

/**
 * Whether a parsed JSON value is an object (not `null`, not a list): what a body, a params or an
 * answer must be before its members are read. A number kept as its source text (`JSON.rawJSON`,
 * lib/json-kept-numbers.ts) is a frozen object to JavaScript, and no JSON object.
 *
 * @example
 * isJsonObject(JSON.parse('{"id":"t"}')) // true
 */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isKeptNumber(value)

/**
 * An agent's answer (or an event's data) parsed as a caller's client parses it: a byte-order mark
 * before the text is passed over, as fetch's `json()` (@a2a-js/sdk's client) and Python's
 * `json.loads` of bytes (httpx's, so a2a-python's) pass it over; `JSON.parse` refuses it. Else an
 * answer opened by one was an error, or a task, to the caller and nothing to the gateway's checks.
 * Throws as `JSON.parse` throws.
 *
 * @example
 * parseAnswer('\uFEFF{"id":"t"}') // { id: 't' }
 */
export const parseAnswer = (text: string): unknown => parseJson(withoutByteOrderMark(text))

/** `text` without the byte-order mark a client passes over before an answer's JSON. */
export const withoutByteOrderMark = (text: string): string =>
  text.charCodeAt(0) === 0xfeff ? text.slice(1) : text

/** `value` if it is a JSON object, else an empty one: the members a translation reads of it. */
export const asJsonObject = (value: unknown): Record<string, unknown> =>
  isJsonObject(value) ? value : {}

/** The object without the members whose value is undefined, as JSON would write it. */
export const withoutUndefined = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
