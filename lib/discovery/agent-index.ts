import { routingExampleLimits } from '../registry/agent-config.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import type { AgentRegistry } from '../registry/agent-registry.ts'
import { agentText, routingExampleText } from './agent-text.ts'
import { type Embedder, embedTexts } from './embedder.ts'
import { type VectorIndex, vectorKeysOf } from './vector-index.ts'

export interface AgentIndexDeps {
  embedder: Embedder
  index: VectorIndex
}

/**
 * Puts an active agent's vectors in the index: its card's text, embedded, and
 * each of its routing examples (in the agent's words, routingExampleText), with
 * its status, which every query filters on.
 * The example vectors past the current ones (an example removed) are deleted
 * after the put, so a failure leaves at worst a stale example, which the next
 * indexing deletes. An inactive agent's vectors are removed instead:
 * deactivating needs no embedding, so it takes effect even while the embedder
 * is down, and the vectors come back on reactivation.
 */
export const indexAgent = async (record: AgentRecord, deps: AgentIndexDeps): Promise<void> => {
  if (record.status !== 'active') return unindexAgent(record.agentId, deps)
  const examples = record.routingExamples ?? []
  const vectors = await embedTexts(deps.embedder, [
    agentText(record.card),
    ...examples.map((example) => routingExampleText(example, record.card)),
  ])
  const keys = vectorKeysOf(record.agentId, examples.length)
  await deps.index.put(
    keys.map((key, i) => ({
      key,
      vector: vectors[i] as number[],
      metadata: { agentId: record.agentId, status: 'active' },
    })),
  )
  const unused = vectorKeysOf(record.agentId, routingExampleLimits.count).slice(keys.length)
  if (unused.length > 0) await deps.index.delete(unused)
}

/** Removes every vector the agent may have: its card's and all routing-example positions. */
export const unindexAgent = (agentId: string, deps: Pick<AgentIndexDeps, 'index'>): Promise<void> =>
  deps.index.delete(vectorKeysOf(agentId, routingExampleLimits.count))

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

/**
 * Embeds registered agents again (`npm run reindex`, and `npm start` when the
 * index holds another embedder's vectors): each one `which` picks, skipping
 * those being deleted, its record then marked indexed, or not indexed when its
 * embedding fails (the rest go on). Says how each went through `report`.
 *
 * @example
 * await reindexAgents(registry, search, () => true, ({ agentId, error }) => console.log(agentId, error))
 */
export const reindexAgents = async (
  registry: Pick<AgentRegistry, 'list' | 'annotate'>,
  deps: AgentIndexDeps,
  which: (record: AgentRecord) => boolean,
  report: (outcome: { agentId: string; error?: Error }) => void,
): Promise<{ failed: number }> => {
  let failed = 0
  for (const record of await registry.list()) {
    if (record.status === 'deleting' || !which(record)) continue
    try {
      await indexAgent(record, deps)
      if (record.indexed === false) await registry.annotate(record, { indexed: true })
      report({ agentId: record.agentId })
    } catch (error) {
      failed++
      await registry.annotate(record, { indexed: false }).catch(() => false)
      report({ agentId: record.agentId, error: error as Error })
    }
  }
  return { failed }
}
