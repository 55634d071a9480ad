import { describe, expect, it } from 'vitest'
import { indexAgent } from '../../../lib/discovery/agent-index.ts'
import { agentText } from '../../../lib/discovery/agent-text.ts'
import {
  type CalibrationAgent,
  calibrateFromCatalog,
  leaveOneOutSamples,
} from '../../../lib/discovery/calibrate.ts'
import { type Embedder, EmbedderInputTooLongError } from '../../../lib/discovery/embedder.ts'
import { LocalVectorIndex } from '../../../lib/discovery/local-vector-index.ts'
import { calibrateRouting, routeThresholdReader } from '../../../lib/discovery/route-settings.ts'
import { chooseThreshold, routeRates } from '../../../lib/discovery/route-threshold.ts'
import { TooFewExamplesError } from '../../../lib/errors.ts'

/**
 * Counts the words rain, sum and tax, one axis each (every other word is
 * ignored), so each cosine below can be worked out by hand. Records each text.
 */
const countingEmbedder = (): Embedder & { texts: string[] } => {
  const texts: string[] = []
  return {
    name: 'counting',
    dimension: 3,
    texts,
    embed: async (text) => {
      texts.push(text)
      const words = text.toLowerCase().split(/\W+/)
      return ['rain', 'sum', 'tax'].map((axis) => words.filter((word) => word === axis).length)
    },
  }
}

const agent = (agentId: string, description: string, examples: string[]): CalibrationAgent => ({
  agentId,
  card: {
    name: agentId,
    description,
    skills: [{ id: 'main', name: 'Main', description: 'Does it', tags: [], examples }],
  },
})

/**
 * Full vectors (rain, sum, tax): weather (3, 0, 1), calculator (0, 2, 1). Leave one out:
 * - weather "rain" (1,0,0) vs weather without it (2,0,1): 2/√5 ≈ 0.894; calculator 0. Right.
 * - weather "rain tax" (1,0,1) vs weather without it (2,0,0): 1/√2 ≈ 0.707; calculator 1/√10 ≈ 0.316. Right.
 * - calculator "sum" (0,1,0) vs calculator without it (0,1,1): 1/√2 ≈ 0.707; weather 0. Right.
 * - calculator "tax" (0,0,1) vs calculator without it (0,2,0): 0; weather 1/√10 ≈ 0.316. Wrong.
 */
const catalog = [
  agent('weather', 'rain', ['rain', 'rain tax']),
  agent('calculator', 'sum', ['sum', 'tax']),
]
const [r2, r5, r10] = [Math.SQRT2, Math.sqrt(5), Math.sqrt(10)]

