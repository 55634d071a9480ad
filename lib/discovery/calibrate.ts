import type { AgentCardJson } from '../a2a/agent-card.ts'
import { TextTooLongError, TooFewExamplesError } from '../errors.ts'
import { mapConcurrently } from '../map-concurrently.ts'
import { withThousands } from '../thousands.ts'
import { agentText, routingExampleText } from './agent-text.ts'
import { cosine, type Embedder, embedForCaller, embedQuery } from './embedder.ts'
import {
  chooseThreshold,
  type RouteRates,
  type RouteSample,
  type RouteThreshold,
} from './route-threshold.ts'
import { type VectorIndex, vectorKeysOf } from './vector-index.ts'

/** An agent as calibration sees it: its id, the card fields its text is made of, its phrases. */
export interface CalibrationAgent {
  agentId: string
  card: Pick<AgentCardJson, 'name' | 'description' | 'skills'>
  /** The operator's routing examples: each is one more vector of the agent in the index. */
  routingExamples?: readonly string[]
  /**
   * False from a change until the index has taken it (AgentRecord.indexed): the index may then
   * hold an older card's vectors, or none, so its vectors are embedded rather than read.
   */
  indexed?: boolean
}

/** Embedding calls a calibration keeps in flight at once. */
const embeddingConcurrency = 8

/** Fewer labelled examples than this say too little to choose a threshold by. */
export const minCalibrationExamples = 10

/** The outcome of a calibration, stored with the threshold it chose. */
export interface Calibration {
  threshold: RouteThreshold
  /** The threshold's effect on the examples: routed right, routed wrong, refused. */
  rates: RouteRates
  /** Of the examples it routes, the share it routes right. */
  precision: number
  /** The share of the examples it routes at all. */
  coverage: number
  examples: number
  agents: number
  embeddingCalls: number
  /**
   * The agents' vectors (each card's and each routing example's) read from the index, as `/route`
   * scores them, and those embedded because the index lacked them, told apart: of an agent whose
   * record says it is not indexed (expected), or missing or of another dimension though its record
   * says indexed (a fault a reindex mends). Absent from a calibration stored before 7 December
   * 2026, which embedded every one; the two counts, from one stored before the 29th session.
   */
  agentVectors?: AgentVectors
  embedder: string
  /**
   * The agents whose examples score another agent first, or that score first on another's, most
   * crossings first (at most `maxCrossedAgents`): where an agent's card, which its agent writes,
   * pulls routing, or its examples are another agent's words. Empty when every example scores
   * its own agent first.
   */
  crossedExamples: CrossedExamples[]
  /**
   * How many agents crossed in all: more than `crossedExamples` names when it is cut at
   * `maxCrossedAgents`. Absent from a calibration stored before 7 December 2026.
   */
  crossedAgents?: number
}

/** Where calibration found the agents' vectors (see `Calibration.agentVectors`). */
export interface AgentVectors {
  fromIndex: number
  embedded: number
  /**
   * Of `embedded`: the vectors of agents whose records say they are not indexed, their vectors
   * being replaced (a sync or an edit under way, or one that failed and is retried): expected.
   * Absent from a calibration stored before the 29th session, as `missing` is.
   */
  notIndexed?: number
  /**
   * Of `embedded`: the vectors the index lacked, or held at another dimension, though their
   * agents' records say indexed: `/route` cannot score them, a fault `npm run reindex` mends.
   */
  missing?: number
}

/** How one agent's examples and the others' cross it (see `Calibration.crossedExamples`). */
export interface CrossedExamples {
  agentId: string
  /** Its examples calibrated on. */
  examples: number
  /** Of them, those that scored another agent first. */
  lostToOthers: number
  /** Other agents' examples that scored it first. */
  takenFromOthers: number
}

/** The most agents `crossedExamples` names: enough to find a card that pulls routing. */
export const maxCrossedAgents = 10

/**
 * Which agent each example belongs to and which scored first on it, tallied per agent: the
 * agents that crossed, most first, at most `maxCrossedAgents`, and how many crossed in all.
 */
const crossingsOf = (
  scored: readonly { agentId: string; first: string }[],
): { crossedExamples: CrossedExamples[]; crossedAgents: number } => {
  const byAgent = new Map<string, CrossedExamples>()
  const of = (agentId: string) => {
    let tally = byAgent.get(agentId)
    if (!tally) {
      tally = { agentId, examples: 0, lostToOthers: 0, takenFromOthers: 0 }
      byAgent.set(agentId, tally)
    }
    return tally
  }
  for (const { agentId, first } of scored) {
    of(agentId).examples++
    if (first === agentId) continue
    of(agentId).lostToOthers++
    of(first).takenFromOthers++
  }
  const crossed = (tally: CrossedExamples) => tally.lostToOthers + tally.takenFromOthers
  const all = [...byAgent.values()]
    .filter((tally) => crossed(tally) > 0)
    .sort((a, b) => crossed(b) - crossed(a) || (a.agentId < b.agentId ? -1 : 1))
  // The count says what the cut leaves out: 10 named could otherwise be 10 of 10 or of 200.
  return { crossedExamples: all.slice(0, maxCrossedAgents), crossedAgents: all.length }
}

