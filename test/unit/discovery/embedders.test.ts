import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime'
import { describe, expect, it, vi } from 'vitest'
import type { GatewayConfig } from '../../../lib/config.ts'
import { embedderFor } from '../../../lib/discovery/adapters.ts'
import { BedrockEmbedder } from '../../../lib/discovery/bedrock-embedder.ts'
import {
  cosine,
  type Embedder,
  embedQuery,
  embedTexts,
  queryVectorsKept,
} from '../../../lib/discovery/embedder.ts'
import { HashingEmbedder } from '../../../lib/discovery/hashing-embedder.ts'

describe('Bedrock Titan embedder (contract)', () => {
  it('asks Titan V2 for a normalised vector of the configured size and reads the embedding back', async () => {
    // Prepare
    const embedding = Array.from({ length: 256 }, (_, i) => i / 256)
    const send = vi.fn(async () => ({
      body: new TextEncoder().encode(JSON.stringify({ embedding, inputTextTokenCount: 5 })),
    }))
    const embedder = new BedrockEmbedder({ send } as never, 256)

    // Act
    const vector = await embedder.embed('my card got charged twice')

    // Assess
    expect(vector).toEqual(embedding)
    const [command] = send.mock.calls[0] as unknown as [InvokeModelCommand]
    expect(command).toBeInstanceOf(InvokeModelCommand)
    expect(command.input).toMatchObject({
      modelId: 'amazon.titan-embed-text-v2:0',
      contentType: 'application/json',
      accept: 'application/json',
    })
    expect(JSON.parse(command.input.body as string)).toEqual({
      inputText: 'my card got charged twice',
      dimensions: 256,
      normalize: true,
    })
  })

  it('sends Titan at most its 50,000 characters: a longer text is embedded by its beginning, never split mid-character', async () => {
    // Prepare
    const embedding = Array.from({ length: 256 }, () => 1 / 16)
    const send = vi.fn(async () => ({
      body: new TextEncoder().encode(JSON.stringify({ embedding, inputTextTokenCount: 8000 })),
    }))
    const embedder = new BedrockEmbedder({ send } as never, 256)
    // A card may be 256 KiB and a routed message longer still; Titan V2 refuses
    // more than 50,000 characters. The emoji straddles the limit.
    const long = `${'weather '.repeat(6_249)}xxxxxxx😀${'tail '.repeat(10_000)}`

    // Act
    await embedder.embed('short text')
    await embedder.embed(long)

    // Assess
    const sent = send.mock.calls.map(
      (call) =>
        JSON.parse((call as unknown as [InvokeModelCommand])[0].input.body as string).inputText,
    )
    expect(sent[0]).toBe('short text')
    // Compared by length and prefix, so a failure does not print 100,000 characters.
    expect(sent[1].length).toBe(49_999)
    expect(long.startsWith(sent[1])).toBe(true)
  })

  it('refuses an answer of the wrong size, and a size Titan does not offer', async () => {
    // Prepare
    const send = vi.fn(async () => ({ body: new TextEncoder().encode('{"embedding":[1,2]}') }))

    // Assess
    await expect(new BedrockEmbedder({ send } as never, 512).embed('x')).rejects.toThrow(
      /512-dimension/,
    )
    expect(() => new BedrockEmbedder({ send } as never, 300 as never)).toThrow(/256, 512, 1024/)
  })
})

describe('hashing embedder (the baseline)', () => {
  it('is deterministic and finds texts that share words', async () => {
    // Prepare
    const embedder = new HashingEmbedder(512)

    // Act
    const [refund, refundAgain, weather] = await Promise.all([
      embedder.embed('issue a refund for this payment'),
      embedder.embed('issue a refund for this payment'),
      embedder.embed('forecast for Berlin tomorrow'),
    ])
    const query = await embedder.embed('refund the payment')

    // Assess
    expect(refundAgain).toEqual(refund)
    expect(cosine(query, refund)).toBeGreaterThan(cosine(query, weather))
  })
})

