import * as z from 'zod'
import { decodeCursor, unknownCursor } from './page-cursor.ts'

/**
 * The query of a paged list: `limit`, 1 to `max` (`fallback` when absent), and the `cursor` of
 * the page before, one this API gave out (its text a key `isKey` takes).
 *
 * @example
 * pageQuerySchema(100, 100, 'Permissions', (scope) => scopeSchema.safeParse(scope).success)
 */
export const pageQuerySchema = (
  max: number,
  fallback: number,
  items: string,
  isKey: (text: string) => boolean,
) => {
  const rule = `must be a whole number from 1 to ${max}`
  return z.strictObject({
    limit: z.coerce
      .number({ error: rule })
      .int(rule)
      .min(1, rule)
      .max(max, rule)
      .default(fallback)
      .describe(`${items} per page, at most ${max}`),
    cursor: z
      .string()
      .refine((cursor) => decodeCursor(cursor, isKey) !== undefined, { error: unknownCursor })
      .optional()
      .describe("The previous page's cursor"),
  })
}
