import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type DeleteVectorsCommand,
  GetVectorsCommand,
  type ListVectorsCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  type QueryVectorsCommandInput,
} from '@aws-sdk/client-s3vectors'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cosine } from '../../../lib/discovery/embedder.ts'
import { LocalVectorIndex } from '../../../lib/discovery/local-vector-index.ts'
import { S3VectorsIndex } from '../../../lib/discovery/s3-vectors-index.ts'
import { vectorKeysOf } from '../../../lib/discovery/vector-index.ts'
import { constraintsOf, s3VectorsStandIn } from '../../support/s3-vectors-stand-in.ts'

describe('local vector index', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-vectors-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  const entry = (key: string, vector: number[], status: 'active' | 'inactive' = 'active') => ({
    key,
    vector,
    metadata: { agentId: key, status },
  })

  it('ranks by cosine, only among the permitted active agents', async () => {
    // Prepare
    const index = new LocalVectorIndex(join(dir, 'index.json'))
    await index.put([
      entry('weather', [1, 0, 0]),
      entry('calculator', [0.6, 0.8, 0]),
      entry('billing', [0.9, 0.1, 0]),
      entry('paused', [1, 0, 0], 'inactive'),
    ])

    // Act
    const matches = await index.query([1, 0, 0], {
      topK: 5,
      agentIds: ['weather', 'calculator', 'paused'],
    })

    // Assess
    expect(matches.map((match) => match.key)).toEqual(['weather', 'calculator'])
    expect(matches[0]?.score).toBeCloseTo(1)
    expect(matches[1]?.score).toBeCloseTo(0.6)
  })

  it('keeps its vectors on disk, and forgets deleted ones', async () => {
    // Prepare
    await new LocalVectorIndex(join(dir, 'index.json')).delete(['calculator'])

    // Act
    const reopened = new LocalVectorIndex(join(dir, 'index.json'))
    const matches = await reopened.query([1, 0, 0], {
      topK: 5,
      agentIds: ['weather', 'calculator', 'billing'],
    })

    // Assess
    expect(matches.map((match) => match.key)).toEqual(['weather', 'billing'])
  })

  it('returns the exact cosine order and scores, the top K only, ties by key', async () => {
    // Prepare
    const index = new LocalVectorIndex()
    const stored = {
      north: [0.2, 0.9, -0.1, 0.4],
      east: [0.8, -0.3, 0.5, 0.1],
      // The same direction at two lengths: equal cosine, so the key decides.
      'tie-b': [3, 4, 0, 0],
      'tie-a': [6, 8, 0, 0],
      south: [-0.5, -0.5, 0.2, 0.7],
    }
    await index.put(Object.entries(stored).map(([key, vector]) => entry(key, vector)))
    const query = [0.5, 0.7, 0.1, -0.2]
    const expected = Object.entries(stored)
      .map(([key, vector]) => ({ key, score: cosine(query, vector) }))
      .sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))

    // Act
    const all = await index.query(query, { topK: 10, agentIds: Object.keys(stored) })
    const top3 = await index.query(query, { topK: 3, agentIds: Object.keys(stored) })

    // Assess
    expect(all.map((match) => match.key)).toEqual(expected.map((match) => match.key))
    expect(all.map((match) => match.key).slice(0, 2)).toEqual(['tie-a', 'tie-b'])
    for (const [i, match] of all.entries()) {
      expect(match.score).toBeCloseTo(expected[i]?.score as number, 6)
    }
    expect(top3).toEqual(all.slice(0, 3))
  })

  it('scores a zero vector 0 rather than NaN, stored or asked', async () => {
    // Prepare
    const index = new LocalVectorIndex()
    await index.put([entry('blank', [0, 0, 0]), entry('weather', [1, 0, 0])])

    // Act
    const stored = await index.query([1, 0, 0], { topK: 5, agentIds: ['blank', 'weather'] })
    const asked = await index.query([0, 0, 0], { topK: 5, agentIds: ['blank', 'weather'] })

    // Assess
    expect(stored).toEqual([
      { key: 'weather', score: 1 },
      { key: 'blank', score: 0 },
    ])
    expect(asked).toEqual([
      { key: 'blank', score: 0 },
      { key: 'weather', score: 0 },
    ])
  })

  it('sees what another instance put in or deleted from the same file', async () => {
    // Prepare
    const file = join(dir, 'shared.json')
    const writer = new LocalVectorIndex(file)
    const reader = new LocalVectorIndex(file)
    await writer.put([entry('weather', [1, 0, 0])])
    const agentIds = ['weather', 'calculator']
    const before = await reader.query([0, 1, 0], { topK: 5, agentIds })

    // Act
    await writer.put([entry('calculator', [0, 1, 0])])
    const afterPut = await reader.query([0, 1, 0], { topK: 5, agentIds })
    await writer.delete(['calculator'])
    const afterDelete = await reader.query([0, 1, 0], { topK: 5, agentIds })

    // Assess
    expect(before.map((match) => match.key)).toEqual(['weather'])
    expect(afterPut.map((match) => match.key)).toEqual(['calculator', 'weather'])
    expect(afterDelete.map((match) => match.key)).toEqual(['weather'])
  })

  it('keeps every change when instances on one file put and delete at once, and the file stays whole', async () => {
    // Prepare: the local stack's handlers each open the index file.
    const file = join(dir, 'busy.json')
    const instances = [new LocalVectorIndex(file), new LocalVectorIndex(file)]
    const agentIds = Array.from({ length: 24 }, (_, i) => `agent-${i}`)
    await instances[0]?.put(agentIds.slice(0, 12).map((id) => entry(id, [1, 0, 0])))

    // Act: the first twelve deleted, twelve more put, each from either instance, all at once.
    const changes = await Promise.allSettled(
      agentIds.map((id, i) => {
        const index = instances[i % 2] as LocalVectorIndex
        return i < 12 ? index.delete([id]) : index.put([entry(id, [0, 1, 0])])
      }),
    )

    // Assess
    expect(changes.filter(({ status }) => status === 'rejected')).toEqual([])
    const stored = JSON.parse(await readFile(file, 'utf8')) as { vectors: { key: string }[] }
    expect(stored.vectors.map(({ key }) => key).sort()).toEqual(agentIds.slice(12).sort())
    expect((await new LocalVectorIndex(file).keys()).sort()).toEqual(agentIds.slice(12).sort())
  })

  it('sees another instance’s write that left the file’s mtime as it was, as a coarse clock stamps two writes', async () => {
    // Prepare
    const file = join(dir, 'coarse.json')
    const [a, b] = [new LocalVectorIndex(file), new LocalVectorIndex(file)]
    const stamp = new Date('2026-12-06T00:00:00Z')
    await a.put([entry('x', [1, 0, 0])])
    await utimes(file, stamp, stamp)
    await a.keys()

    // Act
    await b.put([entry('y', [0, 1, 0])])
    await utimes(file, stamp, stamp)
    const seen = await a.keys()
    await a.put([entry('z', [0, 0, 1])])

    // Assess
    expect(seen.sort()).toEqual(['x', 'y'])
    expect((await new LocalVectorIndex(file).keys()).sort()).toEqual(['x', 'y', 'z'])
  })

  it('names the file when it is not JSON, and how to rebuild it', async () => {
    // Prepare
    const file = join(dir, 'broken.json')
    await writeFile(file, '{"vectors": []}{"vectors"')

    // Act
    const read = new LocalVectorIndex(file).keys()

    // Assess
    await expect(read).rejects.toThrow(`The search index ${file} is not JSON (`)
    await expect(new LocalVectorIndex(file).keys()).rejects.toThrow('npm run reindex')
  })

  it('never returns an inactive or a not-allowed agent, however close, and a put replaces by key', async () => {
    // Prepare
    const index = new LocalVectorIndex(join(dir, 'filtered.json'))
    await index.put([
      entry('weather', [1, 0, 0]),
      entry('forbidden', [1, 0, 0]),
      entry('calculator', [0, 1, 0]),
    ])
    const agentIds = ['weather', 'calculator']
    const before = await index.query([1, 0, 0], { topK: 5, agentIds })

    // Act
    await index.put([entry('weather', [0, 0, 1], 'inactive')])
    const deactivated = await index.query([1, 0, 0], { topK: 5, agentIds })
    await index.put([entry('weather', [0, 0, 1])])
    const moved = await index.query([0, 0, 1], { topK: 1, agentIds })

    // Assess
    expect(before.map((match) => match.key)).toEqual(['weather', 'calculator'])
    expect(deactivated.map((match) => match.key)).toEqual(['calculator'])
    expect(moved).toEqual([{ key: 'weather', score: 1 }])
  })
  it('scores an agent by the best of its vectors (card and routing examples) and lists it once', async () => {
    // Prepare
    const index = new LocalVectorIndex(join(dir, 'examples.json'))
    const of = (agentId: string, key: string, vector: number[]) => ({
      key,
      vector,
      metadata: { agentId, status: 'active' as const },
    })
    await index.put([
      of('weather', 'weather', [1, 0, 0]),
      of('calculator', 'calculator', [0, 1, 0]),
      of('calculator', 'calculator#example-0', [0.8, 0.6, 0]),
      of('calculator', 'calculator#example-1', [0, 0.6, 0.8]),
    ])

    // Act
    const matches = await index.query([0.6, 0.8, 0], {
      topK: 5,
      agentIds: ['weather', 'calculator'],
    })
    const top1 = await index.query([0.6, 0.8, 0], { topK: 1, agentIds: ['weather', 'calculator'] })

    // Assess
    expect(matches.map(({ key }) => key)).toEqual(['calculator', 'weather'])
    expect(matches[0]?.score).toBeCloseTo(0.96)
    expect(matches[1]?.score).toBeCloseTo(0.6)
    expect(top1.map(({ key }) => key)).toEqual(['calculator'])
  })
  it('never searches vectors another embedder made, says it holds them, and replaces them on its first write', async () => {
    // Prepare
    const file = join(dir, 'switched.json')
    const local = { kind: 'local', model: 'local', dimension: 3 }
    const openai = { kind: 'openai', model: 'nomic-embed-text', dimension: 3 }
    await new LocalVectorIndex(file, local).put([entry('weather', [1, 0, 0])])
    const switched = new LocalVectorIndex(file, openai)
    const agentIds = ['weather', 'calculator']

    // Act
    const holdsBefore = await switched.holdsOtherEmbedders()
    const searchedBefore = await switched.query([1, 0, 0], { topK: 5, agentIds })
    await switched.put([entry('calculator', [1, 0, 0])])
    const holdsAfter = await switched.holdsOtherEmbedders()
    const searchedAfter = await switched.query([1, 0, 0], { topK: 5, agentIds })
    const stored = JSON.parse(await readFile(file, 'utf8'))

    // Assess
    expect(holdsBefore).toBe(true)
    expect(searchedBefore).toEqual([])
    expect(holdsAfter).toBe(false)
    expect(searchedAfter.map(({ key }) => key)).toEqual(['calculator'])
    expect(stored.embedder).toEqual(openai)
    expect(await new LocalVectorIndex(file, local).holdsOtherEmbedders()).toBe(true)
  })

  it('gives the stored vectors of the keys asked, none of a key it lacks or of another embedder', async () => {
    // Prepare: weather and its routing example stored by the local embedder; a file of another's.
    const local = { kind: 'local', model: 'local', dimension: 3 }
    const file = join(dir, 'read.json')
    const index = new LocalVectorIndex(file, local)
    await index.put([
      entry('weather', [1, 0, 0]),
      { ...entry('weather', [0, 1, 0]), key: 'weather#example-0' },
    ])

    // Act
    const read = await index.vectors(['weather#example-0', 'calculator', 'weather'])
    const ofAnother = await new LocalVectorIndex(file, { ...local, kind: 'openai' }).vectors([
      'weather',
    ])

    // Assess
    expect(read).toEqual([
      { key: 'weather#example-0', vector: [0, 1, 0] },
      { key: 'weather', vector: [1, 0, 0] },
    ])
    expect(ofAnother).toEqual([])
  })

  it('takes a file of bare vectors (written before it named its embedder) as made by another embedder', async () => {
    // Prepare
    const file = join(dir, 'unnamed.json')
    await writeFile(file, JSON.stringify([entry('weather', [1, 0, 0])]))

    // Act
    const named = new LocalVectorIndex(file, { kind: 'local', model: 'local', dimension: 3 })
    const unnamed = new LocalVectorIndex(file)

    // Assess
    expect(await named.holdsOtherEmbedders()).toBe(true)
    expect(await unnamed.query([1, 0, 0], { topK: 1, agentIds: ['weather'] })).toEqual([
      { key: 'weather', score: 1 },
    ])
  })
})

