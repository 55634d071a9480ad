import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchAgentCard } from '../../lib/backend/fetch-card.ts'
import { createDocumentClient } from '../../lib/dynamo.ts'
import {
  AgentAlreadyRegisteredError,
  AgentCardUnreachableError,
  BackendUrlRejectedError,
  InvalidAgentCardError,
} from '../../lib/errors.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { parseCidrs } from '../../lib/registry/backend-address.ts'
import { registerAgent } from '../../lib/registry/register-agent.ts'
import { tableName } from '../../lib/tables.ts'
import { closedPort, startCardServer, validCard } from '../support/card-server.ts'
import { databaseEngines, type TestDatabase } from '../support/databases.ts'

const localPolicy = { mode: 'local' as const, allowed: parseCidrs(['127.0.0.0/8']) }

describe.each(databaseEngines)('agent registration on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let registry: DynamoAgentRegistry

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'local'
    process.env.AWS_SECRET_ACCESS_KEY = 'local'
    database = await startDatabase('it-')
    backend = await startCardServer()
    const client = createDocumentClient({
      region: 'us-east-1',
      dynamoDbEndpoint: database.endpoint,
    })
    registry = new DynamoAgentRegistry(client, tableName('agents', 'it-'))
  })
  afterAll(async () => {
    await backend.stop()
    await database.stop()
  })

  const register = (agentId: string, overrides: Record<string, unknown> = {}) =>
    registerAgent(
      { agentId, backendUrl: backend.url, agentCardUrl: backend.cardUrl, ...overrides },
      { registry, fetchCard: (url) => fetchAgentCard(url, 2_000), addressPolicy: localPolicy },
    )

  it('stores the agent with its card and the endpoints of its bindings', async () => {
    // Prepare
    backend.serve(validCard(backend.url))

    // Act
    await register('echo')

    // Assess
    const stored = await registry.get('echo')
    expect(stored).toMatchObject({
      agentId: 'echo',
      status: 'active',
      protocolVersion: '1.0',
      endpoints: { JSONRPC: `${backend.url}/a2a/jsonrpc` },
      card: { name: 'Echo Agent' },
    })
  })

  it('refuses a second agent with the same id and keeps the first', async () => {
    // Prepare
    backend.serve({ ...validCard(backend.url), name: 'Impostor' })

    // Act
    const error = await register('echo').catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(AgentAlreadyRegisteredError)
    expect((await registry.get('echo'))?.card.name).toBe('Echo Agent')
  })

  it('stores nothing when the card is not a valid A2A card, and says what is wrong', async () => {
    // Prepare
    backend.serve({ name: 'Half a card' })

    // Act
    const error = await register('half').catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(InvalidAgentCardError)
    expect((error as InvalidAgentCardError).problems.join(' ')).toMatch(/description/)
    expect(await registry.get('half')).toBeUndefined()
  })

  it('stores nothing when the card URL answers with an error status', async () => {
    // Prepare
    backend.serve('not found', 404)

    // Act
    const error = await register('missing').catch((caught: unknown) => caught)

    // Assess
    expect((error as Error).message).toMatch(/answered HTTP 404/)
    expect(await registry.get('missing')).toBeUndefined()
  })

  it('stores nothing when nothing answers at the card URL', async () => {
    // Prepare
    const port = await closedPort()

    // Act
    const error = await register('nowhere', {
      agentCardUrl: `http://127.0.0.1:${port}/.well-known/agent-card.json`,
    }).catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(AgentCardUnreachableError)
    expect((error as Error).message).toMatch(/ECONNREFUSED/)
    expect(await registry.get('nowhere')).toBeUndefined()
  })

  it('refuses plain-http backends outside local mode before fetching anything', async () => {
    // Prepare
    const before = backend.requests()

    // Act
    const error = await registerAgent(
      { agentId: 'plain', backendUrl: backend.url, agentCardUrl: backend.cardUrl },
      {
        registry,
        fetchCard: (url) => fetchAgentCard(url, 2_000),
        addressPolicy: { ...localPolicy, mode: 'aws' },
      },
    ).catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(BackendUrlRejectedError)
    expect(backend.requests()).toBe(before)
  })
})
