import { isIP } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * What the names below resolve to, in order: each lookup takes the next answer
 * and the last one stays. Every other name resolves as usual.
 */
const names = vi.hoisted(() => new Map<string, string[][]>())

vi.mock('node:dns/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:dns/promises')>()
  const lookup = ((host: string, options: object) => {
    const answers = names.get(host)
    if (!answers) return actual.lookup(host, options)
    const addresses = (answers.length > 1 ? answers.shift() : answers[0]) as string[]
    return Promise.resolve(addresses.map((address) => ({ address, family: isIP(address) })))
  }) as typeof actual.lookup
  return { ...actual, lookup, default: { ...actual, lookup } }
})

const loopback = ['127.0.0.1']
const metadata = ['169.254.169.254']

describe('DNS rebinding through the local gateway', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let port: string

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    agent = await startScriptedAgent({
      answer: (_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end('{"jsonrpc":"2.0","id":3,"result":{}}')
      },
    })
    port = new URL(agent.url).port
    // Loopback is allowed on a laptop (BACKEND_ALLOWED_CIDRS), the metadata address is not.
    names.set('rebind.test', [loopback])
    await registerAgents(stack, [
      {
        agentId: 'rebind',
        backendUrl: `http://rebind.test:${port}/rpc`,
        agentCardUrl: `http://rebind.test:${port}/.well-known/agent-card.json`,
      },
    ])
    await grantToDemoClient(['rebind'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent.stop()
    await stack.stop()
  })

  it('answers 502 in the caller’s binding, without connecting, when the agent’s name now resolves to the metadata address', async () => {
    // Prepare
    names.set('rebind.test', [metadata])
    const connectionsBefore = agent.connections()

    // Act
    const response = await postA2A(
      `${stack.url}/agents/rebind`,
      token,
      jsonRpc('SendMessage', textMessageParams('hi'), 3),
    )

    // Assess
    expect(response.status).toBe(502)
    const body = await response.json()
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: 3,
      error: {
        code: -32052,
        message:
          "Agent 'rebind' did not answer: its address is a link-local (cloud metadata) address, which the gateway may not call.",
      },
    })
    expect(JSON.stringify(body)).not.toMatch(/rebind\.test|169\.254/)
    expect(agent.connections()).toBe(connectionsBefore)
  })

  it('refuses a registration whose card URL rebinds between the check and the fetch, naming the field', async () => {
    // Prepare: the check sees loopback, the card fetch the metadata address.
    names.set('card.rebind.test', [loopback, metadata])
    const connectionsBefore = agent.connections()
    const admin = await stack.token('admin-client')

    // Act
    const response = await fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        agentId: 'card-rebind',
        backendUrl: agent.url,
        agentCardUrl: `http://card.rebind.test:${port}/.well-known/agent-card.json`,
      }),
    })

    // Assess
    expect(response.status).toBe(422)
    expect((await response.json()).detail).toBe(
      'agentCardUrl is not allowed: 169.254.169.254 is a link-local (cloud metadata) address (card.rebind.test resolves to 169.254.169.254); an operator can allow it with BACKEND_ALLOWED_CIDRS.',
    )
    expect(agent.connections()).toBe(connectionsBefore)
  })

  it('answers 502 with the metadata address’s reason when the agent’s name now resolves to a NAT64 form of it', async () => {
    // Prepare
    names.set('rebind.test', [['64:ff9b::a9fe:a9fe']])
    const connectionsBefore = agent.connections()

    // Act
    const response = await postA2A(
      `${stack.url}/agents/rebind`,
      token,
      jsonRpc('SendMessage', textMessageParams('hi'), 4),
    )

    // Assess
    expect(response.status).toBe(502)
    expect((await response.json()).error.message).toBe(
      "Agent 'rebind' did not answer: its address is a link-local (cloud metadata) address, which the gateway may not call.",
    )
    expect(agent.connections()).toBe(connectionsBefore)
  })

  it.each([
    [
      'a NAT64 form of the metadata address',
      'http://[64:ff9b::a9fe:a9fe]',
      'link-local (cloud metadata)',
    ],
    ['a 6to4 address', 'http://[2002:808:808::1]', '6to4 (IPv4-embedding)'],
    ['a multicast address', 'http://224.0.0.251', 'multicast'],
  ])(
    'refuses a registration whose backend is %s with 422, saying why',
    async (_what, base, kind) => {
      // Prepare
      const admin = await stack.token('admin-client')

      // Act
      const response = await fetch(`${stack.url}/admin/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          agentId: 'embedded',
          backendUrl: `${base}:${port}/rpc`,
          agentCardUrl: agent.cardUrl,
        }),
      })

      // Assess
      expect(response.status).toBe(422)
      expect(response.headers.get('content-type')).toMatch(/problem\+json/)
      expect((await response.json()).detail).toMatch(
        new RegExp(`^backendUrl is not allowed: .* is a ${kind.replace(/[()]/g, '\\$&')} address`),
      )
    },
  )
})
