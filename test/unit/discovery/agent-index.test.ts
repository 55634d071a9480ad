import {
  DeleteVectorsCommand,
  PutVectorsCommand,
  type S3VectorsClient,
} from '@aws-sdk/client-s3vectors'
import { describe, expect, it } from 'vitest'
import { indexAgent, indexChange, unindexAgent } from '../../../lib/discovery/agent-index.ts'
import { HashingEmbedder } from '../../../lib/discovery/hashing-embedder.ts'
import { LocalVectorIndex } from '../../../lib/discovery/local-vector-index.ts'
import { S3VectorsIndex } from '../../../lib/discovery/s3-vectors-index.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'

const record: AgentRecord = {
  agentId: 'weather',
  backendUrl: 'http://127.0.0.1:4001',
  agentCardUrl: 'http://127.0.0.1:4001/.well-known/agent-card.json',
  auth: { type: 'none' },
  status: 'active',
  card: {
    name: 'Weather',
    description: 'Forecasts and climate for any city.',
    version: '1.0.0',
    supportedInterfaces: [],
    capabilities: {},
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
  },
  protocolVersion: '1.0',
  endpoints: { JSONRPC: 'http://127.0.0.1:4001/a2a/jsonrpc' },
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  indexed: false,
}

const setup = (overrides: {
  embed?: () => Promise<number[]>
  annotate?: () => Promise<boolean>
}) => {
  const embedder = new HashingEmbedder(256)
  const index = new LocalVectorIndex()
  const warnings: string[] = []
  const annotated: unknown[] = []
  const deps = {
    embedder: overrides.embed ? { ...embedder, embed: overrides.embed } : embedder,
    index,
    registry: {
      /** The record as the change wrote it: nothing changed meanwhile. */
      get: async () => record,
      annotate: async (at: Pick<AgentRecord, 'agentId' | 'updatedAt'>, fields: unknown) => {
        annotated.push({ agentId: at.agentId, updatedAt: at.updatedAt, fields })
        return overrides.annotate ? overrides.annotate() : true
      },
    },
    warn: (message: string) => void warnings.push(message),
  }
  const vectorKeys = async () =>
    (await index.query(await embedder.embed('weather'), { topK: 5, agentIds: ['weather'] })).map(
      ({ key }) => key,
    )
  return { deps, warnings, annotated, vectorKeys }
}

describe('keeping the index in step with an admin change', () => {
  it('indexes the agent and notes it on the record as written', async () => {
    // Prepare
    const { deps, annotated, vectorKeys } = setup({})

    // Act
    const after = await indexChange(record, deps)

    // Assess
    expect(after.indexed).toBe(true)
    expect(await vectorKeys()).toEqual(['weather'])
    expect(annotated).toEqual([
      { agentId: 'weather', updatedAt: record.updatedAt, fields: { indexed: true } },
    ])
  })

  it('keeps the change, marked not indexed, when embedding fails', async () => {
    // Prepare
    const { deps, warnings, annotated } = setup({
      embed: async () => {
        throw new Error('Bedrock throttled')
      },
    })

    // Act
    const after = await indexChange(record, deps)

    // Assess
    expect(after.indexed).toBe(false)
    expect(annotated).toEqual([])
    expect(warnings).toEqual([expect.stringMatching(/not indexed/)])
  })

  it('keeps the change when the note cannot be written, or the record changed meanwhile', async () => {
    // Prepare
    const failing = setup({
      annotate: async () => {
        throw new Error('DynamoDB throttled')
      },
    })
    const overtaken = setup({ annotate: async () => false })

    // Act
    const afterFailure = await indexChange(record, failing.deps)
    const afterOvertaken = await indexChange(record, overtaken.deps)

    // Assess
    expect(afterFailure.indexed).toBe(false)
    expect(failing.warnings).toEqual([expect.stringMatching(/still says not/)])
    expect(afterOvertaken.indexed).toBe(false)
    expect(overtaken.warnings).toEqual([])
  })
})

describe('routing examples in the index', () => {
  /** An S3 Vectors index whose requests are kept: which keys each put and delete named. */
  const recordedS3 = () => {
    const requests: string[] = []
    const send = async (command: unknown) => {
      if (command instanceof PutVectorsCommand) {
        requests.push(`put ${command.input.vectors?.map(({ key }) => key).join(' ')}`)
      }
      if (command instanceof DeleteVectorsCommand) {
        const keys = command.input.keys ?? []
        requests.push(`delete ${keys.length} keys: ${keys[0]} .. ${keys.at(-1)}`)
      }
      return {}
    }
    const index = new S3VectorsIndex({ send } as Pick<S3VectorsClient, 'send'>, 'b', 'agents')
    return { index, requests }
  }
  const embedder = new HashingEmbedder(64)

  it('puts the card and each example under keys by position, and deletes the positions no longer used', async () => {
    // Prepare
    const { index, requests } = recordedS3()
    const examples = ['umbrella today?', 'is it cold outside', 'sunny weekend?']

    // Act
    await indexAgent({ ...record, routingExamples: examples }, { embedder, index })
    await indexAgent({ ...record, routingExamples: ['will it snow'] }, { embedder, index })
    await indexAgent(record, { embedder, index })

    // Assess
    expect(requests).toEqual([
      'put weather weather#example-0 weather#example-1 weather#example-2',
      'delete 47 keys: weather#example-3 .. weather#example-49',
      'put weather weather#example-0',
      'delete 49 keys: weather#example-1 .. weather#example-49',
      'put weather',
      'delete 50 keys: weather#example-0 .. weather#example-49',
    ])
  })

  it('removes every vector of the agent when it is deactivated or deleted', async () => {
    // Prepare
    const { index, requests } = recordedS3()

    // Act
    await indexAgent(
      { ...record, status: 'inactive', routingExamples: ['will it snow'] },
      {
        embedder,
        index,
      },
    )
    await unindexAgent('weather', { index })

    // Assess
    expect(requests).toEqual([
      'delete 51 keys: weather .. weather#example-49',
      'delete 51 keys: weather .. weather#example-49',
    ])
  })

  it('finds the agent by an example, once, in the local index; a removed example no longer finds it', async () => {
    // Prepare
    const index = new LocalVectorIndex()
    const query = await embedder.embed('umbrella today')
    const ask = async () =>
      (await index.query(query, { topK: 5, agentIds: ['weather'] })).map(({ key, score }) => ({
        key,
        found: score > 0.2,
      }))

    // Act
    await indexAgent(
      { ...record, routingExamples: ['umbrella today', 'will it snow'] },
      {
        embedder,
        index,
      },
    )
    const withExample = await ask()
    await indexAgent({ ...record, routingExamples: ['will it snow'] }, { embedder, index })
    const withoutExample = await ask()

    // Assess
    expect(withExample).toEqual([{ key: 'weather', found: true }])
    expect(withoutExample).toEqual([{ key: 'weather', found: false }])
  })
})
