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
