import * as z from 'zod'
import { decodeCursor, unknownCursor } from './page-cursor.ts'

/** Plain decimal digits, as a page size is written: no sign, space, point, exponent or `0x`. */
const decimalDigits = /^[0-9]+$/

/**
 * A paged list's `limit`: a whole number from 1 to `max` written in decimal digits, `fallback`
 * when absent; anything else a 400 naming `limit` and saying so. Not coerced as JavaScript reads
 * numbers (` 1`, `1e1`, `0x10` and `1.0` were taken as 1, 10, 16 and 1): a client's slip is said,
 * not read as some other page size. The same rule on every paged list; in the OpenAPI document an
 * integer with its range and default.
 *
 * @example
 * pageLimitSchema(100, 50, 'Entries per page').parse('20') // 20
 * pageLimitSchema(100, 50, 'Entries per page').parse('1e1') // throws: must be a whole number from 1 to 100, in digits only
 */
export const pageLimitSchema = (max: number, fallback: number, description: string) => {
  const rule = `must be a whole number from 1 to ${max}, in digits only`
  return z
    .preprocess(
      // A query string's text read as its number only when it is plain digits; a number (a caller
      // in the same process) as it is.
      (value) => (typeof value === 'string' && decimalDigits.test(value) ? Number(value) : value),
      // The rule said once: digits past 2^53 break `int` and `max` alike, and were said twice.
      z
        .number({ error: rule })
        .int({ error: rule, abort: true })
        .min(1, rule)
        .max(max, rule)
        .default(fallback),
    )
    .describe(description)
}

/**
 * The query of a paged list: `limit`, 1 to `max` (`fallback` when absent; `pageLimitSchema`), and
 * the `cursor` of the page before, one this API gave out (its text a key `isKey` takes).
 *
 * @example
 * pageQuerySchema(100, 100, 'Permissions', (scope) => scopeSchema.safeParse(scope).success)
 */
export const pageQuerySchema = (
  max: number,
  fallback: number,
  items: string,
  isKey: (text: string) => boolean,
) =>
  z.strictObject({
    limit: pageLimitSchema(max, fallback, `${items} per page, at most ${max}`),
    cursor: z
      .string()
      .refine((cursor) => decodeCursor(cursor, isKey) !== undefined, { error: unknownCursor })
      .optional()
      .describe("The previous page's cursor"),
  })
