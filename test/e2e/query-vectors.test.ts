import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HashingEmbedder } from '../../lib/discovery/hashing-embedder.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startBedrockRuntime } from '../support/bedrock-runtime.ts'

describe('a query asked again, through the local gateway embedding with Bedrock', () => {
  let bedrock: Awaited<ReturnType<typeof startBedrockRuntime>>
  let stack: RunningStack
  let demo: string

  beforeAll(async () => {
    // The handlers embed with Bedrock (the real SDK), at a stand-in that says what it embedded.
    bedrock = await startBedrockRuntime(new HashingEmbedder(1024))
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = bedrock.url
    stack = await startThrowawayStack({ embedder: 'bedrock' })
    demo = await stack.token('demo-client')
  })
  afterAll(async () => {
    await stack?.stop()
    await bedrock?.stop()
    delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME
  })

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
  const search = async (query: string) => {
    const response = await post('/search', { query })
    return { status: response.status, body: await response.json() }
  }
  const timesEmbedded = (text: string) => bedrock.embedded().filter((t) => t === text).length

  it('embeds a search asked again once, and answers it as before', async () => {
    // Prepare
    const query = 'how warm is Lisbon in May'
    const first = await search(query)

    // Act
    const again = await search(query)

    // Assess
    expect(first.status).toBe(200)
    expect(again).toEqual(first)
    expect(timesEmbedded(query)).toBe(1)
  })

  it('routes a message sent again without embedding its words again', async () => {
    // Prepare: /route is the agents function's, /search the discovery function's (on AWS two
    // functions, each keeping its own), so the message is routed twice
    const text = 'what is the weather like in Nairobi in July'
    const route = () =>
      post('/route/message:send', {
        message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
      })
    const first = await route()

    // Act
    const again = await route()

    // Assess
    expect(first.headers.get('x-switchboard-agent')).toBe('weather')
    expect(again.headers.get('x-switchboard-agent')).toBe('weather')
    expect(timesEmbedded(text)).toBe(1)
  })

  it('embeds a query whose embedding failed when it is asked again', async () => {
    // Prepare
    const query = 'does it rain much in Bergen in October'
    bedrock.setDown(true)
    const failed = await search(query)
    bedrock.setDown(false)

    // Act
    const again = await search(query)

    // Assess
    expect(failed.status).toBe(503)
    expect(again.status).toBe(200)
    expect(again.body.results[0].agentId).toBe('weather')
    expect(timesEmbedded(query)).toBe(1)
  })
})
