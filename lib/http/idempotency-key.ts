import { PowertoolsFunctions } from '@aws-lambda-powertools/jmespath/functions'
import { pathParameterOf } from './lambda-event.ts'

/**
 * The `Idempotency-Key` header, as the admin chain's httpHeaderNormalizer names it (lowercase).
 */
export const idempotencyKeyHeader = 'idempotency-key'

/**
 * The `Idempotency-Key` a request names: none when the header is missing or empty. An empty
 * header is no key: taken as one, it would be a key every such request shares, and the second
 * of two different requests sent with it would be refused as reusing it.
 *
 * @example
 * idempotencyKeyOf({ 'idempotency-key': '' }) // undefined
 */
export const idempotencyKeyOf = (
  headers: Record<string, string | undefined> | null | undefined,
): string | undefined => headers?.[idempotencyKeyHeader] || undefined

/** The part of an admin request that says whose key it is and which key. */
export interface KeyedAdminRequest {
  headers?: Record<string, string | undefined> | null
  requestContext?: { authorizer?: Record<string, unknown> | null } | null
}

/** An admin's `Idempotency-Key`: as they sent it, and as their request's records are kept. */
export interface AdminIdempotencyKey {
  /** The header as sent: what answers and log lines name. */
  key: string
  /** The admin's own key, the records' (`adminIdempotencyKeyOf`). */
  ofAdmin: string
}

/**
 * The key an admin's request is made idempotent by: the admin who sent it (the principal and
 * client the authorizer verified, `requestContext.authorizer`, as the audit trail names its actor)
 * and their `Idempotency-Key`, as one JSON array (`ofAdmin`). Another admin sending the same key
 * sends another request: their change (or refusal) is their own and audited as theirs, never the
 * first admin's answer replayed. None without a key (`idempotencyKeyOf`). Every admin route that
 * takes a key reads it so: `POST /admin/clients` through this function, the routes made
 * idempotent by Powertools through `adminIdempotencyKeyPath`, its equal. The admin chain's
 * `verifiedCaller` refuses a request without that authorizer context (it is given no
 * `authenticate`), so both names are always there.
 *
 * @example
 * adminIdempotencyKeyOf({ headers: { 'idempotency-key': 'k1' }, requestContext: { authorizer: { principal: 'p', clientId: 'c' } } })
 * // { key: 'k1', ofAdmin: '["p","c","k1"]' }
 */
export const adminIdempotencyKeyOf = (
  event: KeyedAdminRequest,
): AdminIdempotencyKey | undefined => {
  const key = idempotencyKeyOf(event.headers)
  if (key === undefined) return undefined
  const authorizer = event.requestContext?.authorizer
  const admin = [authorizer?.principal ?? null, authorizer?.clientId ?? null]
  return { key, ofAdmin: JSON.stringify([...admin, key]) }
}

/**
 * `adminIdempotencyKeyOf` as a JMESPath on the event, for Powertools' `eventKeyJmesPath`: the
 * array Powertools hashes (`JSON.stringify`) is the `ofAdmin` `adminIdempotencyKeyOf` gives. An
 * empty or missing header selects null (JMESPath's `&&` and `||` pass over an empty string), and
 * Powertools runs a request whose key is null or missing without idempotency, where it would
 * hash an empty string as a key (test/unit/lib/idempotency-key.test.ts holds the two to the same
 * answers).
 */
export const adminIdempotencyKeyPath = `headers."${idempotencyKeyHeader}" && [requestContext.authorizer.principal, requestContext.authorizer.clientId, headers."${idempotencyKeyHeader}"] || \`null\``

/**
 * Powertools' JMESPath functions and `decoded_path_parameters(pathParameters)`: the path
 * parameters as the route's readers take them (`pathParameterOf`, each decoded once), or null
 * for none. A payload check that selects them through it holds a retry spelling a scope
 * `weather%3Ainvoke` to be the same request as one spelling it `weather:invoke`, as the handler
 * reads both; the raw `pathParameters` (API Gateway's REST API keeps the escapes) would refuse
 * the retry as the key reused with another request.
 */
class AdminPayloadFunctions extends PowertoolsFunctions {
  // Undecorated (Powertools' `signature` is a legacy decorator), so called with its arguments' array.
  funcDecodedPathParameters([pathParameters]: unknown[]): Record<string, unknown> | null {
    if (typeof pathParameters !== 'object' || pathParameters === null) return null
    const event = { pathParameters: pathParameters as Record<string, string | undefined> }
    return Object.fromEntries(
      Object.keys(event.pathParameters).map((name) => [name, pathParameterOf(event, name)]),
    )
  }
}

export const adminPayloadFunctions = new AdminPayloadFunctions()
