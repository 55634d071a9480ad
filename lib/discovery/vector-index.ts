import { agentIdForLog } from '../ids.ts'
import type { LogMethods } from '../log-methods.ts'
/** What each vector carries besides itself; both keys are filterable. */
export interface VectorMetadata {
  /** The agent the vector finds: its card's, or one of its routing examples'. */
  agentId: string
  status: 'active' | 'inactive'
}

export interface IndexedVector {
  /** The agentId for the card's vector; `agentId#example-N` for its routing examples (vectorKeysOf). */
  key: string
  vector: number[]
  metadata: VectorMetadata
}

export interface VectorMatch {
  /** The agentId: each agent comes back once, whatever number of vectors it has. */
  key: string
  /** Cosine similarity of the agent's closest vector, 1 = same direction. */
  score: number
}

/**
 * How many times a search or a route asks the index for one message, asking again without the
 * stale agents (vectors a failed delete left) a full answer held: a bound on the queries such
 * agents cost a caller's call (each a `QueryVectors` or more on S3 Vectors) until a reindex.
 */
export const maxIndexQueries = 3

/** The most stale agents a warning names; the count says how many there were. */
const staleAgentsNamed = 10

/**
 * Warns the operator that a search or a route met vectors of agents that are not active (a delete
 * or deactivation that failed to drop them): left out, they may have hidden active agents from
 * the answer, with nothing in it to say so, until a reindex drops them.
 *
 * @example
 * const onStaleVectors = staleVectorsWarner(logger) // then onStaleVectors(['old-agent'])
 */
export const staleVectorsWarner =
  (logger: LogMethods<'warn'>) =>
  (agentIds: readonly string[]): void => {
    const named = [...new Set(agentIds)]
    logger.warn(
      'the search index holds vectors of agents that are not active; they were left out and may have hidden others: run `npm run reindex`',
      {
        staleAgents: named.slice(0, staleAgentsNamed).map(agentIdForLog),
        staleAgentCount: named.length,
      },
    )
  }

/**
 * The index's closest agents among `query.agentIds` that `activeOf` finds active (undefined for
 * one that is not: deactivated or deleted, its vectors left by a failed delete), best first. A
 * full answer holding such stale agents may hide active ones, so the index is asked again
 * without them until `enough` says the answer will do, an answer is not full (the
 * index holds no more), or `maxIndexQueries` were asked; `settled` is false only then.
 *
 * @example
 * const { found, settled } = await closestActive(index, vector, { topK: 6, agentIds }, isActive, (found) => found.length >= 2)
 */
export const closestActive = async <Found>(
  index: Pick<VectorIndex, 'query'>,
  vector: readonly number[],
  query: VectorQuery,
  activeOf: (match: VectorMatch) => Promise<Found | undefined>,
  enough: (found: Found[], matches: VectorMatch[]) => boolean,
): Promise<{ found: Found[]; settled: boolean }> => {
  let asked = query.agentIds
  for (let queries = 1; ; queries++) {
    const matches = await index.query(vector, { topK: query.topK, agentIds: asked })
    // Awaited<Found> is Found for any Found `activeOf` resolves to; tsc cannot see it of a generic.
    const each = (await Promise.all(matches.map(activeOf))) as (Found | undefined)[]
    const found = each.filter((one): one is Found => one !== undefined)
    const settled = matches.length < query.topK || enough(found, matches)
    if (settled || queries === maxIndexQueries) return { found, settled }
    const stale = new Set(matches.flatMap(({ key }, i) => (each[i] === undefined ? [key] : [])))
    asked = asked.filter((agentId) => !stale.has(agentId))
  }
}

export interface VectorQuery {
  /** At most this many agents (not vectors). */
  topK: number
  /** Only these agents, and only active ones, may come back. */
  agentIds: readonly string[]
}

export interface VectorIndex {
  put(vectors: IndexedVector[]): Promise<void>
  /** Deletes the vectors of these keys; a key with no vector is no error. */
  delete(keys: string[]): Promise<void>
  /** The closest agents, best first, each scored by the best of its vectors. */
  query(vector: readonly number[], query: VectorQuery): Promise<VectorMatch[]>
  /** The key of every vector the index holds: a reindex compares their agents with the records. */
  keys(): Promise<string[]>
  /**
   * The stored vectors of these keys, those the index holds (a key with none is left out): the
   * very vectors a query scores, which calibration reads rather than embedding their texts again.
   */
  vectors(keys: readonly string[]): Promise<StoredVector[]>
}

/** A vector as the index holds it, by its key. */
export interface StoredVector {
  key: string
  vector: number[]
}

/**
 * The keys an agent's vectors may have: its card's (the agentId itself), then
 * one per routing-example position, up to `examples` of them. Keys are by
 * position, so a changed example overwrites its vector, and the positions past
 * the current examples are the keys to delete; an agentId has no `#`, so no
 * agent's keys are another's.
 *
 * @example
 * vectorKeysOf('weather', 2) // ['weather', 'weather#example-0', 'weather#example-1']
 */
export const vectorKeysOf = (agentId: string, examples: number): string[] => [
  agentId,
  ...Array.from({ length: examples }, (_, i) => `${agentId}#example-${i}`),
]

/** The agent a vector's key belongs to (see vectorKeysOf). */
export const agentIdOfKey = (key: string): string => key.split('#', 1)[0] as string
