import type { AgentRecord } from '../registry/agent-record.ts'
import { agentText } from './agent-text.ts'
import type { Embedder } from './embedder.ts'
import type { VectorIndex } from './vector-index.ts'

export interface AgentIndexDeps {
  embedder: Embedder
  index: VectorIndex
}

/**
 * Puts an agent's vector (its card's text, embedded) in the index, with its
 * status so searches skip inactive agents.
 */
export const indexAgent = async (record: AgentRecord, deps: AgentIndexDeps): Promise<void> => {
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
