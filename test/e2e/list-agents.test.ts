import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { tableName } from '../../lib/tables.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { invoke, sampleEvent } from '../support/events.ts'
import { inOneMinute } from '../support/one-minute.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

interface AgentsPage {
  agents: { agentId: string; card: { name: string } }[]
  cursor?: string
}

/** Lambda refuses a buffered response (its whole JSON) over 6 MB. */
const lambdaResponseLimit = 6 * 1024 * 1024

describe('GET /agents through the local gateway', () => {
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let demo: string

  const list = (query = '', token = demo) =>
    fetch(`${stack.url}/agents${query}`, { headers: { authorization: `Bearer ${token}` } })

  /** Every agent, following each page's cursor to the next. */
  const listAll = async (limit: number) => {
    const pages: AgentsPage[] = []
    let cursor: string | undefined
    do {
      const response = await list(
        `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
      expect(response.status).toBe(200)
      const page = (await response.json()) as AgentsPage
      pages.push(page)
      cursor = page.cursor
    } while (cursor !== undefined && pages.length < 20)
    return pages
  }

  /** GET /agents handed to the discovery handler as API Gateway would, for a caller holding `grants`. */
  const listDirectly = async (grants: Record<string, '*'>, query: Record<string, string> = {}) => {
    const { handler } = await import('../../handlers/discovery.ts')
    const event = sampleEvent('discovery-list-agents.json', (listing) => {
      listing.requestContext.requestId = crypto.randomUUID()
      listing.requestContext.authorizer = {
        ...listing.requestContext.authorizer,
        principal: 'direct-caller',
        grants: JSON.stringify(grants),
        limits: '{}',
      }
      listing.queryStringParameters = query
    })
    return (await invoke(handler, event)) as { statusCode: number; body: string }
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    backend = await startCardServer()
    backend.serve(validCard(backend.url))
    await registerAgents(
      stack,
      ['echo-a', 'echo-b', 'echo-c'].map((agentId) => ({
        agentId,
        backendUrl: backend.url,
        agentCardUrl: backend.cardUrl,
      })),
    )
    await grantToDemoClient(['echo-a', 'echo-b', 'echo-c', 'weather'])
    demo = await stack.token('demo-client')
  })
  afterAll(async () => {
    await backend?.stop()
    await stack?.stop()
  })

  it('answers in pages of `limit` agents, each page naming a cursor to the next, the last none', async () => {
    // Act
    const pages = await listAll(2)

    // Assess
    expect(pages.map((page) => page.agents.map((agent) => agent.agentId))).toEqual([
      ['calculator', 'echo-a'],
      ['echo-b', 'echo-c'],
      ['weather'],
    ])
    expect(pages.map((page) => page.cursor === undefined)).toEqual([false, false, true])
  })

  it('answers every agent on one page when they fit, with no cursor', async () => {
    // Act
    const response = await list()

    // Assess
    const page = (await response.json()) as AgentsPage
    expect(page.agents.map((agent) => agent.agentId)).toEqual([
      'calculator',
      'echo-a',
      'echo-b',
      'echo-c',
      'weather',
    ])
    expect(page).not.toHaveProperty('cursor')
  })

  it('marks a page, a search and their refusals `no-store` and `nosniff`: one caller’s agents, for no cache to hand to another', async () => {
    // Act
    const page = await list()
    const refused = await list('?limit=500')
    const found = await fetch(`${stack.url}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'weather' }),
    })

    // Assess
    expect(
      [page, refused, found].map((answer) => [
        answer.status,
        answer.headers.get('cache-control'),
        answer.headers.get('x-content-type-options'),
      ]),
    ).toEqual([
      [200, 'no-store', 'nosniff'],
      [400, 'no-store', 'nosniff'],
      [200, 'no-store', 'nosniff'],
    ])
  })

  it('says what is wrong with a limit out of range or a cursor it never gave out', async () => {
    // Act
    const tooMany = await list('?limit=500')
    const none = await list('?limit=0')
    const madeUp = await list('?cursor=not*a*cursor')

    // Assess
    expect([tooMany.status, none.status, madeUp.status]).toEqual([400, 400, 400])
    expect((await tooMany.json()).errors).toEqual([
      { field: 'limit', rule: 'must be a whole number from 1 to 50, in digits only' },
    ])
    expect((await none.json()).errors[0].field).toBe('limit')
    expect((await madeUp.json()).errors).toEqual([
      {
        field: 'cursor',
        rule: "is not a cursor this API gave out (pass back a page's `cursor` as it is)",
      },
    ])
  })

  it('refuses a query parameter given twice, on /agents and on the admin API alike, where the last was read silently', async () => {
    // Act
    const listing = await list('?limit=1&limit=2')
    const admin = await stack.token('admin-client')
    const adminRead = (path: string) =>
      fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${admin}` } })
    const agents = await adminRead('/admin/agents?limit=1&limit=3&limit=4')
    const audit = await adminRead('/admin/audit?agentId=weather&agentId=calculator')

    // Assess
    expect([listing.status, agents.status, audit.status]).toEqual([400, 400, 400])
    expect((await listing.json()).errors).toEqual([
      { field: 'limit', rule: 'is given 2 times in the query; give it once' },
    ])
    expect((await agents.json()).errors).toEqual([
      { field: 'limit', rule: 'is given 3 times in the query; give it once' },
    ])
    expect((await audit.json()).errors).toEqual([
      { field: 'agentId', rule: 'is given 2 times in the query; give it once' },
    ])
  })

  it('reads only the records of the agents the caller holds, never the whole table', async () => {
    // Prepare
    const reads = () => {
      const requests = stack.databaseRequests()
      return ['Scan', 'Query', 'GetItem', 'BatchGetItem'].map((name) => requests[name] ?? 0)
    }
    const readsOf = async (grants: Record<string, '*'>) => {
      const before = reads()
      const response = await listDirectly(grants)
      return { response, reads: reads().map((count, i) => count - (before[i] ?? 0)) }
    }

    // Act
    const nothing = await readsOf({})
    const weather = await readsOf({ weather: '*' })

    // Assess: [Scan, Query, GetItem, BatchGetItem]. Besides the agents' records, a call reads its
    // caller's token revocation (one GetItem, cached REGISTRY_CACHE_TTL_MS, 750 ms): due again
    // when a loaded machine took longer than that since the caller's last call.
    expect(JSON.parse(nothing.response.body)).toEqual({ agents: [] })
    expect(nothing.reads).toEqual([0, 0, expect.any(Number), 0])
    expect(nothing.reads[2]).toBeLessThanOrEqual(1)
    expect(
      JSON.parse(weather.response.body).agents.map((agent: { agentId: string }) => agent.agentId),
    ).toEqual(['weather'])
    expect(weather.reads[0]).toBe(0)
    // Its record (cached likewise) and the revocation: at most one each.
    expect(weather.reads[2]).toBeLessThanOrEqual(2)
  })

  it("lists for a caller whose authorizer answer an earlier release cached (before 4 December 2026: no exp, no authorizedAt), as during a deploy's minutes", async () => {
    // Prepare: the context as the authorizer wrote it before b58ad2e, cached up to its TTL.
    const { handler } = await import('../../handlers/discovery.ts')
    const event = sampleEvent('discovery-list-agents.json', (listing) => {
      listing.requestContext.requestId = crypto.randomUUID()
      listing.requestContext.authorizer = {
        principalId: 'earlier-release-caller',
        integrationLatency: 0,
        principal: 'earlier-release-caller',
        clientId: 'earlier-release-caller',
        scopes: 'echo:invoke',
        grants: JSON.stringify({ 'echo-a': '*', 'echo-b': '*' }),
        limits: JSON.stringify({ 'echo-a': 60, 'echo-b': 60 }),
        admin: 'false',
      }
    })

    // Act
    const response = (await invoke(handler, event)) as { statusCode: number; body: string }

    // Assess: served as that release served it, not 403 "must come through the gateway".
    expect(response.statusCode).toBe(200)
    const page = JSON.parse(response.body) as AgentsPage
    expect(page.agents.map((agent) => agent.agentId).sort()).toEqual(['echo-a', 'echo-b'])
  })

  it("lists for a caller whose authorizer answer a later release cached, naming an operation this one does not know (a rollback's minutes)", async () => {
    // Prepare
    const { handler } = await import('../../handlers/discovery.ts')
    const event = sampleEvent('discovery-list-agents.json', (listing) => {
      listing.requestContext.requestId = crypto.randomUUID()
      listing.requestContext.authorizer = {
        ...listing.requestContext.authorizer,
        principal: 'later-release-caller',
        grants: JSON.stringify({ 'echo-a': ['GetTask', 'PauseTask'], 'echo-b': '*' }),
        limits: JSON.stringify({ 'echo-a': 60, 'echo-b': 60 }),
      }
    })

    // Act
    const response = (await invoke(handler, event)) as { statusCode: number; body: string }

    // Assess
    expect(response.statusCode).toBe(200)
    const page = JSON.parse(response.body) as AgentsPage
    expect(page.agents.map((agent) => agent.agentId).sort()).toEqual(['echo-a', 'echo-b'])
  })

  it('leaves out an agent deactivated a second before the listing began', async () => {
    // Prepare
    const admin = await stack.token('admin-client')
    const patch = (status: string) =>
      fetch(`${stack.url}/admin/agents/echo-b`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status }),
      })
    const idsNow = async () =>
      ((await (await list()).json()) as AgentsPage).agents.map((agent) => agent.agentId)
    expect(await idsNow()).toContain('echo-b')

    // Act
    expect((await patch('inactive')).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const whileInactive = await idsNow()
    expect((await patch('active')).status).toBe(200)

    // Assess
    expect(whileInactive).not.toContain('echo-b')
    expect(whileInactive).toContain('echo-a')
  })

  it('is rate-limited per caller as /search is: past the minute’s limit, a 429 saying when to retry', async () => {
    // Prepare: RATE_LIMIT_PER_MINUTE is 60 by default; weather-client lists nowhere else here.
    await inOneMinute() // up to 15.5 s: hence this test's 40 s
    const weatherOnly = await stack.token('weather-client')
    const statuses: number[] = []
    let first: Response | undefined
    let refused: Response | undefined

    // Act
    for (let i = 0; i < 61; i++) {
      const response = await list('', weatherOnly)
      statuses.push(response.status)
      first ??= response
      if (response.status === 429) refused = response
      else await response.arrayBuffer()
    }

    // Assess
    expect(first?.headers.get('ratelimit-policy')).toBe('"per-caller-list";q=60;w=60')
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(58)
    expect(statuses.at(-1)).toBe(429)
    if (!refused) throw new Error('no listing was refused')
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect((await refused.json()).detail).toMatch(
      /^Rate limit of 60 agent listings per minute reached; retry in \d+ s\.$/,
    )
  }, 40_000)

  it('keeps each answer within Lambda’s 6 MB however large the cards, every agent reachable by its cursor', async () => {
    // Prepare: 30 agents whose cards are each near the 256 KiB a fetched card may be, written
    // straight to the table (registration would embed each), quotes included: in the function's
    // response the body is a JSON string, each quote escaped.
    const registry = new DynamoAgentRegistry(
      createDocumentClient({
        region: 'us-east-1',
        dynamoDbEndpoint: process.env.DYNAMODB_ENDPOINT,
      }),
      tableName('agents', process.env.TABLE_PREFIX as string),
    )
    const weather = await registry.get('weather')
    if (!weather) throw new Error('no weather record')
    const ids = Array.from({ length: 30 }, (_, i) => `large-${String(i).padStart(2, '0')}`)
    for (const agentId of ids) {
      await registry.create({
        ...weather,
        agentId,
        card: { ...weather.card, description: 'a "large" card '.repeat(16_000) },
      })
    }
    const grants = Object.fromEntries(ids.map((id) => [id, '*' as const]))

    // Act
    const sizes: number[] = []
    const listed: string[] = []
    let cursor: string | undefined
    do {
      const response = await listDirectly(grants, { limit: '50', ...(cursor ? { cursor } : {}) })
      expect(response.statusCode).toBe(200)
      sizes.push(Buffer.byteLength(JSON.stringify(response)))
      const page = JSON.parse(response.body) as AgentsPage
      listed.push(...page.agents.map((agent) => agent.agentId))
      cursor = page.cursor
    } while (cursor !== undefined && sizes.length < 10)

    // Assess
    for (const size of sizes) expect(size).toBeLessThan(lambdaResponseLimit)
    expect(sizes.length).toBeGreaterThan(1)
    expect(listed).toEqual(ids)
  })

  it('answers GET /admin/agents in pages too, each within Lambda’s 6 MB, every record reachable once by its cursor', async () => {
    // Prepare: the 30 large records above are in the table too.
    const admin = await stack.token('admin-client')
    const adminList = (query: string) =>
      fetch(`${stack.url}/admin/agents${query}`, { headers: { authorization: `Bearer ${admin}` } })

    // Act
    const listed: string[] = []
    const sizes: number[] = []
    let cursor: string | undefined
    do {
      const response = await adminList(cursor ? `?cursor=${encodeURIComponent(cursor)}` : '')
      expect(response.status).toBe(200)
      const body = await response.text()
      // In the function's response the body is a JSON string, each quote escaped.
      sizes.push(Buffer.byteLength(JSON.stringify(body)))
      const page = JSON.parse(body) as { agents: { agentId: string }[]; cursor?: string }
      listed.push(...page.agents.map((agent) => agent.agentId))
      cursor = page.cursor
    } while (cursor !== undefined && sizes.length < 20)
    const badLimit = await adminList('?limit=0')

    // Assess
    for (const size of sizes) expect(size).toBeLessThan(lambdaResponseLimit)
    expect(sizes.length).toBeGreaterThan(1)
    expect([...listed].sort()).toEqual(
      [
        'calculator',
        'echo-a',
        'echo-b',
        'echo-c',
        'weather',
        ...Array.from({ length: 30 }, (_, i) => `large-${String(i).padStart(2, '0')}`),
      ].sort(),
    )
    expect(badLimit.status).toBe(400)
    expect((await badLimit.json()).errors).toEqual([
      { field: 'limit', rule: 'must be a whole number from 1 to 100, in digits only' },
    ])
  })
})
