/** The caller a verified access token speaks for. */
export interface VerifiedCaller {
  /** `sub`: for client-credentials tokens, the app client. */
  principal: string
  clientId: string
  /** The gateway's scopes (those carrying the resource-server prefix), prefix removed. */
  scopes: string[]
  /** The token's `exp`, whole seconds since the epoch (a fraction dropped; at most 2^53 - 1). */
  expiresAt: number
  /**
   * When its holder last authenticated, seconds since the epoch: the token's `auth_time` (a token
   * refreshed from a sign-in keeps it; a client-credentials token's is its `iat`), else its `iat`;
   * 0 for a token with neither (refused once its client's tokens are revoked).
   */
  issuedAt: number
}

/** The most clock skew tolerated between the issuer and the gateway, on `exp`, `nbf` and `iat`. */
export const maxClockSkewSeconds = 60

/**
 * A token that must not be accepted; `reason` (a metric's dimension: a few values) and
 * `detail` (which check failed) are for the log, never the caller.
 */
export class TokenRejectedError extends Error {
  readonly reason: string
  readonly detail: string | undefined
  constructor(reason: string, detail?: string) {
    super(`token rejected: ${reason}`)
    this.name = 'TokenRejectedError'
    this.reason = reason
    this.detail = detail
  }
}

/** The token of an `Authorization: Bearer <token>` header value; undefined for any other. */
export const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
  return match?.[1]
}

export type BearerOutcome =
  | { allowed: true; verified: VerifiedCaller }
  | { allowed: false; reason: string; detail?: string; tokenGiven: boolean }

/**
 * The `Authorization` header's bearer token verified: the first half of the
 * authorizer and all of `jwtAuth`. A bad or missing token is an outcome; an
 * unreachable key set is an error, never a rejection.
 *
 * @example
 * const outcome = await verifyBearer(headers.authorization, createTokenVerifier(options))
 */
export const verifyBearer = async (
  authorization: string | undefined,
  verifyAccessToken: VerifyAccessToken,
): Promise<BearerOutcome> => {
  const token = bearerToken(authorization)
  if (!token) {
    return { allowed: false, reason: 'no bearer token', tokenGiven: authorization !== undefined }
  }
  try {
    return { allowed: true, verified: await verifyAccessToken(token) }
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      return {
        allowed: false,
        reason: error.reason,
        ...(error.detail !== undefined && { detail: error.detail }),
        tokenGiven: true,
      }
    }
    throw error
  }
}

/** Verifies an access token: the caller it speaks for, or a `TokenRejectedError`. */
export type VerifyAccessToken = (token: string) => Promise<VerifiedCaller>
