import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { renderA2AFailure } from '../lib/a2a/errors.ts'
import { mayInvoke } from '../lib/auth/grants.ts'
import { type A2ARequestContext, a2aOf, type RoutedContext } from './a2a-request.ts'
import { refused } from './support/refusal.ts'
import { requires } from './support/requires.ts'
import type { CallerContext } from './verified-caller.ts'

type GrantContext = A2ARequestContext & CallerContext & RoutedContext

/**
 * Defense in depth behind the authorizer's policy: the caller must hold a grant
 * for this agent and, for a call, this operation. Refusals are answered in the
 * caller's binding with 403. Runs after `verifiedCaller` and `a2aRequest`.
 *
 * @example
 * middy().use(a2aRequest()).use(verifiedCaller()).use(agentGrant()).handler(forward)
 */
export const agentGrant = (): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, GrantContext> => {
  const agentGrantMiddlewareBefore = (
    request: Request<APIGatewayProxyEvent, unknown, Error, GrantContext>,
  ) => {
    const a2a = a2aOf(request.context, 'agentGrant')
    const caller = requires(request.context, 'caller', 'agentGrant')
    if (a2a.kind === 'card') {
      if (mayInvoke(caller.grants, a2a.agentId)) return
      return refused(
        {
          kind: 'forbidden',
          message: `You hold no grant for agent '${a2a.agentId}'.`,
        },
        (failure) => renderA2AFailure(failure, 'HTTP+JSON'),
      )
    }
    const { call } = a2a
    if (mayInvoke(caller.grants, call.agentId, call.operation)) return
    const message = mayInvoke(caller.grants, call.agentId)
      ? `Your grant for agent '${call.agentId}' does not include ${call.operation}.`
      : `You hold no grant for agent '${call.agentId}'.`
    return refused({ kind: 'forbidden', message }, (failure) =>
      renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
    )
  }

  return { before: agentGrantMiddlewareBefore }
}