describe('S3 Vectors index (contract)', () => {
  it('puts one vector per agent with its filterable metadata', async () => {
    // Prepare
    const send = vi.fn(async () => ({}))
    const index = new S3VectorsIndex({ send } as never, 'switchboard-vectors', 'agents')

    // Act
    await index.put([
      { key: 'weather', vector: [0.1, 0.2], metadata: { agentId: 'weather', status: 'active' } },
    ])
    await index.delete(['weather'])

    // Assess
    const [put] = send.mock.calls[0] as unknown as [PutVectorsCommand]
    expect(put).toBeInstanceOf(PutVectorsCommand)
    expect(put.input).toEqual({
      vectorBucketName: 'switchboard-vectors',
      indexName: 'agents',
      vectors: [
        {
          key: 'weather',
          data: { float32: [0.1, 0.2] },
          metadata: { agentId: 'weather', status: 'active' },
        },
      ],
    })
    const [deleted] = send.mock.calls[1] as unknown as [DeleteVectorsCommand]
    expect(deleted.input).toEqual({
      vectorBucketName: 'switchboard-vectors',
      indexName: 'agents',
      keys: ['weather'],
    })
  })

  it('queries with a filter to the permitted active agents and turns distance into similarity', async () => {
    // Prepare
    const send = vi.fn(async () => ({
      vectors: [{ key: 'weather', distance: 0.25 }],
      distanceMetric: 'cosine',
    }))
    const index = new S3VectorsIndex({ send } as never, 'switchboard-vectors', 'agents')

    // Act
    const matches = await index.query([0.1, 0.2], { topK: 3, agentIds: ['weather', 'calculator'] })

    // Assess
    expect(matches).toEqual([{ key: 'weather', score: 0.75 }])
    const [query] = send.mock.calls[0] as unknown as [QueryVectorsCommand]
    expect(query).toBeInstanceOf(QueryVectorsCommand)
    expect(query.input).toEqual({
      vectorBucketName: 'switchboard-vectors',
      indexName: 'agents',
      topK: 100,
      queryVector: { float32: [0.1, 0.2] },
      filter: {
        $and: [{ agentId: { $in: ['weather', 'calculator'] } }, { status: { $eq: 'active' } }],
      },
      returnDistance: true,
    })
  })

  it('puts and deletes at most 500 vectors a call, the S3 Vectors limit for each', async () => {
    // Prepare
    const send = vi.fn(async () => ({}))
    const index = new S3VectorsIndex({ send } as never, 'switchboard-vectors', 'agents')
    const keys = Array.from({ length: 1001 }, (_, i) => `agent-${i}`)

    // Act
    await index.put(
      keys.map((key) => ({
        key,
        vector: [0.1, 0.2],
        metadata: { agentId: key, status: 'active' as const },
      })),
    )
    await index.delete(keys)

    // Assess
    const sizes = send.mock.calls.map((call) => {
      const [command] = call as unknown as [PutVectorsCommand | DeleteVectorsCommand]
      const { input } = command
      return 'vectors' in input ? ['put', input.vectors?.length] : ['delete', input.keys?.length]
    })
    expect(sizes).toEqual([
      ['put', 500],
      ['put', 500],
      ['put', 1],
      ['delete', 500],
      ['delete', 500],
      ['delete', 1],
    ])
  })

  it('asks nothing of AWS for a caller with no agents', async () => {
    // Prepare
    const send = vi.fn()

    // Act
    const matches = await new S3VectorsIndex({ send } as never, 'b', 'i').query([1], {
      topK: 3,
      agentIds: [],
    })

    // Assess
    expect(matches).toEqual([])
    expect(send).not.toHaveBeenCalled()
  })

  it('lists each agent once, by its best vector, asking again without the agents found when an answer names too few', async () => {
    // Prepare: a full answer of 100 vectors naming two agents, then a short one.
    const answers = [
      {
        vectors: [
          { key: 'calculator#example-3', distance: 0.1 },
          { key: 'calculator', distance: 0.2 },
          { key: 'weather#example-0', distance: 0.3 },
          ...Array.from({ length: 48 }, (_, i) => ({
            key: `weather#example-${i + 1}`,
            distance: 0.4,
          })),
          ...Array.from({ length: 49 }, (_, i) => ({
            key: `calculator#example-${i < 3 ? i : i + 1}`,
            distance: 0.4,
          })),
        ],
      },
      { vectors: [{ key: 'billing', distance: 0.5 }] },
    ]
    const send = vi.fn(async () => answers.shift())
    const index = new S3VectorsIndex({ send } as never, 'switchboard-vectors', 'agents')

    // Act
    const matches = await index.query([0.1, 0.2], {
      topK: 3,
      agentIds: ['weather', 'calculator', 'billing', 'hr'],
    })

    // Assess
    expect(matches.map(({ key }) => key)).toEqual(['calculator', 'weather', 'billing'])
    expect(matches.map(({ score }) => score.toFixed(2))).toEqual(['0.90', '0.70', '0.50'])
    const asked = send.mock.calls.map((call) => {
      const [command] = call as unknown as [QueryVectorsCommand]
      return { topK: command.input.topK, filter: command.input.filter }
    })
    expect(asked).toEqual([
      {
        topK: 100,
        filter: {
          $and: [
            { agentId: { $in: ['weather', 'calculator', 'billing', 'hr'] } },
            { status: { $eq: 'active' } },
          ],
        },
      },
      {
        topK: 100,
        filter: {
          $and: [{ agentId: { $in: ['billing', 'hr'] } }, { status: { $eq: 'active' } }],
        },
      },
    ])
  })
  describe('a caller holding many agents', () => {
    // Seeded, so a failure can be run again as it was.
    let seed = 20261207
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32 - 0.5
    }
    const dimension = 16
    const query = Array.from({ length: dimension }, next)
    const randomVector = () => Array.from({ length: dimension }, next)
    /** Close to the query: vectors that outrank every random one. */
    const nearQuery = () => query.map((value) => value + next() / 20)
    /** The agent's card vector, and for every third agent two routing examples. */
    const vectorsOf = (agentId: string, i: number, make: () => number[]) =>
      (i % 3 === 0 ? [agentId, `${agentId}#example-0`, `${agentId}#example-1`] : [agentId]).map(
        (key) => ({ key, vector: make(), metadata: { agentId, status: 'active' as const } }),
      )
    const fleet = async (
      vectors: ReturnType<typeof vectorsOf>,
      options?: Parameters<typeof s3VectorsStandIn>[0],
    ) => {
      const standIn = s3VectorsStandIn(options)
      const index = new S3VectorsIndex(standIn.client as never, 'switchboard-vectors', 'agents')
      await index.put(vectors)
      const local = new LocalVectorIndex()
      await local.put(vectors)
      return { standIn, index, local }
    }
    const agentIdsIn = (input: QueryVectorsCommandInput) =>
      ((input.filter as { $and?: [{ agentId: { $in: string[] } }] }).$and?.[0].agentId.$in ??
        []) as string[]

    it('asks for 1,000 agents in filters of at most 100 constraints, 4 at a time, and merges them to the answer one query gives', async () => {
      // Prepare: 1,000 agents of the caller's, and 200 of others closer to the query than any.
      const held = Array.from({ length: 1000 }, (_, i) => `agent-${i}`)
      const others = Array.from({ length: 200 }, (_, i) => `other-${i}`)
      const { standIn, index, local } = await fleet([
        ...held.flatMap((agentId, i) => vectorsOf(agentId, i, randomVector)),
        ...others.flatMap((agentId, i) => vectorsOf(agentId, i, nearQuery)),
      ])

      // Act
      const matches = await index.query(query, { topK: 20, agentIds: held })

      // Assess: the one unsplit query of the local index, agent for agent.
      const unsplit = await local.query(query, { topK: 20, agentIds: held })
      expect(matches.map(({ key }) => key)).toEqual(unsplit.map(({ key }) => key))
      for (const [i, match] of matches.entries()) {
        expect(match.score).toBeCloseTo(unsplit[i]?.score as number, 6)
      }
      const [ofAll, ...groups] = standIn.queries
      expect(ofAll?.filter).toEqual({ status: { $eq: 'active' } })
      expect(ofAll?.topK).toBe(100)
      // Each group is asked once: 100 vectors of its 94 agents name more than 20 of them.
      expect(groups).toHaveLength(Math.ceil(1000 / 94))
      expect(groups.flatMap(agentIdsIn).sort()).toEqual([...held].sort())
      for (const group of groups) {
        expect(constraintsOf(group.filter)).toBeLessThanOrEqual(100)
        expect(JSON.stringify(group.filter).length).toBeLessThan(1500)
      }
      expect(standIn.mostInFlight()).toBe(4)
    })

    it('asks once, with no agent filter, for a caller holding every agent', async () => {
      // Prepare
      const every = Array.from({ length: 1200 }, (_, i) => `agent-${i}`)
      const { standIn, index, local } = await fleet(
        every.flatMap((agentId, i) => vectorsOf(agentId, i, randomVector)),
      )

      // Act
      const matches = await index.query(query, { topK: 20, agentIds: every })

      // Assess
      const unsplit = await local.query(query, { topK: 20, agentIds: every })
      expect(matches.map(({ key }) => key)).toEqual(unsplit.map(({ key }) => key))
      expect(standIn.queries.map(({ filter, topK }) => ({ filter, topK }))).toEqual([
        { filter: { status: { $eq: 'active' } }, topK: 100 },
      ])
    })
    it('asks a group again at most topK / 2 times when each agent has 51 vectors, all closer than the next agent’s', async () => {
      // Prepare: the most vectors an agent has (its card and 50 routing examples), agent by agent
      // further from the query, as an agent's examples, phrased as its users ask, cluster.
      const length = Math.hypot(...query)
      const along = query.map((value) => value / length)
      const side = randomVector()
      const across = side.map(
        (value, j) =>
          value -
          side.reduce((dot, x, k) => dot + x * (along[k] as number), 0) * (along[j] as number),
      )
      const acrossLength = Math.hypot(...across)
      const agents = Array.from({ length: 30 }, (_, i) => `agent-${i}`)
      const vectors = agents.flatMap((agentId, i) =>
        vectorKeysOf(agentId, 50).map((key, j) => ({
          key,
          vector: along.map(
            (value, k) => value + (i / 10 + j / 1000) * ((across[k] as number) / acrossLength),
          ),
          metadata: { agentId, status: 'active' as const },
        })),
      )
      const { standIn, index, local } = await fleet(vectors)

      // Act
      const matches = await index.query(query, { topK: 20, agentIds: agents })

      // Assess: every answer of 100 vectors names two agents (51 and 49 vectors); asked for 20,
      // then 19, and so on, each answer named one.
      const unsplit = await local.query(query, { topK: 20, agentIds: agents })
      expect(matches.map(({ key }) => key)).toEqual(unsplit.map(({ key }) => key))
      expect(standIn.queries).toHaveLength(10)
    })

    it('reads an answer that comes in pages to its end: a page shorter than topK is not all there is', async () => {
      // Prepare: pages of 7 vectors; a caller of one group, and one of several.
      const agents = Array.from({ length: 300 }, (_, i) => `agent-${i}`)
      const { standIn, index, local } = await fleet(
        agents.flatMap((agentId, i) => vectorsOf(agentId, i, randomVector)),
        { pageSize: 7 },
      )

      // Act
      const ofFew = await index.query(query, { topK: 20, agentIds: agents.slice(0, 40) })
      const ofMany = await index.query(query, { topK: 20, agentIds: agents.slice(0, 250) })

      // Assess: both as one unpaged, unsplit query answers.
      for (const [matches, agentIds] of [
        [ofFew, agents.slice(0, 40)],
        [ofMany, agents.slice(0, 250)],
      ] as const) {
        const unsplit = await local.query(query, { topK: 20, agentIds })
        expect(matches.map(({ key }) => key)).toEqual(unsplit.map(({ key }) => key))
      }
      expect(standIn.queries.some(({ nextToken }) => nextToken !== undefined)).toBe(true)
    })
  })

  it('reads stored vectors with their data, at most 100 keys a GetVectors, leaving out keys it lacks', async () => {
    // Prepare: 250 keys; the index holds only the first of each batch.
    const keys = Array.from({ length: 250 }, (_, i) => `agent-${i}`)
    const send = vi.fn(async (command: GetVectorsCommand) => ({
      vectors: [{ key: command.input.keys?.[0], data: { float32: [0.5, 0.25] } }],
    }))
    const index = new S3VectorsIndex({ send } as never, 'switchboard-vectors', 'agents')

    // Act
    const read = await index.vectors(keys)

    // Assess
    expect(read).toEqual(
      ['agent-0', 'agent-100', 'agent-200'].map((key) => ({ key, vector: [0.5, 0.25] })),
    )
    const asked = (send.mock.calls as unknown as [GetVectorsCommand][]).map(([command]) => {
      expect(command).toBeInstanceOf(GetVectorsCommand)
      return command.input
    })
    expect(asked).toEqual(
      [keys.slice(0, 100), keys.slice(100, 200), keys.slice(200)].map((batch) => ({
        vectorBucketName: 'switchboard-vectors',
        indexName: 'agents',
        keys: batch,
        returnData: true,
      })),
    )
  })

  it('takes a GetVectors refused as not found as holding none of its keys, and fails on any other error', async () => {
    // Prepare
    const refusal = (name: string) => Object.assign(new Error(name), { name })
    const notFound = new S3VectorsIndex(
      { send: vi.fn(async () => Promise.reject(refusal('NotFoundException'))) } as never,
      'switchboard-vectors',
      'agents',
    )
    const throttled = new S3VectorsIndex(
      { send: vi.fn(async () => Promise.reject(refusal('ThrottlingException'))) } as never,
      'switchboard-vectors',
      'agents',
    )

    // Act
    const read = await notFound.vectors(['weather'])
    const failing = throttled.vectors(['weather'])

    // Assess
    expect(read).toEqual([])
    await expect(failing).rejects.toThrow('ThrottlingException')
  })

  it('lists the key of every vector it holds, following every page of ListVectors, without their data', async () => {
    // Prepare: two pages, an agent's card and example vectors split between them
    const pages = [
      { vectors: [{ key: 'weather' }, { key: 'weather#example-0' }], nextToken: 'page-2' },
      { vectors: [{ key: 'weather#example-1' }, { key: 'gone-agent' }] },
    ]
    const send = vi.fn(async () => pages.shift())
    const index = new S3VectorsIndex({ send } as never, 'switchboard-vectors', 'agents')

    // Act
    const keys = await index.keys()

    // Assess
    expect(keys).toEqual(['weather', 'weather#example-0', 'weather#example-1', 'gone-agent'])
    const asked = (send.mock.calls as unknown as [ListVectorsCommand][]).map(
      ([command]) => command.input,
    )
    expect(asked).toEqual([
      { vectorBucketName: 'switchboard-vectors', indexName: 'agents', maxResults: 1000 },
      {
        vectorBucketName: 'switchboard-vectors',
        indexName: 'agents',
        maxResults: 1000,
        nextToken: 'page-2',
      },
    ])
  })
})