const count = withThousands

/**
 * How many embedding calls a calibration may make, how few examples it refuses, and where it
 * reads the agents' vectors.
 */
export interface CalibrationBudget {
  maxEmbeddings: number
  /** minCalibrationExamples unless said otherwise. */
  minExamples?: number
  /**
   * The index `/route` scores: the agents' vectors are read from it, not embedded again (an agent
   * may carry 50 routing examples). Without one every vector is embedded (the benchmark's way).
   */
  index?: Pick<VectorIndex, 'vectors'>
}

/** One skill example of one agent: the query, and the agent it must find. */
interface Example {
  agentId: string
  card: CalibrationAgent['card']
  /** The example as /route would embed it (a message's text is trimmed). */
  text: string
}

/**
 * What makes two examples the same one: case and spacing aside. A card that repeats an example
 * ("sum", "Sum ", in another skill) says it once: counted once, and left out with every copy.
 */
const sameExampleKey = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase()

/** An agent's distinct, non-blank examples, in the card's order, each with the first spelling. */
const distinctExamples = ({ agentId, card }: CalibrationAgent): Example[] => {
  const seen = new Set<string>()
  return card.skills.flatMap((skill) =>
    (skill.examples ?? []).flatMap((example) => {
      const key = sameExampleKey(example)
      if (key === '' || seen.has(key)) return []
      seen.add(key)
      return [{ agentId, card, text: example.trim() }]
    }),
  )
}

/**
 * The examples to use, at most `limit`, taken in turn from each agent (its
 * first example, then each agent's second, …) so a small budget still covers
 * the catalog rather than the first agents alone.
 */
const examplesWithin = (agents: readonly CalibrationAgent[], limit: number): Example[] => {
  const perAgent = agents.map(distinctExamples)
  const taken: Example[] = []
  for (let round = 0; taken.length < limit; round++) {
    const row = perAgent.flatMap((examples) => examples.slice(round, round + 1))
    if (row.length === 0) break
    taken.push(...row.slice(0, limit - taken.length))
  }
  return taken
}

/**
 * The card without an example, every copy of it in any skill: scored against a card that
 * still held a copy, a repeated example was a sure right route, and enough of them let wrong
 * routes through within the 10 % (a card, which its agent writes, could so loosen the
 * gateway-wide threshold).
 */
const withoutExample = ({ card, text }: Example): CalibrationAgent['card'] => {
  const key = sameExampleKey(text)
  return {
    ...card,
    skills: card.skills.map((one) =>
      one.examples?.some((example) => sameExampleKey(example) === key)
        ? { ...one, examples: one.examples.filter((example) => sameExampleKey(example) !== key) }
        : one,
    ),
  }
}

/** One of an agent's vectors in the index: its card's, or one of its routing examples'. */
interface AgentVectorText {
  agentId: string
  /** Its key in the index (vectorKeysOf). */
  key: string
  /** The text the index embeds for it. */
  text: string
  /** The routing example, for one of them: an example that is it is left out with it. */
  phrase?: string
}

/** Every vector the agents have in the index, each with the text indexAgent embeds it from. */
const agentVectorTexts = (agents: readonly CalibrationAgent[]): AgentVectorText[] =>
  agents.flatMap(({ agentId, card, routingExamples = [] }) => {
    const [cardKey, ...exampleKeys] = vectorKeysOf(agentId, routingExamples.length)
    return [
      { agentId, key: cardKey as string, text: agentText(card) },
      ...routingExamples.map((phrase, i) => ({
        agentId,
        key: exampleKeys[i] as string,
        phrase,
        text: routingExampleText(phrase, card),
      })),
    ]
  })

/**
 * The vectors the index holds of agents it is in step with (their records do not say `indexed:
 * false`), by key: those `/route` scores. A vector of another dimension (an embedder since
 * replaced, awaiting a reindex) is not one, and is embedded instead.
 */
const storedVectors = async (
  agents: readonly CalibrationAgent[],
  wanted: readonly AgentVectorText[],
  { index, dimension }: { index: CalibrationBudget['index']; dimension: number },
): Promise<Map<string, number[]>> => {
  const inStep = new Set(
    agents.flatMap(({ agentId, indexed }) => (indexed === false ? [] : [agentId])),
  )
  const keys = wanted.flatMap(({ agentId, key }) => (inStep.has(agentId) ? [key] : []))
  if (!index || keys.length === 0) return new Map()
  const stored = await index.vectors(keys)
  return new Map(
    stored.flatMap(({ key, vector }) => (vector.length === dimension ? [[key, vector]] : [])),
  )
}

