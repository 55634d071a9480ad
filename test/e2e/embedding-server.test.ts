import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HashingEmbedder } from '../../lib/discovery/hashing-embedder.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { postA2A } from '../support/a2a-client.ts'
import { startEmbeddingServer } from '../support/embedding-server.ts'

describe('an OpenAI-compatible embedding server behind the local gateway', () => {
  let server: Awaited<ReturnType<typeof startEmbeddingServer>>
  let stack: RunningStack
  let demo: string

  beforeAll(async () => {
    // The handlers embed through the stand-in, as they would through Ollama or vLLM.
    server = await startEmbeddingServer(new HashingEmbedder(256))
    Object.assign(process.env, {
      EMBEDDING_URL: server.url,
      EMBEDDING_MODEL: 'stand-in',
      EMBEDDING_DIMENSION: '256',
      // The stand-in's vectors score on no scale a threshold was set for: /route takes its best.
      ROUTE_MIN_SCORE: '-1',
      ROUTE_MIN_MARGIN: '0',
    })
    stack = await startThrowawayStack({ embedder: 'openai' })
    demo = await stack.token('demo-client')
  })
  afterAll(async () => {
    await stack?.stop()
    await server?.stop()
  })

  const search = (query: string) =>
    fetch(`${stack.url}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    })
  const route = (text: string) =>
    postA2A(`${stack.url}/route/message:send`, demo, {
      message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
    })

  it('finds agents by the vectors the server returns', async () => {
    // Prepare
    server.setMode('embed')

    // Act
    const response = await search('what is the weather in Berlin')

    // Assess
    expect(response.status).toBe(200)
    expect((await response.json()).results[0].agentId).toBe('weather')
    expect(server.requests.at(-1)?.body).toEqual({
      model: 'stand-in',
      input: ['what is the weather in Berlin'],
      encoding_format: 'float',
    })
  })

  it.each([
    {
      failure: 'a 5xx',
      mode: { status: 503 },
      says: '(the embedder failed: the embedding server answered HTTP 503); retry shortly.',
    },
    {
      failure: 'vectors of another size',
      mode: { dimension: 128 },
      says: "the gateway's embedder is not set up right (the embedding model returned 128-dimension vectors, not the configured 256 (set EMBEDDING_DIMENSION=128)). A retry will fail",
    },
    {
      failure: 'an answer that is not embeddings',
      mode: 'malformed' as const,
      says: "(the embedder failed: the embedding server's answer is not JSON); retry shortly.",
    },
  ])(
    'answers search and /route with 503 saying what failed when the server sends $failure',
    async ({ failure, mode, says }) => {
      // Prepare: words not asked before (a query's vector, once made, is kept and asked of no
      // embedder again)
      server.setMode(mode)
      const words = `what is the weather in Berlin, asked as the server sends ${failure}`

      // Act
      const searched = await search(words)
      const routed = await route(words)
      server.setMode('embed')

      // Assess
      expect(searched.status).toBe(503)
      expect(searched.headers.get('content-type')).toBe('application/problem+json')
      expect((await searched.json()).detail).toContain(says)
      expect(routed.status).toBe(503)
      expect(JSON.stringify(await routed.json())).toContain(says)
    },
  )

  it('routes a message longer than the model takes by its first 2,000 characters', async () => {
    // Prepare: the model takes 4,000 characters here; the message is some 12,000.
    server.setMode({ maxInputCharacters: 4000 })
    const text = 'what is the weather in Berlin '.repeat(400)

    // Act
    const routed = await route(text)
    server.setMode('embed')

    // Assess
    expect(routed.status).toBe(200)
    expect(routed.headers.get('x-switchboard-agent')).toBe('weather')
    expect(server.requests.at(-1)?.body.input).toEqual([text.slice(0, 2000)])
  })

  it('answers a text the model refuses as too long with what to do, not as unavailable', async () => {
    // Prepare: a model that takes 20 characters; the query and the message are longer (and not
    // asked before: a query's vector, once made, is kept).
    server.setMode({ maxInputCharacters: 20 })

    // Act
    const searched = await search('what is the weather in Hamburg')
    const routed = await route('what is the weather in Hamburg')
    server.setMode('embed')

    // Assess
    expect(searched.status).toBe(422)
    expect(await searched.json()).toMatchObject({
      title: 'Text too long to embed',
      detail:
        'The embedding model cannot take this text: the embedding server refused the text as longer than its model takes (HTTP 400). Send a shorter one.',
    })
    expect(routed.status).toBe(400)
    expect((await routed.json()).error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringContaining('The embedding model cannot take this text'),
    })
  })
})
