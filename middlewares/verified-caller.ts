import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { type Caller, fromAuthorizerContext } from '../lib/auth/caller.ts'
import { maxClockSkewSeconds } from '../lib/auth/token-verifier.ts'
import { ForbiddenError, TokenExpiredError } from '../lib/errors.ts'

export interface VerifiedCallerOptions {
  /** Refuse callers without the admin scope. */
  requireAdmin?: boolean
  /** The clock, in ms since the epoch. */
  now?: () => number
}

export type CallerContext = Context & { caller: Caller }

/**
 * Reads the caller the REQUEST authorizer verified from
 * `requestContext.authorizer` into `context.caller`. A request without that
 * context never went through the authorizer and is refused; so is one whose
 * token expired (401) since the authorizer's answer was cached, with the skew the
 * token verifier allows.
 *
 * @example
 * middy().use(verifiedCaller({ requireAdmin: true }))
 */
export const verifiedCaller = (
  options: VerifiedCallerOptions = {},
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, CallerContext> => {
  const { requireAdmin = false, now = Date.now } = options

  const verifiedCallerMiddlewareBefore = (
    request: Request<APIGatewayProxyEvent, unknown, Error, CallerContext>,
  ) => {
    let caller: Caller
    try {
      caller = fromAuthorizerContext(request.event.requestContext?.authorizer)
    } catch {
      throw new ForbiddenError(
        'This request carries no verified caller; it must come through the gateway.',
      )
    }
    if (now() >= (caller.expiresAt + maxClockSkewSeconds) * 1000) throw new TokenExpiredError()
    if (requireAdmin && !caller.isAdmin) {
      throw new ForbiddenError('This operation needs the admin scope.')
    }
    request.context.caller = caller
  }

  return { before: verifiedCallerMiddlewareBefore }
}
