import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableName } from '../../lib/tables.ts'
import { startCognitoStandIn } from '../support/cognito-stand-in.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'
import { invoke, sampleEvent } from '../support/events.ts'
import { localHandlerEnv } from '../support/handler-env.ts'

const userPoolId = 'us-east-1_Gateway1'
const tablePrefix = 'cognito-admin-'
const [, startDynalite] = databaseEngines[0] as (typeof databaseEngines)[number]

/**
 * The admin handler as on AWS: scopes in Cognito (a stand-in), its lease in
 * DynamoDB (dynalite), wired from configuration alone.
 */
describe('the admin handler changing scopes in Cognito', () => {
  let database: TestDatabase
  let cognito: Awaited<ReturnType<typeof startCognitoStandIn>>
  let handler: (event: never, context: never) => Promise<unknown>
  const saved = { ...process.env }

  beforeAll(async () => {
    database = await startDynalite(tablePrefix)
    cognito = await startCognitoStandIn({
      userPoolId,
      identifier: 'switchboard',
      scopes: [{ ScopeName: 'admin', ScopeDescription: 'The admin API' }],
    })
    Object.assign(process.env, {
      ...localHandlerEnv(database.endpoint, tablePrefix),
      SCOPE_PREFIX: 'switchboard/',
      COGNITO_USER_POOL_ID: userPoolId,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url,
    })
    delete process.env.IDENTITY_FILE
    handler = (await import('../../handlers/admin.ts')).handler as never
  })
  afterAll(async () => {
    process.env = saved
    await cognito?.stop()
    await database?.stop()
  })

  const putScope = (scope: string, description: string) =>
    invoke(
      handler,
      sampleEvent<APIGatewayProxyEvent>('admin-register-agent.json', (event) => {
        event.httpMethod = 'PUT'
        event.resource = '/admin/scopes/{scope}'
        event.path = `/admin/scopes/${encodeURIComponent(scope)}`
        event.pathParameters = { scope }
        event.requestContext.httpMethod = 'PUT'
        event.requestContext.resourcePath = '/admin/scopes/{scope}'
        event.body = JSON.stringify({ description })
      }),
    ) as Promise<{ statusCode: number; body: string }>

  const listClients = (query: Record<string, string>) =>
    invoke(
      handler,
      sampleEvent<APIGatewayProxyEvent>('admin-register-agent.json', (event) => {
        event.httpMethod = 'GET'
        event.resource = '/admin/clients'
        event.path = '/admin/clients'
        event.body = null
        event.queryStringParameters = query
        event.multiValueQueryStringParameters = Object.fromEntries(
          Object.entries(query).map(([name, value]) => [name, [value]]),
        )
        event.requestContext.httpMethod = 'GET'
        event.requestContext.resourcePath = '/admin/clients'
      }),
    ) as Promise<{ statusCode: number; body: string }>

  it('lists a pool of 150 clients a page at a time, each page one ListUserPoolClients and its clients described', async () => {
    // Prepare
    const names = Array.from({ length: 150 }, (_, i) => `app-${String(i).padStart(3, '0')}`)
    for (const name of names) cognito.holdClient(name, ['switchboard/admin'])
    cognito.requests.length = 0

    // Act: every page in turn, as the console reads them.
    const pages: { clients: { name: string; scopes: string[] }[]; cursor?: string }[] = []
    const sentPerPage: Record<string, number>[] = []
    let cursor: string | undefined
    do {
      const before = cognito.requests.length
      const answer = await listClients(cursor ? { cursor } : {})
      expect(answer.statusCode).toBe(200)
      const page = JSON.parse(answer.body) as (typeof pages)[number]
      pages.push(page)
      const sent: Record<string, number> = {}
      for (const { operation } of cognito.requests.slice(before))
        sent[operation] = (sent[operation] ?? 0) + 1
      sentPerPage.push(sent)
      cursor = page.cursor
    } while (cursor !== undefined)

    // Assess
    expect(pages.map(({ clients }) => clients.length)).toEqual([60, 60, 30])
    expect(sentPerPage).toEqual([
      { ListUserPoolClients: 1, DescribeUserPoolClient: 60 },
      { ListUserPoolClients: 1, DescribeUserPoolClient: 60 },
      { ListUserPoolClients: 1, DescribeUserPoolClient: 30 },
    ])
    expect(pages.flatMap(({ clients }) => clients.map(({ name }) => name)).sort()).toEqual(names)
    expect(pages[0]?.clients[0]?.scopes).toEqual(['admin'])
  })

  it('refuses a cursor Cognito does not take as a 400 naming it, as one that is not a cursor at all', async () => {
    // Act: well-formed, but no NextToken Cognito gave; then not base64url at all
    const unknown = await listClients({ cursor: Buffer.from('page-made-up').toString('base64url') })
    const malformed = await listClients({ cursor: 'not a cursor!' })
    const tooMany = await listClients({ limit: '61' })

    // Assess
    for (const answer of [unknown, malformed]) {
      expect(answer.statusCode).toBe(400)
      expect(answer.body).toContain('is not a cursor this API gave out')
    }
    expect(tooMany.statusCode).toBe(400)
    expect(tooMany.body).toContain('must be a whole number from 1 to 60')
  })

  it('keeps both of two scopes defined at once, and leaves no lease behind', async () => {
    // Act: each reads the resource server's list before it writes it back whole
    const answers = await Promise.all([
      putScope('reports:invoke', 'Reports'),
      putScope('billing:invoke', 'Billing'),
    ])

    // Assess
    expect(answers.map(({ statusCode }) => statusCode)).toEqual([201, 201])
    const written = cognito.sent('UpdateResourceServer').at(-1)?.input.Scopes as {
      ScopeName: string
    }[]
    expect(written.map(({ ScopeName }) => ScopeName).sort()).toEqual([
      'admin',
      'billing:invoke',
      'reports:invoke',
    ])
    const client = documentClientOn(database)
    const settings = await client
      .send(new ScanCommand({ TableName: tableName('settings', tablePrefix) }))
      .finally(() => client.destroy())
    expect(settings.Items).toEqual([])
  })
})
