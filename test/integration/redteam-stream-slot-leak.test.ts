import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoStreamSlots } from '../../lib/ratelimit/stream-slots.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

/**
 * Red team (promise: nothing half-written on failure). lib/ratelimit/stream-slots.ts says a
 * Lambda that dies without giving its slot back "leaks it only until the item's TTL, which
 * each acquire pushes to the longest a stream can live" (15 minutes). But the slot count is
 * one item per caller and agent, and every later acquire sets its `expiresAt` 15 minutes
 * ahead again, while the acquire's condition never looks at `expiresAt`: a caller who opens a
 * stream at least every 15 minutes keeps the leaked slot forever (and DynamoDB's TTL deletes
 * an expired item only within days anyway). Each stream killed at Lambda's timeout, or whose
 * give-back write failed (logged as "stream slot not released"), lowers the caller's cap for good.
 */
const [engine, startDatabase] = databaseEngines[0] as (typeof databaseEngines)[number]

describe(`red team: a leaked stream slot on ${engine}`, () => {
  let database: TestDatabase
  let now = Date.parse('2026-12-05T12:00:00Z')

  beforeAll(async () => {
    database = await startDatabase('rtslots-')
  })
  afterAll(() => database.stop())

  it('is free again an hour after the stream that took it died, while the caller kept streaming', async () => {
    // Prepare: cap 2; a stream whose Lambda died holds one slot, never given back.
    const slots = new DynamoStreamSlots({
      client: documentClientOn(database),
      tableName: tableName('rateLimits', 'rtslots-'),
      now: () => now,
    })
    const stream = { principal: 'client-1', resource: 'weather', limit: 2 }
    expect(await slots.acquire(stream)).toBe(true)
    // The caller then streams (one at a time, each given back) every 10 minutes for an hour.
    for (let minute = 10; minute <= 60; minute += 10) {
      now += 10 * 60_000
      expect(await slots.acquire(stream)).toBe(true)
      await slots.release(stream)
    }

    // Act: an hour on, the caller opens two streams at once, within its cap of 2.
    now += 60_000
    const opened = [await slots.acquire(stream), await slots.acquire(stream)]

    // Assess
    expect(opened).toEqual([true, true])
  })
})
