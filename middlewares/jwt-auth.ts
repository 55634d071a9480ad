import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { renderA2AFailureIn } from '../lib/a2a/event-address.ts'
import { maxClockSkewSeconds, type VerifiedCaller, verifyBearer } from '../lib/auth/bearer.ts'
import { bearerChallenge } from '../lib/auth/resource-metadata.ts'
import { createTokenVerifier } from '../lib/auth/token-verifier.ts'
import { UnauthenticatedError } from '../lib/errors.ts'
import { type AnyHttpEvent, headerOf } from '../lib/http/lambda-event.ts'
import { problemResponse, toProblem } from '../lib/http/problem.ts'
import type { LogMethods } from '../lib/log-methods.ts'
import { checkOptions, optionRules } from '../lib/options.ts'

/** Thrown for a key set that cannot be fetched; `problemDetails` and `a2aErrors` answer it 503. */
export { KeySetUnavailableError } from '../lib/errors.ts'

/** Where `jwtAuth` puts the verified token: `context.jwtAuth`. */
export const jwtAuthKey = 'jwtAuth'

export type JwtAuthContext = Context & { [jwtAuthKey]: VerifiedCaller }

export interface JwtAuthOptions {
  /** The token issuer, matched exactly against `iss`. */
  issuer: string
  /** The issuer's JSON Web Key Set; fetched once per container, again for an unknown key. */
  jwksUrl: string
  /** Only scopes with this prefix count, prefix removed (Cognito's resource-server id + '/'). */
  scopePrefix?: string
  /** When given, tokens of any other app client are refused. */
  allowedClientIds?: string[]
  /** Seconds of clock skew tolerated on exp/nbf/iat: 0 to 60 (the default); others are refused. */
  clockToleranceSeconds?: number
  /**
   * The protected resource's base URL, for the 401's `WWW-Authenticate`
   * challenge (its RFC 9728 metadata document lives under it).
   */
  resourceUrl: string | ((event: AnyHttpEvent) => string)
  /** The 401's body: RFC 9457 problem+json (default), or an A2A error in the request's binding. */
  errorShape?: 'problem' | 'a2a'
  /**
   * Where to say why a token was refused (Powertools' `Logger`, `console` or any `info` will do):
   * `info` "token refused" with `reason` and `detail` (a wrong issuer, an ID token, an expired
   * token, no scope with the prefix), never the token; nothing for a request with no
   * `Authorization` header (a client's first call). A 401 says none of it to the caller.
   */
  logger?: LogMethods<'info'>
}

/**
 * Verifies the request's `Authorization: Bearer` token with the gateway
 * authorizer's own rules (lib/auth/token-verifier.ts: RS256 only, exact issuer,
 * `token_use` = access, bounded skew, no `iat` in the future, optional client
 * allow-list, scope prefix) and puts `{ principal, clientId, scopes, expiresAt }`
 * at `context.jwtAuth`. A missing or refused token is answered at once with 401
 * and a `WWW-Authenticate: Bearer` challenge naming the resource metadata. Reads
 * API Gateway REST and HTTP API events, function URL and ALB events alike.
 * `permissionLookup` turns the scopes into grants, as `context.caller`.
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { jwtAuth } from 'switchboard/middlewares/jwt-auth'
 *
 * export const handler = middy()
 *   .use(jwtAuth({
 *     issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
 *     jwksUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
 *     scopePrefix: 'switchboard/',
 *     resourceUrl: 'https://api.example.com',
 *   }))
 *   .handler(async (_event, context) => ({ statusCode: 200, body: context.jwtAuth.principal }))
 * ```
 */
export const jwtAuth = (
  options: JwtAuthOptions,
): MiddlewareObj<AnyHttpEvent, unknown, Error, JwtAuthContext> => {
  checkOptions('jwtAuth', options, {
    issuer: optionRules.text(),
    jwksUrl: optionRules.url(),
    scopePrefix: optionRules.string().optional(),
    allowedClientIds: optionRules.texts().optional(),
    clockToleranceSeconds: optionRules.integerFrom(0, maxClockSkewSeconds).optional(),
    resourceUrl: optionRules.custom(
      (value) => typeof value === 'function' || (typeof value === 'string' && URL.canParse(value)),
      'must be a URL or a function of the event',
    ),
    errorShape: optionRules.oneOf('problem', 'a2a').optional(),
    logger: optionRules.methods('info').optional(),
  })
  const { issuer, jwksUrl, scopePrefix = '', resourceUrl, errorShape = 'problem' } = options
  const verifyAccessToken = createTokenVerifier({
    issuer,
    jwksUrl,
    scopePrefix,
    allowedClientIds: options.allowedClientIds,
    ...(options.clockToleranceSeconds === undefined
      ? {}
      : { clockToleranceSeconds: options.clockToleranceSeconds }),
  })
  const resourceUrlOf = typeof resourceUrl === 'function' ? resourceUrl : () => resourceUrl

  /** The 401 in the caller's shape, with the Bearer challenge. */
  const unauthenticated = (event: AnyHttpEvent, tokenGiven: boolean) => {
    const error = new UnauthenticatedError(tokenGiven)
    const response =
      errorShape === 'a2a'
        ? renderA2AFailureIn(event, { kind: 'unauthenticated', message: error.message })
        : problemResponse(toProblem(error))
    const challenge = bearerChallenge(
      resourceUrlOf(event),
      tokenGiven ? { description: error.message } : undefined,
    )
    return { ...response, headers: { ...response.headers, 'www-authenticate': challenge } }
  }

  const jwtAuthMiddlewareBefore = async (
    request: Request<AnyHttpEvent, unknown, Error, JwtAuthContext>,
  ) => {
    // A key set that could not be fetched throws KeySetUnavailableError: the kit's renderers
    // (problemDetails, a2aErrors) answer it 503 with Retry-After, as the authorizer fails.
    const outcome = await verifyBearer(headerOf(request.event, 'authorization'), verifyAccessToken)
    if (!outcome.allowed) {
      const { reason, detail } = outcome
      // No Authorization header at all is a client's first call, met by the 401's challenge.
      if (outcome.tokenGiven)
        options.logger?.info('token refused', { reason, ...(detail !== undefined && { detail }) })
      return unauthenticated(request.event, outcome.tokenGiven)
    }
    if (outcome.verified.scopes.length === 0) {
      // Often a forgotten or wrong scopePrefix: every scope in the token was set aside.
      options.logger?.info('token carries no scope with the prefix', { scopePrefix })
    }
    request.context[jwtAuthKey] = outcome.verified
  }

  return { before: jwtAuthMiddlewareBefore }
}
