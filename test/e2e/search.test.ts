import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { invoke, sampleEvent } from '../support/events.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

describe('POST /search through the local gateway', () => {
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let demo: string
  let admin: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    backend = await startCardServer()
    backend.serve(validCard(backend.url))
    demo = await stack.token('demo-client')
    admin = await stack.token('admin-client')
  })
  afterAll(async () => {
    await backend.stop()
    await stack.stop()
  })

  const search = (body: unknown, token = demo) =>
    fetch(`${stack.url}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const agentIdsFor = async (query: string, token = demo) =>
    ((await (await search({ query }, token)).json()).results as { agentId: string }[]).map(
      (r) => r.agentId,
    )

  it('ranks the caller’s agents for a plain-language query, cards rewritten', async () => {
    // Act
    const response = await search({ query: 'what is the weather forecast for Paris', topK: 2 })

    // Assess
    expect(response.status).toBe(200)
    const { results } = await response.json()
    expect(results[0]).toMatchObject({ agentId: 'weather', card: { name: 'Weather' } })
    expect(results[0].score).toBeGreaterThan(results[1].score)
    expect(results[0].card.supportedInterfaces[0].url).toBe(`${stack.url}/agents/weather`)
  })

  it('returns only agents the caller may invoke', async () => {
    // Prepare
    const weatherOnly = await stack.token('weather-client')

    // Assess
    expect(await agentIdsFor('calculate 2+2*3 for me', weatherOnly)).toEqual(['weather'])
  })

  it('says what is wrong with an empty or oversized query', async () => {
    // Act
    const empty = await search({ query: '   ' })
    const huge = await search({ query: 'x'.repeat(2001) })
    const tooMany = await search({ query: 'weather', topK: 50 })
    const badScore = await search({ query: 'weather', minScore: 2 })

    // Assess
    expect([empty.status, huge.status, tooMany.status, badScore.status]).toEqual([
      400, 400, 400, 400,
    ])
    expect((await empty.json()).errors).toEqual([{ field: 'query', rule: 'must not be empty' }])
    expect((await huge.json()).errors[0].rule).toBe('must be at most 2,000 characters')
    expect((await tooMany.json()).errors).toEqual([
      { field: 'topK', rule: 'must be a whole number from 1 to 20' },
    ])
    expect((await badScore.json()).errors).toEqual([
      { field: 'minScore', rule: 'must be a number from -1 to 1 (a cosine similarity)' },
    ])
  })

  it('says a search sent with no body at all that its body is empty, not that a null is no object', async () => {
    // Act
    const response = await fetch(`${stack.url}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}` },
    })

    // Assess
    expect(response.status).toBe(400)
    expect((await response.json()).detail).toMatch(
      /^The request body must be a JSON document and is not: it is empty/,
    )
  })

  it('leaves out an agent from the very next search once deactivated, and back once reactivated', async () => {
    // Prepare
    const patch = (status: string) =>
      fetch(`${stack.url}/admin/agents/weather`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status }),
      })
    expect(await agentIdsFor('weather forecast')).toContain('weather')

    // Act
    const deactivated = await patch('inactive')
    const whileInactive = await agentIdsFor('weather forecast')
    const reactivated = await patch('active')
    const afterwards = await agentIdsFor('weather forecast')

    // Assess
    expect([deactivated.status, reactivated.status]).toEqual([200, 200])
    expect(whileInactive).not.toContain('weather')
    expect(afterwards).toContain('weather')
  })

  it('leaves out a deleted agent from the very next search and forgets its vector', async () => {
    // Prepare
    await registerAgents(stack, [
      { agentId: 'echo', backendUrl: backend.url, agentCardUrl: backend.cardUrl },
    ])
    await grantToDemoClient(['echo'])
    const vectors = async () =>
      (
        JSON.parse(await readFile(join(stack.stateDir, 'vectors.json'), 'utf8')) as {
          vectors: { key: string }[]
        }
      ).vectors.map((entry) => entry.key)
    expect(await vectors()).toContain('echo')
    expect(await agentIdsFor('repeat what I say')).toContain('echo')

    // Act
    const deleted = await fetch(`${stack.url}/admin/agents/echo`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    })
    const afterwards = await agentIdsFor('repeat what I say')

    // Assess
    expect(deleted.status).toBe(204)
    expect(afterwards).not.toContain('echo')
    expect(afterwards).toContain('weather')
    expect(await vectors()).not.toContain('echo')
  })

  it('counts searches apart from calls to an agent named "search"', async () => {
    // Prepare: two searches and one call, inside one minute.
    const intoMinute = Date.now() % 60_000
    if (intoMinute > 50_000)
      await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute))
    backend.serve(validCard(backend.url))
    await registerAgents(stack, [
      { agentId: 'search', backendUrl: backend.url, agentCardUrl: backend.cardUrl },
    ])
    await grantToDemoClient(['search'], { requestsPerMinute: 2 })
    const searches = [await search({ query: 'weather' }), await search({ query: 'weather' })]

    // Act
    const call = await fetch(`${stack.url}/agents/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
      }),
    })

    // Assess
    expect(searches.map((response) => response.status)).toEqual([200, 200])
    expect(searches[0]?.headers.get('ratelimit-policy')).toBe('"per-caller-search";q=60;w=60')
    expect(call.status).not.toBe(429)
    expect(call.headers.get('ratelimit')).toMatch(/^"per-caller-agent";r=1;t=\d+$/)
  })

  it('reads a Content-Type header in any casing, as API Gateway passes it on', async () => {
    // Prepare: API Gateway keeps the client's header casing; fetch would lower-case it, so the
    // event is handed to the handler as API Gateway would build it.
    const { handler } = await import('../../handlers/discovery.ts')
    const event = sampleEvent('discovery-list-agents.json', (search) => {
      Object.assign(search, {
        resource: '/search',
        path: '/search',
        httpMethod: 'POST',
        headers: { 'CONTENT-TYPE': 'application/json' },
        multiValueHeaders: { 'CONTENT-TYPE': ['application/json'] },
        body: JSON.stringify({ query: 'weather in Paris' }),
      })
    })

    // Act
    const response = (await invoke(handler, event)) as { statusCode: number; body: string }

    // Assess
    expect(response.statusCode).toBe(200)
    expect(JSON.parse(response.body)).toHaveProperty('results')
  })
})
