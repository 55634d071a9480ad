import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { postA2A } from '../support/a2a-client.ts'
import { adminCaller } from '../support/admin-api.ts'

/**
 * A request neither sample agent's card says it serves: the router refuses it
 * (or sends it elsewhere) until an operator teaches it the calculator's phrase.
 */
const request = 'split the restaurant bill between four friends'

describe('routing examples through the local gateway', () => {
  let stack: RunningStack
  let admin: string
  let demo: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    admin = await stack.token('admin-client')
    demo = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
  const routeTo = async (text: string) => {
    const response = await postA2A(`${stack.url}/route/message:send`, demo, {
      message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
    })
    await response.body?.cancel()
    return response.headers.get('x-switchboard-agent') ?? `refused ${response.status}`
  }
  const searchFor = async (query: string) =>
    (
      await (
        await fetch(`${stack.url}/search`, {
          method: 'POST',
          headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query, topK: 5 }),
        })
      ).json()
    ).results.map(({ agentId }: { agentId: string }) => agentId)

  it('routes a message to the agent whose routingExamples, added by PATCH, say it', async () => {
    // Prepare
    const before = await routeTo(request)

    // Act
    const patched = await adminCall('PATCH', '/admin/agents/calculator', {
      routingExamples: [
        'split the restaurant bill between friends',
        'how much does each of us pay',
      ],
    })
    const after = await routeTo(request)

    // Assess
    expect(before).not.toBe('calculator')
    expect(patched.status).toBe(200)
    expect((await patched.json()).routingExamples).toHaveLength(2)
    expect(after).toBe('calculator')
    expect(await searchFor(request)).toEqual(['calculator', 'weather'])
  })

  it('keeps routingExamples given in a PUT, and forgets removed ones in the index', async () => {
    // Prepare
    const calculator = stack.agents.find((agent) => agent.agentId === 'calculator')
    const config = {
      backendUrl: calculator?.url,
      agentCardUrl: calculator?.cardUrl,
      auth: { type: 'aws_iam', service: 'lambda', region: 'us-east-1' },
    }

    // Act
    const put = await adminCall('PUT', '/admin/agents/calculator', {
      ...config,
      routingExamples: ['split the restaurant bill between friends'],
    })
    const withExample = await routeTo(request)
    const cleared = await adminCall('PATCH', '/admin/agents/calculator', { routingExamples: [] })
    const withoutExample = await routeTo(request)
    const read = await (await adminCall('GET', '/admin/agents/calculator')).json()

    // Assess
    expect(put.status).toBe(200)
    expect(withExample).toBe('calculator')
    expect(cleared.status).toBe(200)
    expect(withoutExample).not.toBe('calculator')
    expect(read.routingExamples).toBeUndefined()
  })

  it.each([
    {
      shape: 'too many phrases',
      routingExamples: Array.from({ length: 51 }, (_, i) => `phrase ${i}`),
      says: /routingExamples: must hold at most 50 phrases/,
    },
    {
      shape: 'a phrase too long',
      routingExamples: ['x'.repeat(501)],
      says: /routingExamples\.0: must be at most 500 characters/,
    },
    { shape: 'a blank phrase', routingExamples: ['  '], says: /must not be blank/ },
    { shape: 'not a list', routingExamples: 'add two numbers', says: /must be a list of phrases/ },
  ])('refuses routingExamples with $shape, saying why', async ({ routingExamples, says }) => {
    // Act
    const response = await adminCall('PATCH', '/admin/agents/calculator', { routingExamples })

    // Assess
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(JSON.stringify(await response.json())).toMatch(says)
  })
})