describe('calibrating /route from the catalog’s own examples', () => {
  it('scores each example alone against the agents, its own agent built without it', async () => {
    // Prepare
    const embedder = countingEmbedder()

    // Act
    const { samples, examples, embeddingCalls } = await leaveOneOutSamples(catalog, embedder, {
      maxEmbeddings: 100,
      minExamples: 4,
    })

    // Assess
    expect(examples).toBe(4)
    expect(embeddingCalls).toBe(10) // 2 agents + 2 per example
    expect(embedder.texts).toHaveLength(10)
    const byScore = samples.map(({ score, margin, right }) => ({ score, margin, right }))
    expect(byScore).toHaveLength(4)
    const expected = [
      { score: 2 / r5, margin: 2 / r5, right: true },
      { score: 1 / r2, margin: 1 / r2, right: true },
      { score: 1 / r2, margin: 1 / r2 - 1 / (r2 * r5), right: true },
      { score: 1 / r10, margin: 1 / r10, right: false },
    ]
    for (const sample of expected) {
      expect(
        byScore.some(
          (one) =>
            Math.abs(one.score - sample.score) < 1e-9 &&
            Math.abs(one.margin - sample.margin) < 1e-9 &&
            one.right === sample.right,
        ),
      ).toBe(true)
    }
  })

  it('chooses the score halfway below the last right route that keeps wrong routes within 10 %', async () => {
    // Act
    const calibration = await calibrateFromCatalog(catalog, countingEmbedder(), {
      maxEmbeddings: 100,
      minExamples: 4,
      minMargin: 0,
    })

    // Assess: 0.894 and both 0.707 route, right; the wrong 0.316 would be 25 %.
    expect(calibration.threshold.minScore).toBeCloseTo((1 / r2 + 1 / r10) / 2, 9)
    expect(calibration.threshold.minMargin).toBe(0)
    expect(calibration.rates).toEqual({ right: 0.75, wrong: 0, refused: 0.25 })
    expect(calibration).toMatchObject({
      precision: 1,
      coverage: 0.75,
      examples: 4,
      agents: 2,
      embeddingCalls: 10,
      embedder: 'counting',
    })
  })

  it('names the agents whose examples score another agent first, or who score first on others’ examples, so an operator sees which card pulls routing', async () => {
    // Prepare: a third card, garden (2, 1, 1), whose examples are the others' words (its agent
    // writes its card). Leave one out, by hand:
    // - garden "rain" (1,0,0): garden without it (1,1,1) 0.577, weather 0.949: weather.
    // - garden "tax rain" (1,0,1): garden without it (1,1,0) 0.5, weather 0.894: weather.
    // - garden "sum" (0,1,0): garden without it (2,0,1) 0, calculator 0.894: calculator.
    // - weather "rain tax" (1,0,1): weather without it (2,0,0) 0.707, garden 0.866: garden.
    // - calculator "tax" (0,0,1): calculator without it (0,2,0) 0, weather 0.316, garden 0.408: garden.
    // - weather "rain" and calculator "sum" stay their own (0.894 and 0.707 against 0.816 and 0.408).
    const garden = agent('garden', 'chairs', ['rain', 'tax rain', 'sum'])

    // Act
    const calibration = await calibrateFromCatalog([...catalog, garden], countingEmbedder(), {
      maxEmbeddings: 100,
      minExamples: 4,
      minMargin: 0,
    })

    // Assess: most crossings first
    expect(calibration.crossedExamples).toEqual([
      { agentId: 'garden', examples: 3, lostToOthers: 3, takenFromOthers: 2 },
      { agentId: 'weather', examples: 2, lostToOthers: 1, takenFromOthers: 2 },
      { agentId: 'calculator', examples: 2, lostToOthers: 1, takenFromOthers: 1 },
    ])
    expect(calibration.crossedAgents).toBe(3)
  })

  it('names no agent when every example scores its own agent first', async () => {
    // Act: the two-agent catalog with calculator's "tax" (scored weather's) left out
    const calibration = await calibrateFromCatalog(
      [catalog[0] as CalibrationAgent, agent('calculator', 'sum', ['sum'])],
      countingEmbedder(),
      { maxEmbeddings: 100, minExamples: 3, minMargin: 0 },
    )

    // Assess
    expect(calibration.crossedExamples).toEqual([])
    expect(calibration.crossedAgents).toBe(0)
  })

  it('says how many agents crossed when it names only the first 10', async () => {
    // Prepare: twelve cards whose examples are the others' words. Each copy's "rain" (1,0,0)
    // scores weather (3,0,1) 0.949 above any copy (1,1,0) 0.707, its "sum" (0,1,0) calculator
    // (0,2,1) 0.894: all twelve lose both, weather and calculator take them (and cross as above).
    const copies = Array.from({ length: 12 }, (_, i) =>
      agent(`copy-${String(i).padStart(2, '0')}`, 'chairs', ['rain', 'sum']),
    )

    // Act
    const calibration = await calibrateFromCatalog([...catalog, ...copies], countingEmbedder(), {
      maxEmbeddings: 100,
      minMargin: 0,
    })

    // Assess: 14 crossed, 10 named, the ones that crossed most first (13 each, then by agentId).
    expect(calibration.crossedAgents).toBe(14)
    expect(calibration.crossedExamples).toHaveLength(10)
    expect(calibration.crossedExamples.slice(0, 2).map(({ agentId }) => agentId)).toEqual([
      'calculator',
      'weather',
    ])
  })

  it('keeps within the embedding budget by taking examples from each agent in turn', async () => {
    // Prepare
    const embedder = countingEmbedder()

    // Act: 8 calls = 2 agent vectors + 3 examples × 2.
    const { examples, embeddingCalls } = await leaveOneOutSamples(catalog, embedder, {
      maxEmbeddings: 8,
      minExamples: 3,
    })

    // Assess: weather's first, the calculator's first, then weather's second.
    expect([examples, embeddingCalls]).toEqual([3, 8])
    expect(embedder.texts.filter((text) => !text.includes('\n'))).toEqual([
      'rain',
      'sum',
      'rain tax',
    ])
  })

  it('counts a repeated example once and leaves out every copy of it, so a card cannot buy wrong routes by repeating one', async () => {
    // Prepare: the calculator's card (an agent writes its own) says "sum" ten times, in two
    // skills. Scored against a card still holding the other copies, each copy was a sure right
    // route (0.995), and nine of them let the calculator's "tax", which goes to the weather
    // agent (0.891), through within 10 % (1 of 14): the threshold fell to 0.40.
    const catalog = [
      agent('weather', 'rain', ['rain', 'rain tax', 'rain sum sum']),
      {
        agentId: 'calculator',
        card: {
          name: 'calculator',
          description: 'sum',
          skills: [
            { id: 'main', name: 'Main', description: 'Does it', examples: ['sum', 'tax'] },
            {
              id: 'more',
              name: 'More',
              description: 'Also',
              examples: [...Array(8).fill('sum'), ' Sum '],
            },
          ],
        },
      },
    ]
    const options = { maxEmbeddings: 100, minExamples: 4 }

    // Act
    const { samples } = await leaveOneOutSamples(catalog, countingEmbedder(), options)
    const calibration = await calibrateFromCatalog(catalog, countingEmbedder(), {
      ...options,
      minMargin: 0,
    })

    // Assess: five distinct examples, "sum" scored against the card without any copy of it.
    expect(samples).toHaveLength(5)
    expect(Math.max(...samples.map(({ score }) => score))).toBeLessThan(0.9)
    expect(calibration.examples).toBe(5)
    expect(calibration.rates.wrong).toBe(0)
  })

  it('scores each agent by the best of its card and its routing examples, as /route does', async () => {
    // Prepare: the calculator's operator gave it the phrase "rain rain rain", embedded as the
    // index embeds it ("rain rain rain\ncalculator\nsum", (3, 1, 0)). /route scores weather's
    // "rain" (1, 0, 0) 3/√10 ≈ 0.949 on that phrase, above weather's own 2/√5 ≈ 0.894: a wrong
    // route, which a calibration of the cards alone counted right.
    const withPhrase = [
      catalog[0] as CalibrationAgent,
      { ...(catalog[1] as CalibrationAgent), routingExamples: ['rain rain rain'] },
    ]
    const embedder = countingEmbedder()

    // Act
    const { samples, embeddingCalls } = await leaveOneOutSamples(withPhrase, embedder, {
      maxEmbeddings: 100,
      minExamples: 4,
    })

    // Assess: one more call, for the phrase; "rain" now routes wrong, at the phrase's score.
    expect(embeddingCalls).toBe(11)
    expect(embedder.texts).toContain('rain rain rain\ncalculator\nsum')
    const rain = samples.find(({ score }) => Math.abs(score - 3 / r10) < 1e-9)
    expect(rain).toMatchObject({ right: false, margin: expect.closeTo(3 / r10 - 2 / r5, 9) })
  })

  it('leaves out an operator’s phrase that is the example itself, as it leaves out the example', async () => {
    // Prepare: the weather operator's phrase "rain tax" is the card's example word for word.
    const withPhrase = [
      { ...(catalog[0] as CalibrationAgent), routingExamples: ['Rain  tax'] },
      catalog[1] as CalibrationAgent,
    ]

    // Act
    const { samples } = await leaveOneOutSamples(withPhrase, countingEmbedder(), {
      maxEmbeddings: 100,
      minExamples: 4,
    })

    // Assess: "rain tax" (1, 0, 1) scores 1/√2 against weather without it, as with no phrase,
    // not its phrase's ("rain tax\nweather\nrain", (2, 0, 1): 3/√10 ≈ 0.949).
    expect(samples.some(({ score }) => Math.abs(score - 3 / r10) < 1e-9)).toBe(false)
  })

  it('embeds each agent whole, as the index does, however long its card', async () => {
    // Prepare: a card whose text is longer than a query may be.
    const long = 'Gives a detailed multi-day rain forecast for any city on earth. '.repeat(60)
    const examples = (word: string) => Array.from({ length: 5 }, (_, i) => `${word} ${i}?`)
    const agents = [
      agent('weather', long, examples('rain in city')),
      agent('calculator', 'Adds numbers', examples('sum of')),
    ]
    const embedder = countingEmbedder()

    // Act
    await leaveOneOutSamples(agents, embedder, { maxEmbeddings: 100 })

    // Assess
    const weatherText = embedder.texts.find((text) => text.includes('multi-day'))
    expect(long.length).toBeGreaterThan(2_000)
    expect(weatherText).toContain(long.trim())
  })

  it('leaves out an agent whose card the model refuses as too long, as the index does, and calibrates on the rest', async () => {
    // Prepare: a model that takes at most 2,000 characters, as some embedding servers' do.
    const examples = (word: string) => Array.from({ length: 5 }, (_, i) => `${word} ${i}?`)
    const agents = [
      agent('weather', 'Rain forecasts', examples('rain in city')),
      agent('calculator', 'Adds numbers', examples('sum of')),
      agent('essay', 'An agent that writes at length. '.repeat(100), examples('tax essay')),
    ]
    const counting = countingEmbedder()
    const embedder: Embedder = {
      ...counting,
      embed: async (text) => {
        if (text.length > 2_000) throw new EmbedderInputTooLongError('input is too long')
        return counting.embed(text)
      },
    }

    // Act
    const {
      samples,
      examples: used,
      agents: among,
    } = await leaveOneOutSamples(agents, embedder, {
      maxEmbeddings: 100,
    })

    // Assess
    expect(used).toBe(10)
    expect(among).toBe(2)
    expect(samples).toHaveLength(10)
  })

  it('refuses, before embedding anything, a catalog with too few examples or a budget too small', async () => {
    // Prepare
    const embedder = countingEmbedder()

    // Act
    const tooFew = leaveOneOutSamples(catalog, embedder, { maxEmbeddings: 100, minExamples: 5 })
    const tooSmall = leaveOneOutSamples(catalog, embedder, { maxEmbeddings: 7, minExamples: 3 })
    const oneAgent = leaveOneOutSamples(catalog.slice(0, 1), embedder, {
      maxEmbeddings: 100,
      minExamples: 1,
    })

    // Assess
    await Promise.all([
      expect(tooFew).rejects.toThrow(
        new TooFewExamplesError(
          "Calibration needs at least 5 skill examples in the active agents' cards; they have 4.",
        ),
      ),
      expect(tooSmall).rejects.toThrow(/7 embedding calls .* leave room for 2 among 2 agents/),
      expect(oneAgent).rejects.toThrow(/at least 2 active agents/),
    ])
    expect(embedder.texts).toEqual([])
  })
  it('says, when routing examples take the budget, how many they take and the budget that would do', async () => {
    // Prepare: 100 agents with 50 phrases each, as many as an agent may have, and 5 card examples.
    const examples = (word: string) => Array.from({ length: 5 }, (_, i) => `${word} ${i}?`)
    const agents = Array.from({ length: 100 }, (_, i) => ({
      ...agent(`agent-${i}`, 'Does things', examples(`sum ${i}`)),
      routingExamples: Array.from({ length: 50 }, (_, j) => `phrase ${j} of ${i}`),
    }))
    const embedder = countingEmbedder()

    // Act
    const calibrating = leaveOneOutSamples(agents, embedder, { maxEmbeddings: 500 })

    // Assess: the 5,000 phrases alone pass the 500; raising it by a little would not do.
    await expect(calibrating).rejects.toThrow(
      new TooFewExamplesError(
        'Calibration needs at least 10 skill examples; 500 embedding calls (CALIBRATION_MAX_EMBEDDINGS) leave room for 0 among 100 agents, after the 5,100 of their 5,100 card and routing-example vectors not read from the search index (two calls per skill example, one per vector not read from the index): it needs at least 5,120.',
      ),
    )
    expect(embedder.texts).toEqual([])
  })
})

