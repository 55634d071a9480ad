import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'
import { invoke, sampleEvent } from '../support/events.ts'
import { localHandlerEnv } from '../support/handler-env.ts'

const tablePrefix = 'scope-path-'
const [[, startDynalite]] = databaseEngines.filter(([engine]) => engine === 'dynalite') as [
  (typeof databaseEngines)[number],
]

/**
 * A scope in the admin API's path as API Gateway's REST API hands it to the handler: the
 * segment as the client sent it, still percent-encoded (`pathParameters` are not decoded there,
 * nor by the emulator). A client that encodes each segment (the console's `pathOf`,
 * `encodeURIComponent`, Python's `quote(safe='')`) sends `weather:invoke` as `weather%3Ainvoke`.
 */
describe('a scope in the admin path as API Gateway passes it', () => {
  let database: TestDatabase
  let stateDir: string
  let handler: (event: never, context: never) => Promise<unknown>
  const saved = { ...process.env }

  beforeAll(async () => {
    database = await startDynalite(tablePrefix)
    stateDir = await mkdtemp(join(tmpdir(), 'scope-path-'))
    Object.assign(process.env, {
      ...localHandlerEnv(database.endpoint, tablePrefix),
      SECRETS_FILE: join(stateDir, 'secrets.json'),
      EMBEDDER: 'hashing',
      EMBEDDING_DIMENSION: '64',
      VECTOR_INDEX: 'local',
      VECTOR_INDEX_FILE: join(stateDir, 'vectors.json'),
    })
    vi.resetModules()
    handler = (await import('../../handlers/admin.ts')).handler as never
    const client = documentClientOn(database)
    try {
      await client.send(
        new PutCommand({
          TableName: tableName('permissions', tablePrefix),
          Item: { scope: 'weather:invoke', agents: ['weather'], version: 7 },
        }),
      )
    } finally {
      client.destroy()
    }
  })
  afterAll(async () => {
    process.env = saved
    await database?.stop()
    await rm(stateDir, { recursive: true, force: true })
  })

  /** GET /admin/permissions/{scope} with the segment `sent`, as API Gateway's event carries it. */
  const read = (sent: string) =>
    invoke(
      handler,
      sampleEvent<APIGatewayProxyEvent>('admin-register-agent.json', (event) => {
        event.httpMethod = 'GET'
        event.resource = '/admin/permissions/{scope}'
        event.path = `/admin/permissions/${sent}`
        event.pathParameters = { scope: sent }
        event.body = null
        event.headers = { host: '127.0.0.1:3000' }
        event.multiValueHeaders = { host: ['127.0.0.1:3000'] }
        event.requestContext.httpMethod = 'GET'
        event.requestContext.resourcePath = '/admin/permissions/{scope}'
        event.requestContext.requestId = crypto.randomUUID()
      }),
    ) as Promise<{ statusCode: number; body: string }>

  it('reads a scope whose ":" came percent-encoded as the scope it names, and refuses what decodes to no scope', async () => {
    // Act
    const answers = await Promise.all(
      [
        'weather:invoke',
        'weather%3Ainvoke',
        'weather%3ainvoke',
        'weather%2Finvoke',
        'weather%ZZ',
      ].map(async (sent) => {
        const { statusCode, body } = await read(sent)
        return { sent, statusCode, body: JSON.parse(body) }
      }),
    )

    // Assess: the same permission however the ":" was written
    const permission = { scope: 'weather:invoke', agents: ['weather'], etag: expect.any(String) }
    const refused = { errors: [{ field: 'scope', rule: expect.any(String) }] }
    expect(answers).toEqual([
      { sent: 'weather:invoke', statusCode: 200, body: permission },
      { sent: 'weather%3Ainvoke', statusCode: 200, body: permission },
      { sent: 'weather%3ainvoke', statusCode: 200, body: permission },
      // ...and a segment that decodes to no scope (or does not decode) still a 400 naming scope
      { sent: 'weather%2Finvoke', statusCode: 400, body: expect.objectContaining(refused) },
      { sent: 'weather%ZZ', statusCode: 400, body: expect.objectContaining(refused) },
    ])
  })
})
