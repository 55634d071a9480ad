import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { DynamoStreamSlots } from '../../lib/ratelimit/stream-slots.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('open-stream slots on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let slots: DynamoStreamSlots

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'local'
    process.env.AWS_SECRET_ACCESS_KEY = 'local'
    database = await startDatabase('slots-')
    slots = new DynamoStreamSlots({
      client: createDocumentClient({ region: 'us-east-1', dynamoDbEndpoint: database.endpoint }),
      tableName: tableName('rateLimits', 'slots-'),
    })
  })
  afterAll(() => database.stop())

  const stream = { principal: 'client-1', resource: 'weather', limit: 3 }

  it('grants exactly the cap to concurrent openers and frees a slot on release', async () => {
    // Act
    const granted = await Promise.all(Array.from({ length: 10 }, () => slots.acquire(stream)))
    await slots.release(stream)
    const afterRelease = await slots.acquire(stream)

    // Assess
    expect(granted.filter(Boolean)).toHaveLength(3)
    expect(afterRelease).toBe(true)
  })

  it('never counts below zero when released more often than acquired', async () => {
    // Prepare
    const other = { principal: 'client-2', resource: 'weather', limit: 1 }

    // Act
    await slots.release(other)
    await slots.release(other)
    const first = await slots.acquire(other)
    const second = await slots.acquire(other)

    // Assess
    expect([first, second]).toEqual([true, false])
  })
})