/** An in-memory index holding each agent's vectors as indexAgent puts them (its card's, its phrases'). */
const indexOf = async (agents: readonly CalibrationAgent[], embedder: Embedder) => {
  const index = new LocalVectorIndex()
  for (const one of agents) {
    await indexAgent({ ...one, status: 'active' } as never, { embedder, index })
  }
  return index
}

describe('calibrating on the vectors the index holds', () => {
  it('reads the agents’ vectors from the index rather than embedding them again, and scores as before', async () => {
    // Prepare: the sample catalog, indexed as registration indexes it.
    const index = await indexOf(catalog, countingEmbedder())
    const embedder = countingEmbedder()
    const options = { maxEmbeddings: 100, minExamples: 4 }

    // Act
    const fromIndex = await leaveOneOutSamples(catalog, embedder, { ...options, index })
    const embeddedAll = await leaveOneOutSamples(catalog, countingEmbedder(), options)

    // Assess: 8 calls (two per example), not 10 (and the two agents' cards); the same scores.
    expect(embeddedAll.embeddingCalls).toBe(10)
    expect(fromIndex.embeddingCalls).toBe(8)
    expect(embedder.texts).toHaveLength(8)
    expect(embedder.texts).not.toContain(agentText((catalog[0] as CalibrationAgent).card))
    expect(fromIndex.agentVectors).toEqual({ fromIndex: 2, embedded: 0, notIndexed: 0, missing: 0 })
    expect(fromIndex.samples).toEqual(embeddedAll.samples)
  })

  it('calibrates a catalog of 100 agents with 50 routing examples each within 500 calls, which had needed 5,120', async () => {
    // Prepare: as in the budget's refusal above, but indexed.
    const examples = (word: string) => Array.from({ length: 5 }, (_, i) => `${word} ${i}?`)
    const agents = Array.from({ length: 100 }, (_, i) => ({
      ...agent(`agent-${i}`, i % 2 === 0 ? 'Adds sums' : 'Rain reports', examples(`sum ${i}`)),
      routingExamples: Array.from({ length: 50 }, (_, j) => `phrase ${j} of ${i}`),
    }))
    const index = await indexOf(agents, countingEmbedder())
    const embedder = countingEmbedder()

    // Act
    const calibration = await calibrateFromCatalog(agents, embedder, {
      maxEmbeddings: 500,
      minMargin: 0,
      index,
    })

    // Assess: no phrase embedded; the budget goes to 250 examples, two calls each.
    expect(calibration.agentVectors).toEqual({
      fromIndex: 5_100,
      embedded: 0,
      notIndexed: 0,
      missing: 0,
    })
    expect(calibration.embeddingCalls).toBe(500)
    expect(calibration.examples).toBe(250)
    expect(embedder.texts.some((text) => text.startsWith('phrase '))).toBe(false)
  })

  it('embeds what the index lacks, or holds for an older card, and says how many', async () => {
    // Prepare: weather is indexed; calculator's vectors are missing. A third agent, tax, was
    // indexed with an older card ("sum sum") and its record says the new one is not indexed yet.
    const tax = agent('tax', 'tax', ['tax rain', 'tax sum'])
    const index = await indexOf(
      [catalog[0] as CalibrationAgent, agent('tax', 'sum sum', ['sum'])],
      countingEmbedder(),
    )
    const agents = [...catalog, { ...tax, indexed: false }]
    const embedder = countingEmbedder()
    const options = { maxEmbeddings: 100, minExamples: 6 }

    // Act
    const read = await leaveOneOutSamples(agents, embedder, { ...options, index })
    const embeddedAll = await leaveOneOutSamples(agents, countingEmbedder(), options)

    // Assess: calculator's card and tax's current one embedded, weather's read; the scores are
    // those of the cards as they are, not of tax's older one. Told apart: tax's is expected (its
    // record says it is not indexed yet), calculator's a fault of the index (`npm run reindex`).
    expect(read.agentVectors).toEqual({ fromIndex: 1, embedded: 2, notIndexed: 1, missing: 1 })
    expect(read.embeddingCalls).toBe(2 + 2 * 6)
    expect(embedder.texts).toContain(agentText(tax.card))
    expect(read.samples).toEqual(embeddedAll.samples)
  })

  it('embeds a vector the index holds at another dimension (an embedder since replaced)', async () => {
    // Prepare: the index holds two-element vectors; the embedder makes three.
    const index = new LocalVectorIndex()
    await index.put(
      ['weather', 'calculator'].map((agentId) => ({
        key: agentId,
        vector: [1, 0],
        metadata: { agentId, status: 'active' as const },
      })),
    )

    // Act
    const { agentVectors, embeddingCalls } = await leaveOneOutSamples(catalog, countingEmbedder(), {
      maxEmbeddings: 100,
      minExamples: 4,
      index,
    })

    // Assess: missing, as the index holds none that /route can score until a reindex
    expect(agentVectors).toEqual({ fromIndex: 0, embedded: 2, notIndexed: 0, missing: 2 })
    expect(embeddingCalls).toBe(10)
  })
})

