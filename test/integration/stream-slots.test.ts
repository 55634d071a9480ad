import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoStreamSlots } from '../../lib/ratelimit/stream-slots.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('open-stream slots on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let slots: DynamoStreamSlots

  beforeAll(async () => {
    database = await startDatabase('slots-')
    slots = new DynamoStreamSlots({
      client: documentClientOn(database),
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