/**
 * Turns each skill example of the catalog into a labelled query, leave one out:
 * the example embedded alone is scored against every agent, each by the best of
 * its card's vector and its routing examples' (as /route scores it), its own
 * agent's card built without that example and its phrases without one that is
 * it. The agents' vectors are read from `index` (the very vectors /route scores);
 * those it lacks are embedded. Embedding calls: two per example, one per vector
 * the index lacks; at most `maxEmbeddings`, so fewer examples are used when the
 * catalog is large. Throws TooFewExamplesError, before any embedding,
 * when fewer than `minCalibrationExamples` fit or there are not two agents, and
 * after it when leaving out agents whose cards the model refuses leaves too few.
 *
 * @example
 * const { samples, embeddingCalls } = await leaveOneOutSamples(agents, embedder, { maxEmbeddings: 500, index })
 */
export const leaveOneOutSamples = async (
  agents: readonly CalibrationAgent[],
  embedder: Embedder,
  { maxEmbeddings, minExamples = minCalibrationExamples, index }: CalibrationBudget,
): Promise<{
  samples: RouteSample[]
  examples: number
  /** The agents calibrated among: those whose cards the model could embed. */
  agents: number
  embeddingCalls: number
  agentVectors: AgentVectors
  crossedExamples: CrossedExamples[]
  crossedAgents: number
}> => {
  const available = examplesWithin(agents, Number.POSITIVE_INFINITY).length
  if (agents.length < 2) {
    throw new TooFewExamplesError(
      `Calibration needs at least 2 active agents to tell apart; the catalog has ${agents.length}.`,
    )
  }
  if (available < minExamples) {
    throw new TooFewExamplesError(
      `Calibration needs at least ${minExamples} skill examples in the active agents' cards; they have ${available}.`,
    )
  }
  // An agent may carry 50 routing examples: embedding each again on every run cost thousands of
  // calls for a catalog that uses them, past API Gateway's 29 s. The index holds them already.
  const vectorTexts = agentVectorTexts(agents)
  const stored = await storedVectors(agents, vectorTexts, {
    index,
    dimension: embedder.dimension,
  })
  const lacking = vectorTexts.filter(({ key }) => !stored.has(key))
  const notIndexed = new Set(
    agents.flatMap(({ agentId, indexed }) => (indexed === false ? [agentId] : [])),
  )
  const lackedNotIndexed = lacking.filter(({ agentId }) => notIndexed.has(agentId)).length
  const room = Math.floor((maxEmbeddings - lacking.length) / 2)
  const examples = examplesWithin(agents, Math.max(0, room))
  if (examples.length < minExamples) {
    // The vectors the index lacks are named: they take their calls first, and 50 routing
    // examples on each of 100 agents leave no room in the default 500.
    throw new TooFewExamplesError(
      `Calibration needs at least ${minExamples} skill examples; ${maxEmbeddings} embedding calls (CALIBRATION_MAX_EMBEDDINGS) leave room for ${examples.length} among ${agents.length} agents${lacking.length > 0 ? `, after the ${count(lacking.length)} of their ${count(vectorTexts.length)} card and routing-example vectors not read from the search index` : ''} (two calls per skill example, one per vector not read from the index): it needs at least ${count(lacking.length + 2 * minExamples)}.`,
    )
  }
  // Every text at once, a few at a time: 500 Titan calls one by one would outlast
  // API Gateway's 29 s; eight in flight take a few seconds.
  // An example is embedded as /route embeds a message (its first characters), an agent whole and
  // each of its routing examples in its words, as the index embeds them: an agent scores the best
  // of its vectors, so the scores are those /route will see.
  const texts = [
    ...lacking.map(({ text }) => ({ agent: text })),
    ...examples.flatMap((example) => [
      { query: example.text },
      { agent: agentText(withoutExample(example)) },
    ]),
  ]
  // An embedder that fails (Bedrock throttled or down) is a 503; nothing is stored. A card the
  // model refuses as too long cannot be indexed as it stands: its agent is left out (an older,
  // shorter card's vectors may still be in the index until a sync or reindex says so).
  const embedded = await mapConcurrently(texts, embeddingConcurrency, (text) =>
    'query' in text
      ? embedQuery(embedder, text.query)
      : embedForCaller(embedder, text.agent).catch((error: unknown) => {
          if (error instanceof TextTooLongError) return undefined
          throw error
        }),
  )
  const vectorOf = new Map<string, readonly number[]>(stored)
  lacking.forEach(({ key }, i) => {
    const vector = embedded[i]
    if (vector) vectorOf.set(key, vector)
  })
  // An agent with a text the model refuses is not indexed at all (indexAgent embeds them together).
  const refused = new Set(
    vectorTexts.flatMap(({ agentId, key }) => (vectorOf.has(key) ? [] : [agentId])),
  )
  /** Each agent's phrases, as vectors: every example is scored against them all. */
  const phrasesOf = new Map<string, { key: string; vector: readonly number[] }[]>()
  const vectors: { agentId: string; vector: readonly number[] }[] = []
  for (const { agentId, key, phrase } of vectorTexts) {
    if (refused.has(agentId)) continue
    const vector = vectorOf.get(key) as readonly number[]
    if (phrase === undefined) {
      vectors.push({ agentId, vector })
      continue
    }
    const phrases = phrasesOf.get(agentId) ?? []
    phrases.push({ key: sameExampleKey(phrase), vector })
    phrasesOf.set(agentId, phrases)
  }
  const indexed = new Set(vectors.map(({ agentId }) => agentId))
  const firstExample = lacking.length
  const scoredExamples = examples.flatMap((example, i) => {
    const query = embedded[firstExample + 2 * i]
    const own = embedded[firstExample + 2 * i + 1]
    return query && own && indexed.has(example.agentId) ? [{ example, query, own }] : []
  })
  if (vectors.length < 2 || scoredExamples.length < minExamples) {
    const left = agents.filter(({ agentId }) => !indexed.has(agentId)).map(({ agentId }) => agentId)
    throw new TooFewExamplesError(
      `Calibration needs at least 2 active agents and ${minExamples} skill examples the model can embed; the cards or routing examples of ${left.join(', ')} are longer than it takes, which leaves ${vectors.length} agents and ${scoredExamples.length} examples.`,
    )
  }
  const ranked = scoredExamples.map(({ example, query, own }) => {
    // Its own agent without the example: its card's vector without it, and no phrase that is it.
    const left = sameExampleKey(example.text)
    const scored = vectors
      .map(({ agentId, vector }) => {
        const mine = agentId === example.agentId
        let score = cosine(query, mine ? own : vector)
        for (const phrase of phrasesOf.get(agentId) ?? []) {
          if (!(mine && phrase.key === left)) score = Math.max(score, cosine(query, phrase.vector))
        }
        return { agentId, score }
      })
      .sort((a, b) => b.score - a.score)
    const [first, second] = scored as [(typeof scored)[0], (typeof scored)[0]]
    return {
      sample: {
        score: first.score,
        margin: first.score - second.score,
        right: first.agentId === example.agentId,
      },
      crossing: { agentId: example.agentId, first: first.agentId },
    }
  })
  const samples: RouteSample[] = ranked.map(({ sample }) => sample)
  return {
    samples,
    examples: samples.length,
    agents: vectors.length,
    embeddingCalls: texts.length,
    agentVectors: {
      fromIndex: stored.size,
      embedded: lacking.length,
      notIndexed: lackedNotIndexed,
      missing: lacking.length - lackedNotIndexed,
    },
    ...crossingsOf(ranked.map(({ crossing }) => crossing)),
  }
}

