import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchAgentCard, fetchKeySet } from '../../lib/backend/fetch-card.ts'
import { guardedFetch } from '../../lib/backend/guarded-fetch.ts'
import {
  indexAgent,
  indexChange,
  reindexAgents,
  removeOrphanVectors,
  unindexAgent,
} from '../../lib/discovery/agent-index.ts'
import { routingExampleText } from '../../lib/discovery/agent-text.ts'
import { type Embedder, embedTexts } from '../../lib/discovery/embedder.ts'
import { HashingEmbedder } from '../../lib/discovery/hashing-embedder.ts'
import { LocalVectorIndex } from '../../lib/discovery/local-vector-index.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { parseCidrs } from '../../lib/registry/backend-address.ts'
import {
  type AgentAdminDeps,
  type AgentChange,
  deleteAgent,
  patchAgent,
  registerAgent,
  syncAgent,
} from '../../lib/registry/register-agent.ts'
import { tableName } from '../../lib/tables.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

const localPolicy = { mode: 'local' as const, allowed: parseCidrs(['127.0.0.0/8']) }
const cardFetch = guardedFetch(localPolicy)
const embedder = new HashingEmbedder(256)

/** A promise the test resolves when it chooses. */
const gate = () => {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

/**
 * An embedder as slow as the test makes it (Bedrock throttled, say): its first call says it
 * was reached, and every call waits for `release`. It refuses any text containing `refused`.
 */
const slowEmbedder = (refused?: string) => {
  const reached = gate()
  const release = gate()
  const slow: Embedder = {
    name: 'slow',
    dimension: embedder.dimension,
    embed: async (text) => {
      reached.open()
      await release.opened
      if (refused && text.includes(refused)) throw new Error('Bedrock throttled')
      return embedder.embed(text)
    },
  }
  return { slow, reached, release }
}

const dynalite = databaseEngines.find(([engine]) => engine === 'dynalite')
if (!dynalite) throw new Error('no dynalite engine')

describe('the search index, when an indexing overlaps a later change of the agent', () => {
  let database: TestDatabase
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let registry: DynamoAgentRegistry
  let deps: AgentAdminDeps
  const index = new LocalVectorIndex()

  beforeAll(async () => {
    database = await dynalite[1]('ix-')
    backend = await startCardServer()
    backend.serve(validCard(backend.url))
    registry = new DynamoAgentRegistry(documentClientOn(database), tableName('agents', 'ix-'))
    deps = {
      registry,
      secrets: {} as AgentAdminDeps['secrets'],
      fetchCard: (url) => fetchAgentCard(url, { timeoutMs: 2_000, fetch: cardFetch }),
      fetchKeys: (url) => fetchKeySet(url, { timeoutMs: 2_000, fetch: cardFetch }),
      addressPolicy: localPolicy,
      removeVector: (agentId) => unindexAgent(agentId, { index }),
    }
  })
  afterAll(async () => {
    await backend?.stop()
    await database?.stop()
  })

  /** What the admin handler runs after each change (lib/admin/wiring.ts), with this embedder. */
  const keepIndexed =
    (using: Embedder = embedder) =>
    async (change: AgentChange) => {
      if (!change.after) return change
      const after = await indexChange(change.after, {
        embedder: using,
        index,
        registry,
        warn: () => {},
      })
      return { ...change, after }
    }
  const register = (agentId: string, routingExamples?: string[]) =>
    registerAgent(
      { agentId, backendUrl: backend.url, agentCardUrl: backend.cardUrl, routingExamples },
      deps,
    ).then(keepIndexed())
  /** The agent's active vectors a search can find, best first (each agent once). */
  const searchFinds = async (agentId: string, text = 'echo') =>
    index.query(await embedder.embed(text), { topK: 5, agentIds: [agentId] })

  /**
   * An agent whose vectors outlived its delete (a late indexing put them back), and a registry
   * whose first read of it, finding it gone, registers it again before answering: a registration
   * landing between that read and the removal of its vectors.
   */
  const registeredAgainOnRead = async (agentId: string, example: string) => {
    await register(agentId)
    const { after: old } = await patchAgent(agentId, { routingExamples: [example] }, deps)
    await deleteAgent(agentId, deps)
    if (!old) throw new Error(`${agentId} was not changed`)
    await indexAgent(old, { embedder, index })
    let again = false
    const reading = {
      annotate: registry.annotate.bind(registry),
      get: async (asked: string) => {
        const read = await registry.get(asked)
        if (asked === agentId && !again) {
          again = true
          await register(agentId)
        }
        return read
      },
    }
    return { reading, registeredAgain: () => again }
  }

  it('does not put back the vectors of an agent deactivated while a sync was embedding', async () => {
    // Prepare
    await register('echo-1')
    const { slow, reached, release } = slowEmbedder()
    const sync = syncAgent('echo-1', deps).then(keepIndexed(slow))
    await reached.opened

    // Act: PATCH inactive, answered while the sync is embedding; then the sync's embedding ends.
    await patchAgent('echo-1', { status: 'inactive' }, deps).then(keepIndexed())
    release.open()
    await sync

    // Assess
    expect((await registry.get('echo-1'))?.status).toBe('inactive')
    expect(await searchFinds('echo-1')).toEqual([])
  })

  it('leaves no vectors of an agent deleted while a PATCH was embedding', async () => {
    // Prepare
    await register('echo-2')
    const { slow, reached, release } = slowEmbedder()
    const patch = patchAgent('echo-2', { routingExamples: ['say it back'] }, deps).then(
      keepIndexed(slow),
    )
    await reached.opened

    // Act
    await deleteAgent('echo-2', deps)
    release.open()
    await patch

    // Assess
    expect(await registry.get('echo-2')).toBeUndefined()
    expect(await searchFinds('echo-2')).toEqual([])
  })

  it('keeps the routing examples of a later PATCH, not those of one whose embedding was slow', async () => {
    // Prepare
    await register('echo-3')
    const { slow, reached, release } = slowEmbedder()
    const older = patchAgent('echo-3', { routingExamples: ['parrot my words'] }, deps).then(
      keepIndexed(slow),
    )
    await reached.opened

    // Act
    await patchAgent('echo-3', { routingExamples: ['mirror this sentence'] }, deps).then(
      keepIndexed(),
    )
    release.open()
    await older

    // Assess: the later example's own text scores 1, the older one's is gone.
    const card = (await registry.get('echo-3'))?.card ?? validCard(backend.url)
    const later = await searchFinds('echo-3', routingExampleText('mirror this sentence', card))
    const replaced = await searchFinds('echo-3', routingExampleText('parrot my words', card))
    expect(later[0]?.score).toBeCloseTo(1, 5)
    expect(replaced[0]?.score).toBeLessThan(0.9)
    expect((await registry.get('echo-3'))?.indexed).toBe(true)
  })

  it('marks the agent not indexed when a late indexing cannot bring the index to its later change', async () => {
    // Prepare: the slow embedder cannot embed the later change's example.
    await register('echo-4')
    const { slow, reached, release } = slowEmbedder('mirror this sentence')
    const older = patchAgent('echo-4', { routingExamples: ['parrot my words'] }, deps).then(
      keepIndexed(slow),
    )
    await reached.opened

    // Act
    await patchAgent('echo-4', { routingExamples: ['mirror this sentence'] }, deps).then(
      keepIndexed(),
    )
    release.open()
    await older

    // Assess: `npm start`, a sync or `npm run reindex` embeds it again.
    expect((await registry.get('echo-4'))?.indexed).toBe(false)
  })

  it('does not put back the vectors of an agent deactivated while npm run reindex was embedding', async () => {
    // Prepare
    await register('echo-5')
    const { slow, reached, release } = slowEmbedder()
    const reindex = reindexAgents(
      registry,
      { embedder: slow, index },
      (record) => record.agentId === 'echo-5',
      () => {},
    )
    await reached.opened

    // Act
    await patchAgent('echo-5', { status: 'inactive' }, deps).then(keepIndexed())
    release.open()
    await reindex

    // Assess
    expect(await searchFinds('echo-5')).toEqual([])
  })
  it('npm run reindex removes the vectors no agent has (a process died before its re-read), and keeps every registered agent’s', async () => {
    // Prepare: a deleted agent's vectors put back by a late indexing, its re-read never made
    await register('echo-6', ['say it back'])
    await register('echo-7')
    const { after: deleted } = await patchAgent('echo-7', { routingExamples: ['gone soon'] }, deps)
    await deleteAgent('echo-7', deps)
    if (!deleted) throw new Error('echo-7 was not changed')
    await indexAgent(deleted, { embedder, index })
    expect(await searchFinds('echo-7')).toHaveLength(1)
    const reported: string[] = []

    // Act
    const outcome = await removeOrphanVectors(registry, { embedder, index }, ({ agentId, error }) =>
      reported.push(error ? `failed ${agentId}` : agentId),
    )

    // Assess
    expect(reported).toContain('echo-7')
    expect(reported).not.toContain('echo-6')
    expect(outcome.failed).toBe(0)
    expect(await searchFinds('echo-7')).toEqual([])
    expect((await index.keys()).filter((key) => key.startsWith('echo-7'))).toEqual([])
    expect(await searchFinds('echo-6', 'say it back')).toHaveLength(1)
  })

  it('does not remove the vectors of an agent registered again while npm run reindex found it gone', async () => {
    // Prepare: echo-8's vectors outlived its delete; it is registered again right after the
    // removal reads it gone, before its vectors go
    const { reading, registeredAgain } = await registeredAgainOnRead('echo-8', 'first life')
    const reported: string[] = []

    // Act
    const outcome = await removeOrphanVectors(reading, { embedder, index }, ({ agentId }) =>
      reported.push(agentId),
    )

    // Assess: indexed as it now is, and not said to be removed
    expect(registeredAgain()).toBe(true)
    expect(reported).not.toContain('echo-8')
    expect(outcome.failed).toBe(0)
    expect(await searchFinds('echo-8')).toHaveLength(1)
  })
  it('removes a vector of an agent no record names whatever its key’s form (another tool’s), once', async () => {
    // Prepare
    const [vector] = await embedTexts(embedder, ['an echo from elsewhere'])
    const metadata = { agentId: 'ghost', status: 'active' as const }
    await index.put([
      { key: 'ghost#legacy', vector: vector as number[], metadata },
      { key: 'ghost#example-60', vector: vector as number[], metadata },
    ])

    // Act
    const first = await removeOrphanVectors(registry, { embedder, index }, () => {})
    const second = await removeOrphanVectors(registry, { embedder, index }, () => {})

    // Assess
    expect(first.removed).toBeGreaterThanOrEqual(1)
    expect((await index.keys()).filter((key) => key.startsWith('ghost'))).toEqual([])
    expect(second).toEqual({ removed: 0, failed: 0 })
  })

  it('marks an agent registered while its old vectors went, and then not embedded, as not indexed, saying it has an agent', async () => {
    // Prepare: echo-9's vectors outlived its delete; it is registered again (and indexed) right
    // after the removal reads it gone, and the embedder then fails
    const { reading } = await registeredAgainOnRead('echo-9', 'second life')
    const failing: Embedder = {
      ...embedder,
      name: 'failing',
      dimension: embedder.dimension,
      embed: async () => {
        throw new Error('Bedrock throttled')
      },
    }
    const reported: { agentId: string; registered?: boolean }[] = []

    // Act
    const outcome = await removeOrphanVectors(
      reading,
      { embedder: failing, index },
      ({ agentId, registered }) => reported.push({ agentId, registered }),
    )

    // Assess: `npm start`, a sync or npm run reindex embeds it again
    expect(outcome.failed).toBeGreaterThanOrEqual(1)
    expect(reported).toContainEqual({ agentId: 'echo-9', registered: true })
    expect((await registry.get('echo-9'))?.indexed).toBe(false)
  })
})
