import { routingExampleLimits } from '../registry/agent-config.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import type { AgentRegistry } from '../registry/agent-registry.ts'
import { agentText, routingExampleText } from './agent-text.ts'
import { type Embedder, embedTexts } from './embedder.ts'
import { agentIdOfKey, type VectorIndex, vectorKeysOf } from './vector-index.ts'

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

/** The texts an agent's vectors are embedded from: none unless it is active (or there is no agent). */
const indexedTexts = (record: AgentRecord | undefined): string[] =>
  record?.status === 'active'
    ? [
        agentText(record.card),
        ...(record.routingExamples ?? []).map((example) =>
          routingExampleText(example, record.card),
        ),
      ]
    : []

const sameVectors = (a: AgentRecord | undefined, b: AgentRecord | undefined): boolean => {
  const [left, right] = [indexedTexts(a), indexedTexts(b)]
  return left.length === right.length && left.every((text, i) => text === right[i])
}

/** How settleIndex went: the record the index was last brought (or being brought) in step with. */
type Settled =
  | { settled: true; record: AgentRecord | undefined }
  | { settled: false; record: AgentRecord | undefined; error: unknown }

/**
 * Indexes `record` (removes the agent's vectors when undefined: no agent), then reads the agent
 * again (a consistent read): if it has changed meanwhile into something indexed otherwise
 * (deactivated, deleted, registered, another card or examples), this put or delete may have landed
 * after that change's own indexing (a slow embedding), so the index is brought in step with the
 * agent as it now is, and read again, until the two agree. Each round follows a change made
 * meanwhile, so it ends when changes stop. Ends with the agent as it now is (undefined: gone or
 * being deleted), or, if indexing or the read failed, with the record it was bringing the index
 * in step with.
 */
const settleIndex = async (
  agentId: string,
  record: AgentRecord | undefined,
  deps: AgentIndexDeps & { registry: Pick<AgentRegistry, 'get'> },
): Promise<Settled> => {
  let target: AgentRecord | undefined = record
  try {
    for (;;) {
      if (target) await indexAgent(target, deps)
      else await unindexAgent(agentId, deps)
      const read = await deps.registry.get(agentId)
      // An agent being deleted is as good as gone: its vectors go, its record is not marked.
      const now = read?.status === 'deleting' ? undefined : read
      if (sameVectors(now, target)) return { settled: true, record: now }
      target = now
    }
  } catch (error) {
    return { settled: false, record: target, error }
  }
}

/**
 * Brings the index in step with a change an admin made, and notes on the record
 * (written as not yet indexed) that it is. Never fails the change, which has
 * been stored: an embedding that fails leaves the record saying so, for the next
 * sync or `npm run reindex`; a note that fails only leaves it saying so wrongly.
 * A change made to the agent meanwhile is not undone by this one's late put:
 * the index ends in step with the agent as it now is (settleIndex), and if it
 * cannot, that later record is marked not indexed.
 */
export const indexChange = async (
  after: AgentRecord,
  deps: AgentIndexDeps & {
    registry: Pick<AgentRegistry, 'annotate' | 'get'>
    warn: (message: string, details: Record<string, unknown>) => void
  },
): Promise<AgentRecord> => {
  const outcome = await settleIndex(after.agentId, after, deps)
  if (!outcome.settled) {
    deps.warn('agent not indexed; a sync or npm run reindex will retry', {
      agentId: after.agentId,
      error: outcome.error,
    })
    // A later change, which may say it is indexed, while the index holds this change's vectors.
    if (outcome.record && outcome.record !== after) {
      await deps.registry.annotate(outcome.record, { indexed: false }).catch(() => false)
    }
    return after
  }
  const { record } = outcome
  if (!record) return after
  try {
    // The agent as it was read last, which the index agrees with; if it has changed since,
    // it is not marked: that change indexes itself.
    if (await deps.registry.annotate(record, { indexed: true })) {
      return record.updatedAt === after.updatedAt ? { ...after, indexed: true } : after
    }
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
 * embedding fails (the rest go on). An agent changed meanwhile ends indexed as it
 * now is (settleIndex). Says how each went through `report`.
 *
 * @example
 * await reindexAgents(registry, search, () => true, ({ agentId, error }) => console.log(agentId, error))
 */
export const reindexAgents = async (
  registry: Pick<AgentRegistry, 'list' | 'get' | 'annotate'>,
  deps: AgentIndexDeps,
  which: (record: AgentRecord) => boolean,
  report: (outcome: { agentId: string; error?: Error }) => void,
): Promise<{ failed: number }> => {
  let failed = 0
  for (const listed of await registry.list()) {
    if (listed.status === 'deleting' || !which(listed)) continue
    const outcome = await settleIndex(listed.agentId, listed, { ...deps, registry })
    const { record } = outcome
    try {
      if (!outcome.settled) throw outcome.error
      if (record?.indexed === false) await registry.annotate(record, { indexed: true })
      report({ agentId: listed.agentId })
    } catch (error) {
      failed++
      if (record) await registry.annotate(record, { indexed: false }).catch(() => false)
      report({ agentId: listed.agentId, error: error as Error })
    }
  }
  return { failed }
}

/**
 * Removes the vectors of agents no record names, or only one being deleted (`npm run reindex`):
 * left by a process that died between a late put and its re-read (settleIndex), or by a delete
 * that failed after its mark and was never run again. A reindex embeds records, so it never
 * visits them, and they take `/search` places from agents a caller may use. Each agent is read
 * (a consistent read) before its vectors go, every key the index holds of it, and again after
 * (settleIndex): one registered meanwhile ends indexed, or, if that fails, its record says it is
 * not. Says how each went through `report` (`registered`: it has an agent after all); one that
 * fails does not stop the rest.
 *
 * @example
 * await removeOrphanVectors(registry, search, ({ agentId }) => console.log(`removed ${agentId}`))
 */
export const removeOrphanVectors = async (
  registry: Pick<AgentRegistry, 'get' | 'annotate'>,
  deps: AgentIndexDeps,
  report: (outcome: { agentId: string; error?: Error; registered?: boolean }) => void,
): Promise<{ removed: number; failed: number }> => {
  const keysByAgent = Map.groupBy(await deps.index.keys(), agentIdOfKey)
  let removed = 0
  let failed = 0
  for (const [agentId, keys] of keysByAgent) {
    try {
      const record = await registry.get(agentId)
      if (record && record.status !== 'deleting') continue
      // Any key of its, also one that is not of vectorKeysOf's form (written by another tool).
      await deps.index.delete(keys)
      const outcome = await settleIndex(agentId, undefined, { ...deps, registry })
      if (!outcome.settled) {
        if (outcome.record) await registry.annotate(outcome.record, { indexed: false })
        throw outcome.error
      }
      // Registered meanwhile: indexed as it now is, nothing removed.
      if (outcome.record) continue
      removed++
      report({ agentId })
    } catch (error) {
      failed++
      const registered = (await registry.get(agentId).catch(() => undefined)) !== undefined
      report({
        agentId,
        error: error instanceof Error ? error : new Error(String(error)),
        registered,
      })
    }
  }
  return { removed, failed }
}
