import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  EmbedderInputTooLongError,
  EmbedderUnavailableError,
  embedQuery,
} from '../../../lib/discovery/embedder.ts'
import { HashingEmbedder } from '../../../lib/discovery/hashing-embedder.ts'
import { OpenAiEmbedder } from '../../../lib/discovery/openai-embedder.ts'
import { errorAnswers } from '../../../lib/errors.ts'
import { startEmbeddingServer } from '../../support/embedding-server.ts'

describe('OpenAI-compatible embedder against a stand-in server', () => {
  const model = new HashingEmbedder(64)
  let server: Awaited<ReturnType<typeof startEmbeddingServer>>
  const embedderFor = (options: Partial<ConstructorParameters<typeof OpenAiEmbedder>[0]> = {}) =>
    new OpenAiEmbedder({
      url: `${server.url}/`,
      model: 'nomic-embed-text',
      dimension: 64,
      batchSize: 2,
      timeoutMs: 2_000,
      ...options,
    })

  beforeAll(async () => {
    server = await startEmbeddingServer(model)
  })
  afterAll(() => server.stop())
  beforeEach(() => {
    server.requests.length = 0
    server.setMode('embed')
  })

  it('posts the model, an input list and encoding_format float, with the key as a bearer token', async () => {
    // Act
    const vector = await embedderFor({ apiKey: 'sk-local' }).embed('umbrella today?')

    // Assess
    expect(server.requests).toEqual([
      {
        body: { model: 'nomic-embed-text', input: ['umbrella today?'], encoding_format: 'float' },
        authorization: 'Bearer sk-local',
      },
    ])
    expect(vector).toEqual(await model.embed('umbrella today?'))
  })

  it('sends at most the batch size of inputs a request and returns the vectors in input order', async () => {
    // Prepare
    const texts = ['one', 'two', 'three', 'four', 'five']

    // Act
    const vectors = await embedderFor().embedMany(texts)

    // Assess
    expect(server.requests.map(({ body }) => body.input)).toEqual([
      ['one', 'two'],
      ['three', 'four'],
      ['five'],
    ])
    expect(vectors).toEqual(await Promise.all(texts.map((text) => model.embed(text))))
    expect(server.requests[0]?.authorization).toBeUndefined()
  })

  it.each([
    { failure: 'a 5xx', mode: { status: 500 }, says: 'the embedding server answered HTTP 500' },
    {
      failure: 'no answer in time',
      mode: 'hang' as const,
      says: 'the embedding server did not answer within 300 ms',
    },
    {
      failure: "a page that is no JSON (a proxy's, mid-deploy)",
      mode: 'malformed' as const,
      says: "the embedding server's answer is not JSON",
    },
  ])(
    'refuses $failure with a reason a caller can read, as a 503 search-unavailable to retry',
    async ({ mode, says }) => {
      // Prepare
      server.setMode(mode)
      const embedder = embedderFor({ timeoutMs: 300 })

      // Act
      const direct = await embedder.embed('umbrella today?').catch((error: unknown) => error)
      const asked = await embedQuery(embedder, 'umbrella today?').catch((error: unknown) => error)

      // Assess
      expect(direct).toBeInstanceOf(EmbedderUnavailableError)
      expect((direct as EmbedderUnavailableError).reason).toBe(says)
      expect(asked).toMatchObject({ code: 'search-unavailable' })
      expect((asked as Error).message).toBe(
        `Finding agents by meaning is unavailable for now (the embedder failed: ${says}); retry shortly.`,
      )
    },
  )

  it.each([
    { failure: 'an unknown model (404)', mode: { status: 404 }, says: 'HTTP 404' },
    { failure: 'a refused key (401)', mode: { status: 401 }, says: 'HTTP 401' },
    {
      failure: 'JSON that holds no embeddings',
      mode: { status: 200, body: '{"object":"list"}' },
      says: `the embedding server's answer is malformed: no "data" list`,
    },
    {
      failure: 'vectors of another size',
      mode: { dimension: 32 },
      says: 'the embedding model returned 32-dimension vectors, not the configured 64 (set EMBEDDING_DIMENSION=32)',
    },
  ])(
    'says $failure is the embedder set up wrong, which no retry mends: a 503 naming the operator',
    async ({ mode, says }) => {
      // Prepare
      server.setMode(mode)

      // Act
      const asked = await embedQuery(embedderFor(), 'umbrella today?').catch(
        (error: unknown) => error,
      )

      // Assess
      expect(asked).toMatchObject({ code: 'search-unavailable' })
      const message = (asked as Error).message
      expect(message).toMatch(/^Finding agents by meaning is unavailable: the gateway's embedder/)
      expect(message).toContain(says)
      expect(message).toContain("until the gateway's operator mends it")
      expect(message).not.toContain('retry shortly')
    },
  )

  it('tells a body that stalls past the timeout to retry, not that the embedder is set up wrong', async () => {
    // Prepare: the headers at once, then a body that never comes; aborted, it breaks off.
    const stalling: typeof fetch = async (_url, init) =>
      new Response(
        new ReadableStream({
          start: (controller) => {
            init?.signal?.addEventListener('abort', () =>
              controller.error(new DOMException('The operation timed out.', 'TimeoutError')),
            )
          },
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      )

    // Act
    const asked = await embedQuery(
      embedderFor({ fetch: stalling, timeoutMs: 100 }),
      'umbrella today?',
    ).catch((error: unknown) => error)

    // Assess
    expect((asked as Error).message).toBe(
      'Finding agents by meaning is unavailable for now (the embedder failed: the embedding server did not answer within 100 ms); retry shortly.',
    )
  })

  it.each([
    ['AccessDeniedException', true],
    ['ValidationException', true],
    ['ThrottlingException', false],
    ['ServiceUnavailableException', false],
  ])('tells Bedrock’s %s apart: set up wrong %s', async (name, lasting) => {
    // Prepare: the SDK's error, by its name alone (its message is never passed on)
    const failing = {
      name: 'bedrock',
      dimension: 64,
      embed: async () => {
        throw Object.assign(new Error('details a caller must not read'), { name })
      },
    }

    // Act
    const asked = await embedQuery(failing, 'umbrella today?').catch((error: unknown) => error)

    // Assess
    const message = (asked as Error).message
    expect(message).toContain(name)
    expect(message).not.toContain('details a caller must not read')
    expect(message.includes('retry shortly')).toBe(!lasting)
  })

  it.each([
    {
      server: 'vLLM',
      status: 400,
      body: `{"object":"error","message":"This model's maximum context length is 512 tokens. However, you requested 734 tokens in the input for embedding generation. Please reduce the length of the input.","type":"BadRequestError","code":400}`,
    },
    {
      server: 'OpenAI',
      status: 400,
      body: `{"error":{"message":"This model's maximum context length is 8192 tokens, however you requested 8610 tokens (8610 in your prompt; 0 for the completion). Please reduce your prompt; or completion length.","type":"invalid_request_error","param":null,"code":null}}`,
    },
    {
      server: 'Ollama',
      status: 400,
      body: '{"error":"the input length exceeds the context length"}',
    },
    {
      server: 'text-embeddings-inference',
      status: 413,
      body: '{"error":"Input validation error: `inputs` must have less than 512 tokens. Given: 734","error_type":"Validation"}',
    },
    {
      server: "llama.cpp's",
      status: 500,
      body: '{"error":{"code":500,"message":"input is too large to process. increase the physical batch size","type":"server_error"}}',
    },
  ])(
    'tells a text $server refuses as too long (HTTP $status) from an unavailable server: a 422, no retry invited',
    async ({ status, body }) => {
      // Prepare
      server.setMode({ status, body })
      const embedder = embedderFor()

      // Act
      const direct = await embedder.embed('umbrella today?').catch((error: unknown) => error)
      const asked = await embedQuery(embedder, 'umbrella today?').catch((error: unknown) => error)

      // Assess
      expect(direct).toBeInstanceOf(EmbedderInputTooLongError)
      expect((direct as EmbedderInputTooLongError).reason).toBe(
        `the embedding server refused the text as longer than its model takes (HTTP ${status})`,
      )
      expect(asked).toMatchObject({ code: 'text-too-long' })
      expect(errorAnswers['text-too-long']).toMatchObject({ status: 422 })
      expect((asked as Error).message).toBe(
        `The embedding model cannot take this text: the embedding server refused the text as longer than its model takes (HTTP ${status}). Send a shorter one.`,
      )
    },
  )

  it('still calls a 400 that says nothing of length the server failing, a 503', async () => {
    // Prepare: a server that does not know encoding_format refuses every request alike.
    server.setMode({ status: 400, body: '{"error":"unknown field: encoding_format"}' })

    // Act
    const asked = await embedQuery(embedderFor(), 'umbrella today?').catch(
      (error: unknown) => error,
    )

    // Assess
    expect(asked).toMatchObject({ code: 'search-unavailable' })
    expect((asked as Error).message).toContain('the embedding server answered HTTP 400')
  })

  it('says the server could not be reached when nothing listens', async () => {
    // Prepare
    const gone = await startEmbeddingServer(model)
    await gone.stop()
    const embedder = embedderFor({ url: gone.url })

    // Act
    const error = await embedder.embed('umbrella today?').catch((failure: unknown) => failure)

    // Assess
    expect((error as EmbedderUnavailableError).reason).toBe(
      'the embedding server could not be reached (ECONNREFUSED)',
    )
  })
})
