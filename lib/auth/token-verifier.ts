import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { KeySetUnavailableError } from '../errors.ts'
import { maxClockSkewSeconds, TokenRejectedError, type VerifiedCaller } from './bearer.ts'

/**
 * The earlier of `auth_time` and `iat`, in whole seconds from 0: a revocation refuses an access
 * token refreshed since (a new `iat`) from a sign-in made before it (the same `auth_time`).
 * Rounded down (RFC 7519's times may have a fraction), as the authorizer's context carries
 * whole seconds only: a fraction there made every handler refuse the caller the authorizer let in.
 */
const authenticatedAt = ({ auth_time: authTime, iat }: JWTPayload): number => {
  const times = [authTime, iat].filter((time): time is number => typeof time === 'number')
  return times.length > 0 ? Math.max(0, Math.floor(Math.min(...times))) : 0
}

/**
 * Whether the key set itself failed rather than the token: a timeout, a refused connection
 * (fetch's TypeError), an answer other than 200 or not JSON (jose's generic error), or no key
 * set. A token naming a key the set lacks (JWKSNoMatchingKey) is the token's fault.
 */
const isKeySetFailure = (error: unknown): boolean =>
  !(error instanceof errors.JOSEError) ||
  error instanceof errors.JWKSTimeout ||
  error instanceof errors.JWKSInvalid ||
  error.code === 'ERR_JOSE_GENERIC'

export interface TokenVerifierOptions {
  issuer: string
  jwksUrl: string
  scopePrefix: string
  allowedClientIds?: string[] | undefined
  /** Seconds of clock skew tolerated on exp/nbf/iat (at most 60). */
  clockToleranceSeconds?: number
  /**
   * The admin scope's name: set, a person's groups count as scopes (groupScopes).
   * Unset, groups grant nothing.
   */
  adminScope?: string
}

/** The Cognito group whose members hold the admin scope: the console's operators. */
export const operatorsGroup = 'operators'

/**
 * The gateway scopes a person's `cognito:groups` give (a person signs in to the
 * console with no gateway scope of their own): `operators` is the admin scope;
 * any other group is the scope of its name (`calculator:invoke`), except one
 * named like the admin scope itself, which grants nothing: only `operators` does.
 */
export const groupScopes = (groups: unknown, adminScope: string): string[] =>
  (Array.isArray(groups) ? groups : [])
    .filter((group): group is string => typeof group === 'string' && group !== '')
    .filter((group) => group !== adminScope)
    .map((group) => (group === operatorsGroup ? adminScope : group))

const stringClaim = (payload: JWTPayload, name: string): string | undefined => {
  const value = payload[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * Verifies Cognito-style access tokens: RS256 only, exact issuer,
 * `token_use` = access, exp/nbf/iat with bounded skew. With a resource-server
 * prefix configured, only the scopes carrying it are the gateway's: another
 * server's `admin` (or one no server issued) grants nothing here. The JWKS is fetched once and
 * cached for the life of the module, refetched when a token names an unknown key.
 *
 * @example
 * const verify = createTokenVerifier({ issuer, jwksUrl, scopePrefix: 'switchboard/' })
 * const caller = await verify(bearerToken) // throws TokenRejectedError
 */
export const createTokenVerifier = (options: TokenVerifierOptions) => {
  const remoteKeys = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  })
  /** The token's key; a key set that could not be fetched is the issuer failing, not the token. */
  const jwks: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remoteKeys(header, token)
    } catch (error) {
      if (isKeySetFailure(error))
        throw new KeySetUnavailableError(options.jwksUrl, { cause: error })
      throw error
    }
  }
  const clockTolerance = Math.min(
    options.clockToleranceSeconds ?? maxClockSkewSeconds,
    maxClockSkewSeconds,
  )

  return async function verifyAccessToken(token: string): Promise<VerifiedCaller> {
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, jwks, {
        algorithms: ['RS256'],
        issuer: options.issuer,
        clockTolerance,
        requiredClaims: ['exp', 'sub'],
      }))
    } catch (error) {
      if (error instanceof KeySetUnavailableError) throw error
      // jose's message names the check or claim that failed ('"exp" claim timestamp check
      // failed'), never its value or the token.
      if (error instanceof errors.JOSEError) throw new TokenRejectedError(error.code, error.message)
      throw error
    }
    // jose checks `iat` only against a maximum token age, which Cognito's tokens do not need.
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + clockTolerance) {
      throw new TokenRejectedError('iat is in the future')
    }
    if (payload.token_use !== 'access') throw new TokenRejectedError('token_use is not access')
    const clientId = stringClaim(payload, 'client_id')
    if (!clientId) throw new TokenRejectedError('client_id claim missing')
    if (options.allowedClientIds && !options.allowedClientIds.includes(clientId)) {
      throw new TokenRejectedError(`client_id ${clientId} is not allowed`)
    }
    const scopes = (stringClaim(payload, 'scope') ?? '')
      .split(' ')
      .filter((scope) => scope.startsWith(options.scopePrefix))
      .map((scope) => scope.slice(options.scopePrefix.length))
      // The bare prefix names no scope (and no permissions-table key).
      .filter(Boolean)
    if (options.adminScope !== undefined) {
      scopes.push(...groupScopes(payload['cognito:groups'], options.adminScope))
    }
    return {
      principal: payload.sub as string,
      clientId,
      scopes,
      // Whole seconds, as `issuedAt`; rounded down, so the token is never taken for longer. At
      // most 2^53 - 1 (year 285 million): a larger exp is no whole number the handlers read back
      // from the authorizer's context, and every one refused the caller the authorizer let in.
      expiresAt: Math.min(Math.floor(payload.exp as number), Number.MAX_SAFE_INTEGER),
      issuedAt: authenticatedAt(payload),
    }
  }
}
