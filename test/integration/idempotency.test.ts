import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDynamoClient } from '../../lib/dynamo.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, type TestDatabase } from '../support/databases.ts'
import { lambdaContext } from '../support/events.ts'

describe.each(databaseEngines)('idempotency records on %s', (_engine, startDatabase) => {
  let database: TestDatabase

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'local'
    process.env.AWS_SECRET_ACCESS_KEY = 'local'
    database = await startDatabase('idem-')
  })
  afterAll(() => database.stop())

  it('runs a request once per Idempotency-Key and replays its answer, on the table lib/tables.ts defines', async () => {
    // Prepare
    const work = vi.fn(async (event: { body: { n: number } }, _context: unknown) => ({
      statusCode: 201,
      body: `made ${event.body.n}`,
    }))
    const handler = makeIdempotent(work, {
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: tableName('idempotency', 'idem-'),
        awsSdkV3Client: createDynamoClient({
          region: 'us-east-1',
          dynamoDbEndpoint: database.endpoint,
        }),
      }),
      config: new IdempotencyConfig({
        eventKeyJmesPath: 'headers."Idempotency-Key"',
        payloadValidationJmesPath: 'body',
      }),
    })
    const event = { headers: { 'Idempotency-Key': 'k-1' }, body: { n: 1 } }

    // Act
    const first = await handler(event, lambdaContext('test'))
    const replay = await handler(event, lambdaContext('test'))
    const misuse = await handler({ ...event, body: { n: 2 } }, lambdaContext('test')).catch(
      (caught: unknown) => caught,
    )

    // Assess
    expect(work).toHaveBeenCalledOnce()
    expect(replay).toEqual(first)
    expect((misuse as Error).name).toBe('IdempotencyValidationError')
  })
})
