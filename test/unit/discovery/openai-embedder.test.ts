import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { EmbedderUnavailableError, embedQuery } from '../../../lib/discovery/embedder.ts'
import { HashingEmbedder } from '../../../lib/discovery/hashing-embedder.ts'
import { OpenAiEmbedder } from '../../../lib/discovery/openai-embedder.ts'
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
    { failure: 'a 404', mode: { status: 404 }, says: 'the embedding server answered HTTP 404' },
    {
      failure: 'no answer in time',
      mode: 'hang' as const,
      says: 'the embedding server did not answer within 300 ms',
    },
    {
      failure: 'an answer that is not embeddings',
      mode: 'malformed' as const,
      says: `the embedding server's answer is malformed: no "data" list`,
    },
    {
      failure: 'vectors of another size',
      mode: { dimension: 32 },
      says: 'the embedding model returned 32-dimension vectors, not the configured 64 (set EMBEDDING_DIMENSION=32)',
    },
  ])(
    'refuses $failure with a reason a caller can read, as a 503 search-unavailable',
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
      expect((asked as Error).message).toContain(`(the embedder failed: ${says})`)
    },
  )

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
