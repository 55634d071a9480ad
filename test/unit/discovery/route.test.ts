import { describe, expect, it } from 'vitest'
import { chooseAgent, messageText } from '../../../lib/discovery/route.ts'
import type { VectorIndex } from '../../../lib/discovery/vector-index.ts'

const embedder = { name: 'fixed', dimension: 1, embed: async () => [1] }
const isActive = async () => true
const indexAnswering = (scores: Record<string, number>, seen: string[][] = []): VectorIndex => ({
  put: async () => undefined,
  delete: async () => undefined,
  keys: async () => Object.keys(scores),
  vectors: async () => [],
  query: async (_vector, { agentIds, topK }) => {
    seen.push([...agentIds])
    return Object.entries(scores)
      .filter(([key]) => agentIds.includes(key))
      .map(([key, score]) => ({ key, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK)
  },
})

/**
 * `/route`'s choice among agents at these scores, all granted, those in `stale` deactivated though
 * the index still holds their vectors; the agents each query asks for go to `asked`.
 */
const chooseAmongStale = (
  scores: Record<string, number>,
  stale: readonly string[],
  asked: string[][],
  onStaleVectors?: (agentIds: string[]) => void,
) =>
  chooseAgent(
    'rain in Oslo?',
    {
      grants: Object.fromEntries(Object.keys(scores).map((agentId) => [agentId, '*' as const])),
      operation: 'SendMessage',
    },
    {
      embedder,
      index: indexAnswering(scores, asked),
      threshold: { minScore: 0.2, minMargin: 0.05 },
      isActive: async (agentId) => !stale.includes(agentId),
      ...(onStaleVectors ? { onStaleVectors } : {}),
    },
  )

describe('choosing an agent for a message', () => {
  it('picks the closest agent when it clears the threshold', async () => {
    // Act
    const choice = await chooseAgent(
      'rain in Oslo?',
      { grants: { weather: '*', calculator: '*' }, operation: 'SendMessage' },
      {
        embedder,
        index: indexAnswering({ weather: 0.6, calculator: 0.1 }),
        threshold: { minScore: 0.2, minMargin: 0 },
        isActive,
      },
    )

    // Assess
    expect(choice.chosen).toEqual({ key: 'weather', score: 0.6 })
  })

  it('chooses nothing below the threshold and reports the candidates', async () => {
    // Act
    const choice = await chooseAgent(
      'hmm',
      { grants: { weather: '*' }, operation: 'SendMessage' },
      {
        embedder,
        index: indexAnswering({ weather: 0.1 }),
        threshold: { minScore: 0.2, minMargin: 0 },
        isActive,
      },
    )

    // Assess
    expect(choice).toEqual({
      chosen: undefined,
      candidates: [{ key: 'weather', score: 0.1 }],
      threshold: { minScore: 0.2, minMargin: 0 },
    })
  })

  it('chooses nothing when the best agent does not lead the next by the margin', async () => {
    // Prepare
    const deps = { embedder, isActive, threshold: { minScore: 0.2, minMargin: 0.05 } }
    const caller = { grants: { weather: '*', calculator: '*' }, operation: 'SendMessage' } as const

    // Act
    const close = await chooseAgent('hmm', caller, {
      ...deps,
      index: indexAnswering({ weather: 0.5, calculator: 0.47 }),
    })
    const clear = await chooseAgent('hmm', caller, {
      ...deps,
      index: indexAnswering({ weather: 0.5, calculator: 0.44 }),
    })

    // Assess
    expect(close.chosen).toBeUndefined()
    expect(close.candidates.map(({ key }) => key)).toEqual(['weather', 'calculator'])
    expect(clear.chosen).toEqual({ key: 'weather', score: 0.5 })
  })

  it('holds a lone candidate to the score alone: it has no rival to lead', async () => {
    // Act
    const choice = await chooseAgent(
      'rain in Oslo?',
      { grants: { weather: '*' }, operation: 'SendMessage' },
      {
        embedder,
        isActive,
        index: indexAnswering({ weather: 0.21 }),
        threshold: { minScore: 0.2, minMargin: 0.5 },
      },
    )

    // Assess
    expect(choice.chosen).toEqual({ key: 'weather', score: 0.21 })
  })

  it('only considers agents the caller may send this operation to', async () => {
    // Prepare
    const seen: string[][] = []

    // Act
    await chooseAgent(
      'stream me something',
      { grants: { weather: ['SendMessage'], calculator: '*' }, operation: 'SendStreamingMessage' },
      {
        embedder,
        index: indexAnswering({ weather: 0.9, calculator: 0.3 }, seen),
        threshold: { minScore: 0.2, minMargin: 0 },
        isActive,
      },
    )

    // Assess
    expect(seen).toEqual([['calculator']])
  })

  it('passes over an agent the registry no longer serves, though the index still holds it', async () => {
    // Act: the index failed to drop weather's vector when weather was deactivated.
    const choice = await chooseAgent(
      'rain in Oslo?',
      { grants: { weather: '*', calculator: '*', translator: '*' }, operation: 'SendMessage' },
      {
        embedder,
        index: indexAnswering({ weather: 0.9, translator: 0.5, calculator: 0.3 }),
        threshold: { minScore: 0.2, minMargin: 0 },
        isActive: async (agentId) => agentId !== 'weather',
      },
    )

    // Assess
    expect(choice).toEqual({
      chosen: { key: 'translator', score: 0.5 },
      candidates: [
        { key: 'translator', score: 0.5 },
        { key: 'calculator', score: 0.3 },
      ],
    })
  })

  it('finds the real rival behind stale vectors that fill the index’s answer, so the lead is measured against it', async () => {
    // Prepare: five agents deactivated whose vectors the index failed to drop, all closer than
    // the two active ones, which are a near tie.
    const stale = ['s1', 's2', 's3', 's4', 's5']
    const scores = { s1: 0.9, s2: 0.89, s3: 0.88, s4: 0.87, s5: 0.86, best: 0.5, rival: 0.49 }
    const asked: string[][] = []
    const told: string[][] = []

    // Act
    const choice = await chooseAmongStale(scores, stale, asked, (agentIds) => told.push(agentIds))

    // Assess: a lead of 0.01, not a lone candidate's; asked again without the stale five, which
    // the operator is told of (a reindex drops them).
    expect(told).toEqual([stale])
    expect(choice).toEqual({
      chosen: undefined,
      candidates: [
        { key: 'best', score: 0.5 },
        { key: 'rival', score: 0.49 },
      ],
      threshold: { minScore: 0.2, minMargin: 0.05 },
    })
    expect(asked).toEqual([Object.keys(scores), ['best', 'rival']])
  })

  it('asks the index at most three times, and routes nothing when stale vectors still hide whether the best has a rival', async () => {
    // Prepare: twenty stale agents above the one active agent, six in each answer
    const stale = Array.from({ length: 20 }, (_, i) => `s${i}`)
    const scores = {
      ...Object.fromEntries(stale.map((agentId, i) => [agentId, 0.9 - i / 100])),
      best: 0.5,
    }
    const asked: string[][] = []

    // Act
    const choice = await chooseAmongStale(scores, stale, asked)

    // Assess: after three answers of stale agents alone, no choice rather than a lone one
    expect(asked).toHaveLength(3)
    expect(choice.chosen).toBeUndefined()
  })

  it('embeds a long message by its first 2,000 characters, never half a character', async () => {
    // Prepare: a message of half a megabyte, a two-unit character where the cut falls.
    const embedded: string[] = []
    const recording = {
      ...embedder,
      embed: async (text: string) => {
        embedded.push(text)
        return [1]
      },
    }
    const grants = { weather: '*' } as const
    const deps = {
      embedder: recording,
      index: indexAnswering({ weather: 0.6 }),
      threshold: { minScore: 0.2, minMargin: 0 },
      isActive,
    }

    // Act
    const long = await chooseAgent(
      `rain in Oslo? ${'more words '.repeat(50_000)}`,
      { grants, operation: 'SendMessage' },
      deps,
    )
    await chooseAgent(`${'a'.repeat(1999)}😀 and more`, { grants, operation: 'SendMessage' }, deps)

    // Assess
    expect(long.chosen?.key).toBe('weather')
    expect(embedded.map((text) => text.length)).toEqual([2000, 1999])
    expect(embedded[0]?.startsWith('rain in Oslo? more words')).toBe(true)
  })

  it('reads the text parts of an A2A message', () => {
    // Assess
    expect(
      messageText({ message: { parts: [{ text: 'hello' }, { data: {} }, { text: 'world' }] } }),
    ).toEqual({ text: 'hello world' })
  })

  it('says what is wrong with params that hold no text to route by', () => {
    // Assess
    expect(messageText(undefined)).toEqual({
      invalid: 'params.message: Invalid input: expected object, received undefined',
    })
    expect(messageText({ message: { parts: 'hi' } })).toEqual({
      invalid: 'params.message.parts: Invalid input: expected array, received string',
    })
    expect(messageText({ message: { parts: [{ data: {} }, { text: ' ' }] } })).toEqual({
      invalid: 'The message has no text part; the router chooses an agent by its text.',
    })
  })
})
