import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type DeleteVectorsCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
} from '@aws-sdk/client-s3vectors'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { LocalVectorIndex } from '../../../lib/discovery/local-vector-index.ts'
import { S3VectorsIndex } from '../../../lib/discovery/s3-vectors-index.ts'

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
      topK: 3,
      queryVector: { float32: [0.1, 0.2] },
      filter: {
        $and: [{ agentId: { $in: ['weather', 'calculator'] } }, { status: { $eq: 'active' } }],
      },
      returnDistance: true,
    })
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
})
