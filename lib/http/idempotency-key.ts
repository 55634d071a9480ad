/**
 * The `Idempotency-Key` header, as the admin chain's httpHeaderNormalizer names it (lowercase).
 */
export const idempotencyKeyHeader = 'idempotency-key'

/**
 * The `Idempotency-Key` a request names: none when the header is missing or empty. An empty
 * header is no key: taken as one, it would be a key every such request shares, and the second
 * of two different requests sent with it would be refused as reusing it. Every admin route that
 * reads the key reads it so: `POST /admin/clients` through this function, the routes made
 * idempotent by Powertools through `idempotencyKeyPath`, its equal.
 *
 * @example
 * idempotencyKeyOf({ 'idempotency-key': '' }) // undefined
 */
export const idempotencyKeyOf = (
  headers: Record<string, string | undefined> | null | undefined,
): string | undefined => headers?.[idempotencyKeyHeader] || undefined

/**
 * `idempotencyKeyOf` as a JMESPath on the event, for Powertools' `eventKeyJmesPath`: an empty
 * header selects null (JMESPath's `||` passes over an empty string), and Powertools runs a
 * request whose key is null or missing without idempotency, where it would hash an empty string
 * as a key (test/unit/lib/idempotency-key.test.ts holds the two to the same answers).
 */
export const idempotencyKeyPath = `headers."${idempotencyKeyHeader}" || \`null\``
