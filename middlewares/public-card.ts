import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { checkOptions, optionRules } from '../lib/options.ts'
import type { AgentRecord } from '../lib/registry/agent-record.ts'
import type { A2ARequestContext } from './a2a-request.ts'
import { requires } from './support/requires.ts'

export interface PublicCardOptions<TResponse> {
  /** The agent's record, if one is registered (the handler's cached lookup). */
  lookup: (agentId: string) => Promise<AgentRecord | undefined>
  /** The card answer, exactly as the handler serves every card. */
  serve: (event: APIGatewayProxyEvent, record: AgentRecord) => TResponse | Promise<TResponse>
}

/**
 * Answers a card request for an active agent whose card is public
 * (`cardVisibility: "public"`) before anyone asks who is calling: no token is
 * needed, and whatever token came along is not looked at. Every other request
 * goes on to `verifiedCaller` and the grant check, as before. Runs after
 * `a2aRequest`.
 *
 * @example
 * middy().use(a2aRequest()).use(publicCard({ lookup, serve })).use(verifiedCaller({ authenticate }))
 */
export const publicCard = <TResponse>(
  options: PublicCardOptions<TResponse>,
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, A2ARequestContext> => {
  checkOptions('publicCard', options, {
    lookup: optionRules.function(),
    serve: optionRules.function(),
  })
  const { lookup, serve } = options

  const publicCardMiddlewareBefore = async (
    request: Request<APIGatewayProxyEvent, unknown, Error, A2ARequestContext>,
  ) => {
    const a2a = requires(request.context, 'a2a', 'publicCard')
    // The router's card (`/route/...`) is no agent's: routeMessage serves it.
    if (a2a.kind !== 'card' || a2a.agentId === '') return
    const record = await lookup(a2a.agentId)
    if (record?.status !== 'active' || record.cardVisibility !== 'public') return
    return serve(request.event, record)
  }

  return { before: publicCardMiddlewareBefore }
}
