import { isKeptNumber } from './json-kept-numbers.ts'

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
