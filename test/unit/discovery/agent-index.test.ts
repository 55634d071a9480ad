import { describe, expect, it } from 'vitest'
import { indexChange } from '../../../lib/discovery/agent-index.ts'
import { HashingEmbedder } from '../../../lib/discovery/hashing-embedder.ts'
import { LocalVectorIndex } from '../../../lib/discovery/local-vector-index.ts'
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
