import { describe, expect, it } from 'vitest'
import type { AgentCardJson } from '../../../lib/a2a/agent-card.ts'
import { HashingEmbedder } from '../../../lib/discovery/hashing-embedder.ts'
import { searchAgents } from '../../../lib/discovery/search.ts'
import type { VectorIndex } from '../../../lib/discovery/vector-index.ts'
import { staleVectorsWarner } from '../../../lib/discovery/vector-index.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'

/** What Lambda answers at most from a buffered function; API Gateway turns more into a 502. */
const lambdaResponseLimit = 6 * 1024 * 1024

/** Its bytes as Lambda counts them: the body is a JSON string in the function's response. */
const responseSize = (body: unknown) => Buffer.byteLength(JSON.stringify(JSON.stringify(body)))

/** A search's dependencies around an index and a registry: cards served as they are. */
const searchDeps = (index: VectorIndex, getAgent: (agentId: string) => Promise<AgentRecord>) => ({
  embedder: new HashingEmbedder(),
  index,
  getAgent,
  gatewayFor: (agentId: string) => ({
    agentUrl: `https://gw.example.com/agents/${agentId}`,
    tokenUrl: 'https://gw.example.com/oauth2/token',
  }),
  signCard: async <T>(served: T) => served,
})

/** An index holding one vector per agent at these scores, recording the agents each query asks for. */
const scoredIndex = (scores: Record<string, number>, asked: string[][]): VectorIndex => ({
  put: async () => {},
  delete: async () => {},
  keys: async () => [],
  vectors: async () => [],
  query: async (_vector, { topK, agentIds }) => {
    asked.push([...agentIds])
    return agentIds
      .map((key) => ({ key, score: scores[key] as number }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK)
  },
})

/** A registry's record of a small agent, active unless `isStale` says it was deactivated. */
const smallRecord =
  (isStale: (agentId: string) => boolean) =>
  async (agentId: string): Promise<AgentRecord> =>
    ({
      agentId,
      status: isStale(agentId) ? 'inactive' : 'active',
      card: { name: agentId, description: agentId, skills: [] },
      protocolVersion: '1.0',
      endpoints: { JSONRPC: 'https://agent.example.com/a2a' },
    }) as unknown as AgentRecord

describe('searching the caller’s agents', () => {
  it('answers within Lambda’s 6 MB however large the cards, the best-ranked first', async () => {
    // Prepare: 20 agents (a search's most) whose cards each keep within the 256 KiB a fetched card
    // may be, quotes included (each escaped in the function's response). Any agent writes its
    // own card, so twenty large ones broke every search of a caller holding them: a 502.
    const ids = Array.from({ length: 20 }, (_, i) => `large-${String(i).padStart(2, '0')}`)
    const card = (agentId: string): AgentCardJson => ({
      name: agentId,
      description: 'a "large" card '.repeat(16_000),
      version: '1.0.0',
      supportedInterfaces: [
        {
          url: 'https://agent.example.com/a2a',
          protocolBinding: 'JSONRPC',
          protocolVersion: '1.0',
        },
      ],
      skills: [],
    })
    const record = (agentId: string) =>
      ({
        agentId,
        status: 'active',
        card: card(agentId),
        protocolVersion: '1.0',
        endpoints: { JSONRPC: 'https://agent.example.com/a2a' },
      }) as unknown as AgentRecord
    const index: VectorIndex = {
      put: async () => {},
      delete: async () => {},
      keys: async () => [],
      vectors: async () => [],
      query: async (_vector, { topK }) =>
        ids.slice(0, topK).map((key, i) => ({ key, score: 0.9 - i / 100 })),
    }
    const grants = Object.fromEntries(ids.map((id) => [id, '*' as const]))

    // Act
    const answer = await searchAgents(
      { query: 'large cards', topK: 20 },
      grants,
      searchDeps(index, async (agentId) => record(agentId)),
    )

    // Assess: fewer than asked, the best-ranked ones, and room left for the envelope.
    expect(responseSize(answer)).toBeLessThan(lambdaResponseLimit - 512 * 1024)
    expect(answer.results.length).toBeGreaterThan(0)
    expect(answer.results.length).toBeLessThan(20)
    expect(answer.results.map(({ agentId }) => agentId)).toEqual(
      ids.slice(0, answer.results.length),
    )
    // And says so: fewer results alone look like a minScore cut or a small catalog.
    expect(answer.omittedForSize).toBe(20 - answer.results.length)
  })

  it('says nothing of a cut when every match fits', async () => {
    // Act
    const answer = await searchAgents(
      { query: 'rain', topK: 5 },
      { rain: '*', sun: '*' },
      searchDeps(
        scoredIndex({ rain: 0.5, sun: 0.4 }, []),
        smallRecord(() => false),
      ),
    )

    // Assess: the answer as before, no field added.
    expect(Object.keys(answer)).toEqual(['results'])
    expect(answer.results).toHaveLength(2)
  })

  it('finds the active agents behind stale vectors that fill the index’s answer', async () => {
    // Prepare: three agents deactivated whose vectors the index failed to drop (a delete that
    // failed leaves them to the next reindex), all closer than the two active ones.
    const scores: Record<string, number> = { s1: 0.9, s2: 0.89, s3: 0.88, rain: 0.5, sun: 0.4 }
    const stale = ['s1', 's2', 's3']
    const asked: string[][] = []
    const index = scoredIndex(scores, asked)
    const record = smallRecord((agentId) => stale.includes(agentId))
    const told: string[][] = []

    // Act
    const answer = await searchAgents(
      { query: 'rain in Oslo', topK: 3 },
      Object.fromEntries(Object.keys(scores).map((agentId) => [agentId, '*' as const])),
      { ...searchDeps(index, record), onStaleVectors: (agentIds) => told.push(agentIds) },
    )

    // Assess: the two active agents, not an empty answer; asked again without the stale three,
    // which the operator is told of (a reindex drops them)
    expect(told).toEqual([stale])
    expect(answer.results.map(({ agentId, score }) => [agentId, score])).toEqual([
      ['rain', 0.5],
      ['sun', 0.4],
    ])
    expect(asked).toEqual([Object.keys(scores), ['rain', 'sun']])
  })

  it('asks the index at most three times, however many stale vectors lie just below the best', async () => {
    // Prepare: stale agents ranked right after the two best, one more in each full answer of 3
    const scores: Record<string, number> = {
      a1: 0.9,
      a2: 0.89,
      s1: 0.88,
      s2: 0.87,
      s3: 0.86,
      s4: 0.85,
      a3: 0.5,
    }
    const asked: string[][] = []
    const index = scoredIndex(scores, asked)
    const record = smallRecord((agentId) => agentId.startsWith('s'))

    // Act
    const answer = await searchAgents(
      { query: 'rain in Oslo', topK: 3 },
      Object.fromEntries(Object.keys(scores).map((agentId) => [agentId, '*' as const])),
      searchDeps(index, record),
    )

    // Assess: the active agents the third answer held; a3, behind a fourth stale one, not sought.
    expect(asked).toHaveLength(3)
    expect(answer.results.map(({ agentId }) => agentId)).toEqual(['a1', 'a2'])
  })

  it('asks the index once when a full answer’s last matches score below minScore, stale or not', async () => {
    // Prepare: four agents, two under the bar, one of those stale
    const scores: Record<string, number> = { a1: 0.9, a2: 0.8, low: 0.1, s1: 0.05 }
    const asked: string[][] = []
    const index = scoredIndex(scores, asked)
    const record = smallRecord((agentId) => agentId.startsWith('s'))

    // Act
    const answer = await searchAgents(
      { query: 'rain in Oslo', topK: 4, minScore: 0.5 },
      Object.fromEntries(Object.keys(scores).map((agentId) => [agentId, '*' as const])),
      searchDeps(index, record),
    )

    // Assess
    expect(asked).toHaveLength(1)
    expect(answer.results.map(({ agentId }) => agentId)).toEqual(['a1', 'a2'])
  })
})

describe('the warning of stale vectors', () => {
  it('names at most ten of the agents once each, how many there were, and the way out', () => {
    // Prepare
    const lines: [string, Record<string, unknown>][] = []
    const warn = staleVectorsWarner({ warn: (message, details) => lines.push([message, details]) })
    const stale = Array.from({ length: 12 }, (_, i) => `old-${i}`)

    // Act
    warn([...stale, 'old-0'])

    // Assess
    const [[message, details]] = lines as [[string, Record<string, unknown>]]
    expect(message).toContain('npm run reindex')
    expect(details).toEqual({ staleAgents: stale.slice(0, 10), staleAgentCount: 12 })
  })
})
