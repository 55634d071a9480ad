/**
 * Whether a parsed JSON value is an object (not `null`, not a list): what a body, a params or an
 * answer must be before its members are read.
 *
 * @example
 * isJsonObject(JSON.parse('{"id":"t"}')) // true
 */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
