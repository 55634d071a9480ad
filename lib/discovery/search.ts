import * as z from 'zod'
import type { AgentCardJson } from '../a2a/agent-card.ts'
import type { Grants } from '../auth/grants.ts'
import { withinPageBytes } from '../http/page-cursor.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import { withThousands } from '../thousands.ts'
import { type Embedder, embedQuery, maxQueryCharacters } from './embedder.ts'
import { type CardServing, servedCard } from './list-agents.ts'
import { closestActive, type VectorIndex, type VectorMatch } from './vector-index.ts'

/** The body of `POST /search`. */
/** The most agents one search answers. */
const maxTopK = 20
const topKRule = `must be a whole number from 1 to ${maxTopK}`
const minScoreRule = 'must be a number from -1 to 1 (a cosine similarity)'

export const searchRequestSchema = z.strictObject({
  query: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(maxQueryCharacters, `must be at most ${withThousands(maxQueryCharacters)} characters`),
  topK: z
    .number({ error: topKRule })
    .int(topKRule)
    .min(1, topKRule)
    .max(maxTopK, topKRule)
    .default(5),
  minScore: z.number({ error: minScoreRule }).min(-1, minScoreRule).max(1, minScoreRule).optional(),
})

export interface SearchResult {
  agentId: string
  score: number
  card: AgentCardJson
}

/** The answer to `POST /search`. */
export interface SearchAnswer {
  results: SearchResult[]
  /**
   * Present only when the answer was cut to fit 5 MiB: how many matches, ranked below the last
   * result, were left out because their cards would not fit.
   */
  omittedForSize?: number
}

export interface SearchDeps extends CardServing {
  embedder: Embedder
  index: VectorIndex
  getAgent: (agentId: string) => Promise<AgentRecord | undefined>
  /** Told of the agents whose vectors the index holds though they are not active (staleVectors). */
  onStaleVectors?: (agentIds: string[]) => void
}

/**
 * Finds the caller's agents by meaning: the query is embedded and matched
 * against the vectors of the agents the caller may invoke, active ones only (the
 * registry says which: a stale vector is left out, and the index asked again
 * without it). Only matches scoring `minScore` or more are kept.
 * The answer keeps the best-ranked results whose cards fit `maxPageBytes`, as a
 * page of `GET /agents` does: a card may be 256 KiB, and twenty large ones
 * passed the 6 MB a Lambda may answer (a 502 on every such search). It says how
 * many it left out (`omittedForSize`), which fewer than `topK` results alone
 * do not: a `minScore` cut and a small catalog look the same.
 *
 * @example
 * await searchAgents({ query: 'my card got charged twice' }, caller.grants, deps)
 */
export const searchAgents = async (
  body: unknown,
  grants: Grants,
  deps: SearchDeps,
): Promise<SearchAnswer> => {
  const { query, topK, minScore } = searchRequestSchema.parse(body)
  const agentIds = Object.keys(grants)
  if (agentIds.length === 0) return { results: [] }
  const vector = await embedQuery(deps.embedder, query)
  const belowMinScore = (match: VectorMatch) => minScore !== undefined && match.score < minScore
  // Stale vectors (an agent deactivated or deleted whose vectors the index failed to drop) in a
  // full answer hide as many active agents: it is asked again without them, as /route does,
  // unless a match scored below `minScore` (what they hide scores lower still).
  const stale: string[] = []
  const { found } = await closestActive(
    deps.index,
    vector,
    { topK, agentIds },
    async (match) => {
      if (belowMinScore(match)) return undefined
      const record = await deps.getAgent(match.key)
      if (record?.status === 'active') return { ...match, record }
      stale.push(match.key)
      return undefined
    },
    (active, matches) => active.length === matches.length || matches.some(belowMinScore),
  )
  if (stale.length > 0) deps.onStaleVectors?.(stale)
  const results = await Promise.all(
    found.map(async ({ key, score, record }) => ({
      agentId: key,
      score,
      card: await servedCard(record, deps),
    })),
  )
  const kept = withinPageBytes(results)
  const omitted = results.length - kept.length
  return omitted > 0 ? { results: kept, omittedForSize: omitted } : { results: kept }
}