/**
 * Calibrates `/route` from the catalog itself (leaveOneOutSamples): the score
 * threshold routing the most examples right with at most 10 % routed wrong,
 * with its measured precision and coverage. The margin stays the configured
 * one: fitted on card examples, which share words with the rest of their card,
 * a margin comes out looser than real requests need (`npm run bench:discovery`
 * measures both), so only the score is calibrated unless `margins` says otherwise.
 *
 * @example
 * const calibration = await calibrateFromCatalog(agents, embedder, { maxEmbeddings: 500, minMargin: 0.05 })
 */
export const calibrateFromCatalog = async (
  agents: readonly CalibrationAgent[],
  embedder: Embedder,
  options: CalibrationBudget & { minMargin: number; margins?: readonly number[] },
): Promise<Calibration> => {
  const { samples, examples, embeddingCalls, crossedExamples, crossedAgents, ...among } =
    await leaveOneOutSamples(agents, embedder, options)
  const { threshold, rates } = chooseThreshold(samples, {
    margins: options.margins ?? [options.minMargin],
  })
  const coverage = rates.right + rates.wrong
  return {
    threshold,
    rates,
    precision: coverage === 0 ? 1 : rates.right / coverage,
    coverage,
    examples,
    agents: among.agents,
    embeddingCalls,
    agentVectors: among.agentVectors,
    embedder: embedder.name,
    crossedExamples,
    crossedAgents,
  }
}
