import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { tableName } from '../../lib/tables.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'
import { invoke, sampleEvent } from '../support/events.ts'
import { localHandlerEnv } from '../support/handler-env.ts'

const tablePrefix = 'register-route-'

/**
 * The admin handler's registration route as on AWS, wired from configuration alone, on each
 * database engine: DynamoDB Local refuses index keys that dynalite takes (an empty one).
 */
describe.each(databaseEngines)(
  'POST /admin/register through the admin handler on %s',
  (_engine, startDatabase) => {
    let database: TestDatabase
    let backend: Awaited<ReturnType<typeof startCardServer>>
    let stateDir: string
    let handler: (event: never, context: never) => Promise<unknown>
    const saved = { ...process.env }

    beforeAll(async () => {
      database = await startDatabase(tablePrefix)
      backend = await startCardServer()
      backend.serve(validCard(backend.url))
      stateDir = await mkdtemp(join(tmpdir(), 'register-route-'))
      Object.assign(process.env, {
        ...localHandlerEnv(database.endpoint, tablePrefix),
        BACKEND_ALLOWED_CIDRS: '127.0.0.0/8',
        SECRETS_FILE: join(stateDir, 'secrets.json'),
        EMBEDDER: 'hashing',
        EMBEDDING_DIMENSION: '64',
        VECTOR_INDEX: 'local',
        VECTOR_INDEX_FILE: join(stateDir, 'vectors.json'),
        // As Terraform sets it (its name): the stack's own secret prefix and tag.
        STACK_NAME: 'prod',
      })
      // The handler reads its configuration once, at import: one module per engine.
      vi.resetModules()
      handler = (await import('../../handlers/admin.ts')).handler as never
    })
    afterAll(async () => {
      process.env = saved
      await backend?.stop()
      await database?.stop()
      await rm(stateDir, { recursive: true, force: true })
    })

    const register = (body: unknown, headers: Record<string, string> = {}) =>
      invoke(
        handler,
        sampleEvent<APIGatewayProxyEvent>('admin-register-agent.json', (event) => {
          event.body = JSON.stringify(body)
          Object.assign(event.headers, headers)
          event.requestContext.requestId = crypto.randomUUID()
        }),
      ) as Promise<{ statusCode: number; body: string }>
    const configOf = (agentId: string) => ({
      agentId,
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
    })
    const auditEntries = async () => {
      const client = documentClientOn(database)
      try {
        const { Items } = await client.send(
          new ScanCommand({ TableName: tableName('audit', tablePrefix), ConsistentRead: true }),
        )
        return Items ?? []
      } finally {
        client.destroy()
      }
    }

    it.each([
      ['empty', ''],
      ['of 3,000 characters', 'a'.repeat(3000)],
    ])(
      'refuses an agentId %s with a 400 naming agentId, writing nothing',
      async (_name, agentId) => {
        // Prepare
        const entriesBefore = (await auditEntries()).length

        // Act
        const answer = await register(configOf(agentId))

        // Assess
        expect(answer.statusCode).toBe(400)
        const problem = JSON.parse(answer.body) as { errors: { field: string; rule: string }[] }
        expect(problem.errors.map(({ field }) => field)).toEqual(['agentId'])
        expect((await auditEntries()).length).toBe(entriesBefore)
      },
    )

    it('refuses a card holding a number its record could not keep with a 422 naming where, not a 500', async () => {
      // Prepare: 1e20 in an extension's params, past what the document client writes
      backend.serve({
        ...validCard(backend.url),
        capabilities: { extensions: [{ uri: 'urn:x', params: { n: 1e20 } }] },
      })

      // Act
      const answer = await register(configOf('big-number'))
      backend.serve(validCard(backend.url))

      // Assess
      expect(answer.statusCode).toBe(422)
      expect(answer.body).toContain('capabilities.extensions[0].params.n holds a number')
    })

    it('refuses a card holding an empty key with a 422 naming where, not a 500', async () => {
      // Prepare: DynamoDB (and DynamoDB Local) refuses an empty attribute name at any depth
      backend.serve({
        ...validCard(backend.url),
        capabilities: { extensions: [{ uri: 'urn:x', params: { '': 1 } }] },
      })

      // Act
      const answer = await register(configOf('empty-key'))
      backend.serve(validCard(backend.url))

      // Assess
      expect(answer.statusCode).toBe(422)
      expect(answer.body).toContain('capabilities.extensions[0].params holds an empty key')
    })

    it.each([
      ['80,000 empty skills', 'skills', '{}', 'invalid-agent-card'],
      ['80,000 signatures of {}', 'signatures', '{}', 'invalid-agent-card'],
    ])(
      'refuses a card of %s with a 422 listing the first problems, not tens of MB past what a Lambda may answer',
      async (_name, field, entry, type) => {
        // Prepare: 240 KB of card, within its 256 KiB; a sentence per problem was 34 and 19 MB
        const card = JSON.stringify({ ...validCard(backend.url), [field]: [0] })
        backend.serve(card.replace('[0]', `[${Array(80_000).fill(entry).join(',')}]`))

        // Act
        const answer = await register(configOf(`many-problems-${field}`))
        backend.serve(validCard(backend.url))

        // Assess
        expect(answer.statusCode).toBe(422)
        expect(answer.body.length).toBeLessThan(20_000)
        const problem = JSON.parse(answer.body) as { type: string; problems: string[] }
        expect(problem.type).toMatch(new RegExp(`${type}$`))
        // Skills: the first ten and how many more; signatures: more than a card may carry.
        expect(problem.problems.at(-1)).toMatch(/^and \d+ more|card carries at most 10 \(/)
        expect(problem.problems.length).toBeLessThanOrEqual(11)
      },
    )

    it('replays a registration whose answer passes what its idempotency record holds to its retry, not a 409', async () => {
      // Prepare: 250 KB of 9e15s answer 850 KB (each written back as 16 digits)
      const card = JSON.stringify({
        ...validCard(backend.url),
        capabilities: { extensions: [{ uri: 'urn:x', params: { n: [0] } }] },
      })
      backend.serve(card.replace('[0]', `[${Array(50_000).fill('9e15').join(',')}]`))
      const key = { 'idempotency-key': 'large-card-1' }

      // Act
      const first = await register(configOf('large-card'), key)
      const retry = await register(configOf('large-card'), key)
      backend.serve(validCard(backend.url))

      // Assess
      expect(first.statusCode).toBe(201)
      expect(first.body.length).toBeGreaterThan(800_000)
      expect(retry).toEqual(first)
    })

    it('takes an empty Idempotency-Key as no key, so two different registrations sent with one both run', async () => {
      // Act
      const first = await register(configOf('empty-key-a'), { 'idempotency-key': '' })
      const second = await register(configOf('empty-key-b'), { 'idempotency-key': '' })

      // Assess
      expect([first.statusCode, second.statusCode]).toEqual([201, 201])
      expect(JSON.parse(second.body)).toMatchObject({ agentId: 'empty-key-b' })
    })

    it("stores an inline secret under the stack's own prefix, tagged for the stack (STACK_NAME)", async () => {
      // Act
      const answer = await register({
        ...configOf('with-key'),
        auth: { type: 'api_key', apiKey: 'k-1' },
      })

      // Assess: another stack's roles reach neither (terraform/iam.tf).
      expect(answer.statusCode).toBe(201)
      const stored = JSON.parse(await readFile(join(stateDir, 'secrets.json'), 'utf8')) as Record<
        string,
        { name: string; tags: Record<string, string> }
      >
      const [secret] = Object.values(stored)
      expect(Object.keys(stored)).toHaveLength(1)
      expect(secret?.name).toMatch(/^switchboard\/prod\/agents\/with-key\//)
      expect(secret?.tags).toEqual({
        'switchboard:agent-id': 'with-key',
        'switchboard:stack': 'prod',
      })
    })
  },
)
