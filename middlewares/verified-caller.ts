import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { type Caller, fromAuthorizerContext } from '../lib/auth/caller.ts'
import { ForbiddenError } from '../lib/errors.ts'

export interface VerifiedCallerOptions {
  /** Refuse callers without the admin scope. */
  requireAdmin?: boolean
}

export type CallerContext = Context & { caller: Caller }

/**
 * Reads the caller the REQUEST authorizer verified from
 * `requestContext.authorizer` into `context.caller`. A request without that
 * context never went through the authorizer and is refused.
 *
 * @example
 * middy().use(verifiedCaller({ requireAdmin: true }))
 */
export const verifiedCaller = (
  options: VerifiedCallerOptions = {},
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, CallerContext> => {
  const { requireAdmin = false } = options

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
    if (requireAdmin && !caller.isAdmin) {
      throw new ForbiddenError('This operation needs the admin scope.')
    }
    request.context.caller = caller
  }

  return { before: verifiedCallerMiddlewareBefore }
}
