import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HashingEmbedder } from '../../lib/discovery/hashing-embedder.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { adminCaller } from '../support/admin-api.ts'
import { startBedrockRuntime } from '../support/bedrock-runtime.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { grantToDemoClient } from '../support/stack-setup.ts'

const root = join(import.meta.dirname, '../..')
const run = promisify(execFile)

describe('indexing while the embedder is down, through the local gateway', () => {
  let bedrock: Awaited<ReturnType<typeof startBedrockRuntime>>
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let admin: string
  let demo: string

  beforeAll(async () => {
    // The handlers embed with Bedrock (the real SDK), at an endpoint this test can take down.
    bedrock = await startBedrockRuntime(new HashingEmbedder(1024))
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = bedrock.url
    stack = await startThrowawayStack({ embedder: 'bedrock' })
    backend = await startCardServer()
    backend.serve(validCard(backend.url))
    admin = await stack.token('admin-client')
    demo = await stack.token('demo-client')
    await grantToDemoClient(['echo', 'parrot'])
  })
  afterAll(async () => {
    await backend?.stop()
    await stack?.stop()
    await bedrock?.stop()
  })

  const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
  const register = (agentId: string) =>
    adminCall('POST', '/admin/register', {
      agentId,
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
    })
  const recordOf = async (agentId: string) =>
    (await adminCall('GET', `/admin/agents/${agentId}`)).json()
  const searchIds = async (query: string) => {
    const response = await fetch(`${stack.url}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, topK: 20 }),
    })
    expect(response.status).toBe(200)
    return ((await response.json()).results as { agentId: string }[]).map((r) => r.agentId)
  }
  /** `npm run reindex` against this stack: the handlers' configuration, from the environment. */
  const reindex = () => run(process.execPath, ['local/reindex.ts'], { cwd: root, env: process.env })

  it('registers an agent while embedding fails, marked not indexed and left out of /search', async () => {
    // Prepare
    bedrock.setDown(true)

    // Act
    const registered = await register('echo')
    const answer = await registered.json()
    bedrock.setDown(false)

    // Assess
    expect(bedrock.refused()).toBeGreaterThan(0)
    expect(registered.status).toBe(201)
    expect(answer).toMatchObject({ agentId: 'echo', status: 'active', indexed: false })
    expect(await recordOf('echo')).toMatchObject({ agentId: 'echo', indexed: false })
    const found = await searchIds('repeats what it is told')
    expect(found).toContain('weather')
    expect(found).not.toContain('echo')
  })

  it('is indexed by npm run reindex once the embedder answers again, and /search finds it', async () => {
    // Prepare
    bedrock.setDown(true)
    expect((await register('parrot')).status).toBe(201)
    bedrock.setDown(false)
    expect(await searchIds('repeats what it is told')).not.toContain('parrot')

    // Act
    const { stdout } = await reindex()

    // Assess
    expect(stdout).toMatch(/^indexed parrot$/m)
    expect(await recordOf('parrot')).toMatchObject({ agentId: 'parrot', indexed: true })
    expect(await searchIds('repeats what it is told')).toContain('parrot')
  })

  it('leaves an agent deactivated while embedding fails out of the very next /search', async () => {
    // Prepare
    expect(await searchIds('what is the weather in Oslo')).toContain('weather')
    bedrock.setDown(true)

    // Act
    const deactivated = await adminCall('PATCH', '/admin/agents/weather', { status: 'inactive' })
    bedrock.setDown(false)
    const found = await searchIds('what is the weather in Oslo')

    // Assess
    expect(deactivated.status).toBe(200)
    expect(found).not.toContain('weather')
  })

  it('answers 503 saying what failed when a search or a route cannot be embedded', async () => {
    // Prepare
    bedrock.setDown(true)
    const post = (path: string, body: unknown) =>
      fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${demo}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
        },
        body: JSON.stringify(body),
      })

    // Act: words not asked before (a query's vector, once made, is kept and asked of no
    // embedder again)
    const search = await post('/search', { query: 'echoes back whatever it hears' })
    const route = await post('/route/message:send', {
      message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'say it back to me' }] },
    })
    bedrock.setDown(false)

    // Assess
    expect(search.status).toBe(503)
    expect(search.headers.get('content-type')).toMatch(/application\/problem\+json/)
    expect((await search.json()).detail).toMatch(/unavailable for now \(the embedder failed/)
    // Counted before it failed, and saying so, as every counted answer does
    expect(search.headers.get('ratelimit-policy')).toMatch(/^"per-caller-search";q=/)
    expect(route.headers.get('ratelimit-policy')).toMatch(/^"per-caller-route";q=/)
    expect(route.status).toBe(503)
    expect(JSON.stringify(await route.json())).toMatch(/unavailable for now/)
  })
})
