import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import type { AuthenticateOutcome } from '../lib/auth/authorize.ts'
import { maxClockSkewSeconds } from '../lib/auth/bearer.ts'
import { type Caller, fromAuthorizerContext } from '../lib/auth/caller.ts'
import { ForbiddenError, TokenExpiredError, UnauthenticatedError } from '../lib/errors.ts'
import { headerOf } from '../lib/http/lambda-event.ts'
import { checkOptions, optionRules } from '../lib/options.ts'

export interface VerifiedCallerOptions {
  /** Refuse callers without the admin scope. */
  requireAdmin?: boolean
  /** The clock, in ms since the epoch. */
  now?: () => number
  /**
   * For a route API Gateway does not guard with the authorizer (the agent card,
   * which a public card needs): verifies the `Authorization` header with the
   * authorizer's own code (lib/auth/authorize.ts `authenticate`). Without it, a
   * request that carries no authorizer context is refused.
   */
  authenticate?: (authorization: string | undefined) => Promise<AuthenticateOutcome>
}

export type CallerContext = Context & { caller: Caller }

/**
 * Reads the caller the REQUEST authorizer verified from
 * `requestContext.authorizer` into `context.caller`. A request without that
 * context never went through the authorizer: it is refused (403), or, given
 * `authenticate`, its token is verified here (401 without a valid one). A caller
 * whose token expired (401) since the authorizer's answer was cached is refused,
 * with the skew the token verifier allows.
 *
 * @example
 * middy().use(verifiedCaller({ requireAdmin: true }))
 */
export const verifiedCaller = (
  options: VerifiedCallerOptions = {},
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, CallerContext> => {
  // A misspelt `requireAdmin` would let every verified caller onto an admin route.
  checkOptions('verifiedCaller', options, {
    requireAdmin: optionRules
      .custom((value) => typeof value === 'boolean', 'must be true or false')
      .optional(),
    now: optionRules.function().optional(),
    authenticate: optionRules.function().optional(),
  })
  const { requireAdmin = false, now = Date.now, authenticate } = options

  /** The caller the handler verifies itself, where no authorizer ran. */
  const authenticated = async (event: APIGatewayProxyEvent): Promise<Caller> => {
    if (!authenticate) {
      throw new ForbiddenError(
        'This request carries no verified caller; it must come through the gateway.',
      )
    }
    const outcome = await authenticate(headerOf(event, 'authorization'))
    if (!outcome.allowed) throw new UnauthenticatedError(outcome.tokenGiven)
    return outcome.caller
  }

  const verifiedCallerMiddlewareBefore = async (
    request: Request<APIGatewayProxyEvent, unknown, Error, CallerContext>,
  ) => {
    const context = request.event.requestContext?.authorizer
    let caller: Caller
    if (context === undefined || context === null) {
      caller = await authenticated(request.event)
    } else {
      try {
        caller = fromAuthorizerContext(context)
      } catch {
        throw new ForbiddenError(
          'This request carries no verified caller; it must come through the gateway.',
        )
      }
    }
    if (now() >= (caller.expiresAt + maxClockSkewSeconds) * 1000) throw new TokenExpiredError()
    if (requireAdmin && !caller.isAdmin) {
      throw new ForbiddenError('This operation needs the admin scope.')
    }
    request.context.caller = caller
  }

  return { before: verifiedCallerMiddlewareBefore }
}
