import type { AgentRecord } from '../registry/agent-record.ts'
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
