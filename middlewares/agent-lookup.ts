import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { assertAuthorizedSinceRegistration } from '../lib/auth/registration.ts'
import { AgentInactiveError, AgentNotFoundError } from '../lib/errors.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import type { AgentRecord } from '../lib/registry/agent-record.ts'
import { type A2ARequestContext, a2aOf, type RoutedContext } from './a2a-request.ts'
import { requires } from './support/requires.ts'
import type { CallerContext } from './verified-caller.ts'

export type AgentLookupContext = A2ARequestContext &
  CallerContext &
  RoutedContext & {
    /** The agent this request is for, active and registered since the caller's grants: set by `agentLookup`. */
    agent?: AgentRecord
  }

export interface AgentLookupOptions {
  /** The agent's record, if one is registered (the handler's cached lookup). */
  lookup: (agentId: string) => Promise<AgentRecord | undefined>
}

/**
 * Finds the agent a card request or call is for (the routed one on `/route`)
 * and puts its record in `context.agent`: an agent that is not there or not
 * active is AgentNotFoundError (404), one registered after the caller's grants
 * were settled a ForbiddenError (403, see `assertAuthorizedSinceRegistration`).
 * A read only, so it may run beside the rate-limit write (`concurrently`).
 * Runs after `verifiedCaller` and `routeMessage`.
 *
 * @example
 * middy().use(verifiedCaller()).use(agentGrant()).use(agentLookup({ lookup })).handler(serve)
 */
export const agentLookup = (
  options: AgentLookupOptions,
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, AgentLookupContext> => {
  checkOptions('agentLookup', options, { lookup: optionRules.function() })
  const { lookup } = options

  const agentLookupMiddlewareBefore = async (
    request: Request<APIGatewayProxyEvent, unknown, Error, AgentLookupContext>,
  ) => {
    const { context } = request
    const a2a = a2aOf(context, 'agentLookup')
    const agentId = a2a.kind === 'card' ? a2a.agentId : a2a.call.agentId
    const record = await lookup(agentId)
    if (record?.status === 'inactive') throw new AgentInactiveError(agentId)
    if (record?.status !== 'active') throw new AgentNotFoundError(agentId)
    assertAuthorizedSinceRegistration(requires(context, 'caller', 'agentLookup'), record)
    context.agent = record
  }

  return { before: agentLookupMiddlewareBefore }
}
