import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * A 1.0 card that still carries 0.3's fields, and links: one on the agent's
 * own host, one on a private address, one public page.
 */
const dualCard = (url: string) => ({
  ...validCard(url),
  name: 'Dual',
  description: 'Speaks both versions and translates Klingon poetry into plain English.',
  url: `${url}/a2a/jsonrpc`,
  preferredTransport: 'JSONRPC',
  additionalInterfaces: [
    { url: `${url}/a2a/jsonrpc`, transport: 'JSONRPC' },
    { url: `${url}/a2a/rest`, transport: 'HTTP+JSON' },
  ],
  iconUrl: `${url}/icon.png`,
  provider: { organization: 'Internal team', url: 'http://10.1.2.3/team' },
  documentationUrl: 'https://docs.example.com/dual',
})

describe('cards through the local gateway name no backend address', () => {
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let token: string
  let agentUrl: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    backend = await startCardServer()
    backend.serve(dualCard(backend.url))
    await registerAgents(stack, [
      { agentId: 'dual', backendUrl: `${backend.url}/a2a/jsonrpc`, agentCardUrl: backend.cardUrl },
    ])
    await grantToDemoClient(['dual'])
    token = await stack.token('demo-client')
    agentUrl = `${stack.url}/agents/dual`
  })
  afterAll(async () => {
    await backend.stop()
    await stack.stop()
  })

  const get = (path: string) =>
    fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${token}` } })

  const cardFrom = {
    'the card route': async () => (await get('/agents/dual/.well-known/agent-card.json')).json(),
    'GET /agents': async () =>
      ((await (await get('/agents')).json()).agents as { agentId: string; card: unknown }[]).find(
        (agent) => agent.agentId === 'dual',
      )?.card,
    '/search': async () => {
      const response = await fetch(`${stack.url}/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'translate Klingon poetry', topK: 10 }),
      })
      return ((await response.json()).results as { agentId: string; card: unknown }[]).find(
        (result) => result.agentId === 'dual',
      )?.card
    },
  }

  it.each(Object.keys(cardFrom) as (keyof typeof cardFrom)[])(
    'points the 0.3 fields of a 1.0 card at the gateway and drops backend links, through %s',
    async (route) => {
      // Act
      const card = await cardFrom[route]()

      // Assess
      expect(card).toMatchObject({
        url: agentUrl,
        preferredTransport: 'JSONRPC',
        additionalInterfaces: [
          { url: agentUrl, transport: 'JSONRPC' },
          { url: agentUrl, transport: 'HTTP+JSON' },
        ],
        documentationUrl: 'https://docs.example.com/dual',
      })
      expect(card).not.toHaveProperty('iconUrl')
      expect(card).not.toHaveProperty('provider')
      expect(JSON.stringify(card)).not.toContain(backend.url)
      expect(JSON.stringify(card)).not.toContain('10.1.2.3')
    },
  )
})
