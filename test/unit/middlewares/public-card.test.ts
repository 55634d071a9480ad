import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { describe, expect, it, vi } from 'vitest'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { a2aRequest } from '../../../middlewares/a2a-request.ts'
import { publicCard } from '../../../middlewares/public-card.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

/** The card request as API Gateway sends it on the card's own route: no proxy, no authorizer. */
const cardEvent = sampleEvent('agents-agent-card.json', (event) => {
  event.resource = '/agents/{agentId}/.well-known/agent-card.json'
  event.pathParameters = { agentId: 'weather' }
  delete (event.requestContext as { authorizer?: unknown }).authorizer
})

const recordWith = (fields: Partial<AgentRecord>) =>
  ({ agentId: 'weather', status: 'active', ...fields }) as AgentRecord

const chain = (record: AgentRecord | undefined) => {
  const lookup = vi.fn(async () => record)
  const rest = vi.fn(async () => 'went on')
  const handler = middy<APIGatewayProxyEvent>()
    .use(a2aRequest())
    .use(publicCard({ lookup, serve: (_event, found) => `card of ${found.agentId}` }))
    .handler(rest)
  return { handler, lookup, rest }
}

describe('publicCard middleware', () => {
  it('answers the card of an active agent whose card is public, on the card route', async () => {
    // Prepare
    const { handler, lookup, rest } = chain(recordWith({ cardVisibility: 'public' }))

    // Act
    const answer = await invoke(handler, cardEvent)

    // Assess
    expect(answer).toBe('card of weather')
    expect(lookup).toHaveBeenCalledWith('weather')
    expect(rest).not.toHaveBeenCalled()
  })

  it.each([
    ['a granted card', recordWith({ cardVisibility: 'granted' })],
    ['a record from before cardVisibility', recordWith({})],
    ['an inactive agent', recordWith({ cardVisibility: 'public', status: 'inactive' })],
    ['an unknown agent', undefined],
  ])('leaves %s to the caller check that follows', async (_case, record) => {
    // Prepare
    const { handler, rest } = chain(record)

    // Act
    const answer = await invoke(handler, cardEvent)

    // Assess
    expect(answer).toBe('went on')
    expect(rest).toHaveBeenCalled()
  })

  it("leaves the router's card and every call alone without looking anything up", async () => {
    // Prepare
    const { handler, lookup } = chain(recordWith({ cardVisibility: 'public' }))
    const routerCard = sampleEvent('agents-agent-card.json', (event) => {
      event.resource = '/route/{proxy+}'
      event.pathParameters = { proxy: '.well-known/agent-card.json' }
    })

    // Act
    const answers = [
      await invoke(handler, routerCard),
      await invoke(handler, sampleEvent('agents-jsonrpc-send-message.json')),
    ]

    // Assess
    expect(answers).toEqual(['went on', 'went on'])
    expect(lookup).not.toHaveBeenCalled()
  })

  it('refuses to be built without lookup, naming the option', () => {
    // Act
    const build = () => publicCard({ serve: vi.fn() } as never)

    // Assess
    expect(build).toThrow('publicCard: options.lookup must be a function')
  })
})