describe('choosing a threshold from labelled scores', () => {
  const samples = [
    { score: 0.9, margin: 0.4, right: true },
    { score: 0.6, margin: 0.01, right: false },
    { score: 0.5, margin: 0.2, right: true },
    { score: 0.4, margin: 0.3, right: true },
    { score: 0.2, margin: 0.1, right: false },
  ]

  it('routes the most right within the wrong share it may route', () => {
    // Act
    const strict = chooseThreshold(samples, { maxWrong: 0.1 })
    const lenient = chooseThreshold(samples, { maxWrong: 0.2 })

    // Assess: 0.6 is wrong, so 10 % allows only the 0.9 (cut halfway to 0.6); 20 % allows 0.4 too.
    expect(strict.threshold).toEqual({ minScore: 0.75, minMargin: 0 })
    expect(strict.rates).toEqual({ right: 0.2, wrong: 0, refused: 0.8 })
    expect(lenient.threshold.minScore).toBeCloseTo(0.3, 9)
    expect(lenient.rates).toEqual({ right: 0.6, wrong: 0.2, refused: 0.2 })
  })

  it('uses a margin when one lets more through right without the wrong ones', () => {
    // Act
    const withMargin = chooseThreshold(samples, { maxWrong: 0.1, margins: [0, 0.05] })

    // Assess: a 0.05 lead turns away the wrong 0.6 (it led by 0.01).
    expect(withMargin.threshold.minMargin).toBe(0.05)
    expect(withMargin.threshold.minScore).toBeCloseTo(0.3, 9)
    expect(withMargin.rates).toEqual({ right: 0.6, wrong: 0, refused: 0.4 })
  })

  it('routes nothing when even the best score is wrong', () => {
    // Act
    const chosen = chooseThreshold([{ score: 0.8, margin: 0.5, right: false }])

    // Assess
    expect(chosen.threshold).toEqual({ minScore: 1, minMargin: 0 })
    expect(routeRates([{ score: 0.8, margin: 0.5, right: false }], chosen.threshold)).toEqual({
      right: 0,
      wrong: 0,
      refused: 1,
    })
  })
})

