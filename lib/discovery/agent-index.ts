import type { AgentRecord } from '../registry/agent-record.ts'
import type { AgentRegistry } from '../registry/agent-registry.ts'
import { agentText } from './agent-text.ts'
import type { Embedder } from './embedder.ts'
import type { VectorIndex } from './vector-index.ts'

export interface AgentIndexDeps {
  embedder: Embedder
  index: VectorIndex
}

/**
 * Puts an active agent's vector (its card's text, embedded) in the index, with
 * its status, which every query filters on. An inactive agent's vector is
 * removed instead: deactivating needs no embedding, so it takes effect even
 * while the embedder is down, and the vector comes back on reactivation.
 */
export const indexAgent = async (record: AgentRecord, deps: AgentIndexDeps): Promise<void> => {
  if (record.status !== 'active') return unindexAgent(record.agentId, deps)
  const vector = await deps.embedder.embed(agentText(record.card))
  await deps.index.put([
    {
      key: record.agentId,
      vector,
      metadata: {
        agentId: record.agentId,
        status: record.status === 'active' ? 'active' : 'inactive',
      },
    },
  ])
}

export const unindexAgent = (agentId: string, deps: Pick<AgentIndexDeps, 'index'>): Promise<void> =>
  deps.index.delete([agentId])

/**
 * Brings the index in step with a change an admin made, and notes on the record
 * (written as not yet indexed) that it is. Never fails the change, which has
 * been stored: an embedding that fails leaves the record saying so, for the next
 * sync or `npm run reindex`; a note that fails only leaves it saying so wrongly.
 */
export const indexChange = async (
  after: AgentRecord,
  deps: AgentIndexDeps & {
    registry: Pick<AgentRegistry, 'annotate'>
    warn: (message: string, details: Record<string, unknown>) => void
  },
): Promise<AgentRecord> => {
  try {
    await indexAgent(after, deps)
  } catch (error) {
    deps.warn('agent not indexed; a sync or npm run reindex will retry', {
      agentId: after.agentId,
      error,
    })
    return after
  }
  try {
    // A record changed meanwhile is not marked: that change indexes itself.
    if (await deps.registry.annotate(after, { indexed: true })) return { ...after, indexed: true }
  } catch (error) {
    deps.warn(
      'agent indexed, but its record still says not; a sync or npm run reindex corrects it',
      {
        agentId: after.agentId,
        error,
      },
    )
  }
  return after
}