describe('the configured embedder (embedderFor), its code loaded with its first embedding', () => {
  const discovery = (embedder: 'hashing' | 'openai', model = '') =>
    ({
      embedder,
      dimension: 64,
      server: { url: 'http://127.0.0.1:9', model, batchSize: 16, timeoutMs: 1_000 },
    }) as GatewayConfig['discovery']

  it('is named as the embedder it loads, so a calibration stored under its name is found', async () => {
    // Prepare
    const { OpenAiEmbedder } = await import('../../../lib/discovery/openai-embedder.ts')

    // Act
    const hashing = embedderFor({ region: 'us-east-1', discovery: discovery('hashing') })
    const openai = embedderFor({ region: 'us-east-1', discovery: discovery('openai', 'nomic') })

    // Assess
    expect(hashing.name).toBe(new HashingEmbedder(64).name)
    expect(openai.name).toBe(
      new OpenAiEmbedder({ ...discovery('openai', 'nomic').server, dimension: 64 }).name,
    )
    expect([hashing.dimension, openai.dimension]).toEqual([64, 64])
  })

  it('embeds one text and many as the embedder it loads does', async () => {
    // Prepare
    const lazy = embedderFor({ region: 'us-east-1', discovery: discovery('hashing') })
    const direct = new HashingEmbedder(64)

    // Act
    const one = await lazy.embed('umbrella today?')
    const many = await embedTexts(lazy, ['umbrella today?', 'split the bill'])

    // Assess
    expect(one).toEqual(await direct.embed('umbrella today?'))
    expect(many).toEqual([
      await direct.embed('umbrella today?'),
      await direct.embed('split the bill'),
    ])
  })

  it('answers a failed first load as search unavailable, keeping for the log what failed and telling the caller none of it', async () => {
    // Prepare: the first embedding's import fails, as a chunk missing from a zip would.
    const missing = Object.assign(new Error("Cannot find module '/var/task/chunks/bedrock.mjs'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    const failing = { ...new HashingEmbedder(64), embed: () => Promise.reject(missing) }

    // Act
    const refused = (await embedQuery(failing, 'umbrella today?').catch((error) => error)) as Error

    // Assess
    expect(refused.name).toBe('SearchUnavailableError')
    expect(refused.message).not.toContain('/var/task')
    expect(refused.cause).toBe(missing)
  })
})

describe('the query vectors a function keeps (embedQuery)', () => {
  /** A hashing embedder that says which texts it was asked to embed. */
  const countingEmbedder = () => {
    const model = new HashingEmbedder(64)
    const asked: string[] = []
    const embedder: Embedder = {
      name: 'counting',
      dimension: model.dimension,
      embed: (text) => {
        asked.push(text)
        return model.embed(text)
      },
    }
    return { embedder, asked }
  }

  it('embeds a query once however often it is asked, and its vector cannot be changed by a caller', async () => {
    // Prepare
    const { embedder, asked } = countingEmbedder()

    // Act
    const [first, again] = await Promise.all([
      embedQuery(embedder, 'rain in Oslo'),
      embedQuery(embedder, 'rain in Oslo'),
    ])
    const later = await embedQuery(embedder, 'rain in Oslo')

    // Assess
    expect(asked).toEqual(['rain in Oslo'])
    expect(again).toBe(first)
    expect(later).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
  })

  it(`keeps the ${queryVectorsKept} last asked, the one asked longest ago embedded again`, async () => {
    // Prepare: the first query asked again halfway, so the second is the one asked longest ago
    const { embedder, asked } = countingEmbedder()
    await embedQuery(embedder, 'query 0')
    await embedQuery(embedder, 'query 1')
    await embedQuery(embedder, 'query 0')
    for (let i = 2; i <= queryVectorsKept; i++) await embedQuery(embedder, `query ${i}`)
    asked.length = 0

    // Act
    await embedQuery(embedder, 'query 0')
    await embedQuery(embedder, 'query 1')

    // Assess
    expect(asked).toEqual(['query 1'])
  })

  it("keeps each embedder's vectors apart", async () => {
    // Prepare
    const one = countingEmbedder()
    const other = countingEmbedder()
    await embedQuery(one.embedder, 'rain in Oslo')

    // Act
    await embedQuery(other.embedder, 'rain in Oslo')

    // Assess
    expect(other.asked).toEqual(['rain in Oslo'])
  })
})