describe('the stored calibration', () => {
  const stored = {
    threshold: { minScore: 0.4, minMargin: 0.05 },
    rates: { right: 0.9, wrong: 0.05, refused: 0.05 },
    precision: 0.95,
    coverage: 0.95,
    examples: 20,
    agents: 4,
    embeddingCalls: 44,
    embedder: 'local',
    dimension: 1024,
    calibratedAt: '2026-12-04T21:00:00.000Z',
    crossedExamples: [],
  }
  const fallback = { minScore: 0.15, minMargin: 0.05 }

  it('is what /route uses, unless it was made with another embedder or dimension', async () => {
    // Prepare
    const store = { get: async () => stored }
    const reader = (embedder: string, dimension: number) =>
      routeThresholdReader(store, { fallback, embedder, dimension, ttlMs: 0 })

    // Act
    const same = await reader('local', 1024)()
    const otherEmbedder = await reader('bedrock:amazon.titan-embed-text-v2:0', 1024)()
    const otherDimension = await reader('local', 256)()

    // Assess
    expect(same).toEqual({ minScore: 0.4, minMargin: 0.05 })
    expect(otherEmbedder).toEqual(fallback)
    expect(otherDimension).toEqual(fallback)
  })

  it('falls back to the configured threshold when it cannot be read, rather than failing the message', async () => {
    // Prepare
    const warnings: string[] = []
    const reader = routeThresholdReader(
      {
        get: async () => {
          throw new Error('throttled')
        },
      },
      { fallback, embedder: 'local', dimension: 1024, ttlMs: 0, warn: (m) => warnings.push(m) },
    )

    // Act
    const threshold = await reader()

    // Assess
    expect(threshold).toEqual(fallback)
    expect(warnings).toHaveLength(1)
  })

  it('is stored only when calibration succeeds', async () => {
    // Prepare
    const puts: unknown[] = []
    const store = {
      put: async (value: unknown) => {
        puts.push(value)
        return undefined
      },
    }
    const registry = { list: async () => catalog.map((one) => ({ ...one, status: 'active' })) }
    const deps = {
      registry: registry as never,
      embedder: countingEmbedder(),
      index: new LocalVectorIndex(),
      store,
      maxEmbeddings: 100,
      minMargin: 0,
      now: () => new Date('2026-12-04T21:00:00Z'),
    }

    // Act: the sample catalog has 4 examples, fewer than the 10 a calibration needs.
    const refused = calibrateRouting(deps)

    // Assess
    await expect(refused).rejects.toBeInstanceOf(TooFewExamplesError)
    expect(puts).toEqual([])
  })
})
