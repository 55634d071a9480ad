import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { describe, expect, it, vi } from 'vitest'
import { AgentNotFoundError } from '../../../lib/errors.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { type AgentLookupContext, agentLookup } from '../../../middlewares/agent-lookup.ts'
import { invoke } from '../../support/events.ts'

const registeredAt = '2026-01-01T00:00:00.000Z'

const recordWith = (fields: Partial<AgentRecord>) =>
  ({ agentId: 'weather', status: 'active', createdAt: registeredAt, ...fields }) as AgentRecord

/** A call to `weather` by a caller whose grants were settled at `authorizedAt`, routed to `routedTo` when given. */
const chain = (
  record: AgentRecord | undefined,
  {
    authorizedAt = Date.parse(registeredAt) + 1,
    routedTo,
  }: { authorizedAt?: number; routedTo?: string } = {},
) => {
  const lookup = vi.fn(async () => record)
  const handler = middy<APIGatewayProxyEvent, unknown, Error, AgentLookupContext>()
    .use({
      before: ({ context }) => {
        const call = { agentId: 'weather', operation: 'SendMessage' }
        context.a2a = { kind: 'call', call } as AgentLookupContext['a2a']
        if (routedTo)
          context.routed = {
            agentId: routedTo,
            call: { ...call, agentId: routedTo },
          } as AgentLookupContext['routed']
        context.caller = { principal: 'p', authorizedAt } as AgentLookupContext['caller']
      },
    })
    .use(agentLookup({ lookup }))
    .handler(async (_event, context) => `served ${context.agent?.agentId}`)
  return { handler, lookup }
}

describe('agentLookup middleware', () => {
  it('hands the active agent of a call on in context.agent', async () => {
    // Prepare
    const { handler, lookup } = chain(recordWith({}))

    // Act
    const answer = await invoke(handler, {})

    // Assess
    expect(answer).toBe('served weather')
    expect(lookup).toHaveBeenCalledWith('weather')
  })

  it('looks up the agent a /route message was routed to', async () => {
    // Prepare
    const { handler, lookup } = chain(recordWith({ agentId: 'calculator' }), {
      routedTo: 'calculator',
    })

    // Act
    const answer = await invoke(handler, {})

    // Assess
    expect(answer).toBe('served calculator')
    expect(lookup).toHaveBeenCalledWith('calculator')
  })

  it.each([
    ['an unknown agent', undefined, "No agent 'weather' is registered with this gateway."],
    [
      'an inactive agent',
      recordWith({ status: 'inactive' }),
      "Agent 'weather' is deactivated: it takes no calls until an operator activates it.",
    ],
    [
      'an agent being deleted',
      recordWith({ status: 'deleting' }),
      "No agent 'weather' is registered with this gateway.",
    ],
  ])('refuses %s as not found, saying why', async (_case, record, message) => {
    // Prepare
    const { handler } = chain(record)

    // Act
    const failure = await invoke(handler, {}).catch((error: Error) => error)

    // Assess
    expect(failure).toBeInstanceOf(AgentNotFoundError)
    expect((failure as Error).message).toBe(message)
  })

  it('refuses grants settled before the agent was registered under its id', async () => {
    // Prepare
    const { handler } = chain(recordWith({}), { authorizedAt: Date.parse(registeredAt) - 1 })

    // Act
    const failure = await invoke(handler, {}).catch((error: Error) => error.name)

    // Assess
    expect(failure).toBe('ForbiddenError')
  })
})
