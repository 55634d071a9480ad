import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DynamoStreamSlots } from '../../lib/ratelimit/stream-slots.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

/**
 * A slot never given back (the Lambda killed at its timeout mid-stream, a failed release
 * write) lapses on its own, 15 minutes after it was taken, however often the caller streams
 * meanwhile. Before, each acquire renewed the one counter item's TTL and its condition never
 * looked at it, so a caller streaming every few minutes kept a leaked slot for good.
 */
describe.each(databaseEngines)('stream slots lapsing on %s', (engine, startDatabase) => {
  const prefix = 'slotexp-'
  let database: TestDatabase
  let now = Date.parse('2026-12-05T12:00:00Z')
  const minutes = (count: number) => count * 60_000

  beforeAll(async () => {
    database = await startDatabase(prefix)
  })
  afterAll(() => database.stop())

  /** Slots on a clock the test moves, and the names of the requests each call sends. */
  const slotsOnClock = () => {
    const client = documentClientOn(database)
    const send = vi.spyOn(client, 'send')
    const slots = new DynamoStreamSlots({
      client,
      tableName: tableName('rateLimits', prefix),
      now: () => now,
    })
    const requestsOf = async <T>(act: () => Promise<T>) => {
      send.mockClear()
      const result = await act()
      const requests = send.mock.calls.map(([command]) => command.constructor.name)
      return { result, requests }
    }
    return { client, slots, requestsOf }
  }

  const heldBy = async (
    client: ReturnType<typeof documentClientOn>,
    principal: string,
    resource: string,
  ) => {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName('rateLimits', prefix),
        Key: { pk: `${principal}#${resource}#streams` },
        ConsistentRead: true,
      }),
    )
    return [...((Item?.slots as Set<string> | undefined) ?? [])].sort()
  }

  it('is free again an hour after the stream that took it died, while the caller kept streaming', async () => {
    // Prepare: cap 2; a stream whose Lambda died holds one slot, never given back.
    const { slots } = slotsOnClock()
    const stream = { principal: 'client-1', resource: 'weather', limit: 2 }
    expect(await slots.acquire(stream)).toBeDefined()
    // The caller then streams (one at a time, each given back) every 10 minutes for an hour.
    for (let minute = 10; minute <= 60; minute += 10) {
      now += minutes(10)
      const slot = await slots.acquire(stream)
      expect(slot).toBeDefined()
      if (slot) await slots.release(slot)
    }

    // Act: an hour on, the caller opens two streams at once, within its cap of 2.
    now += minutes(1)
    const opened = [await slots.acquire(stream), await slots.acquire(stream)]

    // Assess
    expect(opened.map(Boolean)).toEqual([true, true])
  })

  it('holds a leaked slot 15 minutes after it was taken and not a second longer', async () => {
    // Prepare: cap 2; one slot leaked; the caller streams every 5 minutes meanwhile.
    const { slots } = slotsOnClock()
    const stream = { principal: 'client-2', resource: 'weather', limit: 2 }
    const takenAt = now
    expect(await slots.acquire(stream)).toBeDefined()
    for (const at of [5, 10]) {
      now = takenAt + minutes(at)
      const slot = await slots.acquire(stream)
      expect(slot).toBeDefined()
      if (slot) await slots.release(slot)
    }

    // Act: two at once, a second before the 15 minutes are up, then at 15 minutes
    now = takenAt + minutes(15) - 1000
    const before = [await slots.acquire(stream), await slots.acquire(stream)]
    for (const slot of before) if (slot) await slots.release(slot)
    now = takenAt + minutes(15)
    const after = [await slots.acquire(stream), await slots.acquire(stream)]

    // Assess
    expect(before.map(Boolean)).toEqual([true, false])
    expect(after.map(Boolean)).toEqual([true, true])
  })

  it('holds a leaked slot taken mid-second the whole 15 minutes, not until the whole second before', async () => {
    // Prepare: cap 1; a slot taken half a second into a second, its stream's Lambda then killed.
    const { slots } = slotsOnClock()
    const stream = { principal: 'client-7', resource: 'weather', limit: 1 }
    now += 500
    const takenAt = now
    expect(await slots.acquire(stream)).toBeDefined()

    // Act: 300 ms before the 15 minutes are up, then at 15 minutes.
    now = takenAt + minutes(15) - 300
    const before = await slots.acquire(stream)
    now = takenAt + minutes(15) + 500

    // Assess: before, its expiry was the second it was taken in, so it lapsed up to a second
    // early, while the stream that took it may still be open.
    expect(before).toBeUndefined()
    expect(await slots.acquire(stream)).toBeDefined()
  })

  it('refuses an acquire at the cap with nothing lapsed in one request', async () => {
    // Prepare: cap 1, taken a minute ago
    const { slots, requestsOf } = slotsOnClock()
    const stream = { principal: 'client-3', resource: 'weather', limit: 1 }
    expect(await slots.acquire(stream)).toBeDefined()
    now += minutes(1)

    // Act
    const { result, requests } = await requestsOf(() => slots.acquire(stream))

    // Assess: DynamoDB returns the refused item with the refusal; dynalite does not, so it is read.
    expect(result).toBeUndefined()
    expect(requests).toEqual(
      engine === 'dynalite' ? ['UpdateCommand', 'GetCommand'] : ['UpdateCommand'],
    )
  })

  it('removes two lapsed slots with one write, then takes the slot', async () => {
    // Prepare: cap 2, both taken by streams that died
    const { client, slots, requestsOf } = slotsOnClock()
    const stream = { principal: 'client-4', resource: 'weather', limit: 2 }
    const leaked = [await slots.acquire(stream), await slots.acquire(stream)]
    expect(leaked.map(Boolean)).toEqual([true, true])
    now += minutes(16)

    // Act
    const { result, requests } = await requestsOf(() => slots.acquire(stream))

    // Assess: refused, the two removed, taken; only the new slot is held
    expect(result).toBeDefined()
    expect(requests).toEqual(
      engine === 'dynalite'
        ? ['UpdateCommand', 'GetCommand', 'UpdateCommand', 'UpdateCommand']
        : ['UpdateCommand', 'UpdateCommand', 'UpdateCommand'],
    )
    expect(await heldBy(client, 'client-4', 'weather')).toEqual([result?.id])
  })

  it('grants exactly the free places to concurrent openers while lapsed slots are removed', async () => {
    // Prepare: cap 3; two slots lapsed, one live
    const { client, slots } = slotsOnClock()
    const stream = { principal: 'client-5', resource: 'weather', limit: 3 }
    await slots.acquire(stream)
    await slots.acquire(stream)
    now += minutes(10)
    const live = await slots.acquire(stream)
    now += minutes(6)

    // Act
    const granted = await Promise.all(Array.from({ length: 10 }, () => slots.acquire(stream)))

    // Assess: the two lapsed places went to two openers; the live slot is still held
    const opened = granted.filter((slot) => slot !== undefined)
    expect(opened).toHaveLength(2)
    expect(await heldBy(client, 'client-5', 'weather')).toEqual(
      [live?.id, ...opened.map((slot) => slot.id)].sort(),
    )
  })
  it('takes a place another opener freed between its refusal and its read of the item', async () => {
    // Prepare: cap 2, held by a lapsed slot and a live one; another opener removes the lapsed
    // one just after this opener is refused (dynalite's refusal is read back: a race DynamoDB's
    // refusal, which carries the item, does not have).
    const client = documentClientOn(database)
    const slots = new DynamoStreamSlots({
      client,
      tableName: tableName('rateLimits', prefix),
      now: () => now,
    })
    const stream = { principal: 'client-6', resource: 'weather', limit: 2 }
    const lapsing = await slots.acquire(stream)
    now += minutes(16)
    const live = await slots.acquire(stream)
    const send = client.send.bind(client)
    vi.spyOn(client, 'send').mockImplementation((async (command: object) => {
      if (command instanceof GetCommand) {
        await send(
          new UpdateCommand({
            TableName: tableName('rateLimits', prefix),
            Key: { pk: 'client-6#weather#streams' },
            UpdateExpression: 'DELETE #slots :gone',
            ExpressionAttributeNames: { '#slots': 'slots' },
            ExpressionAttributeValues: { ':gone': new Set([lapsing?.id as string]) },
          }),
        )
      }
      return send(command as never)
    }) as never)

    // Act
    const opened = await slots.acquire(stream)

    // Assess
    expect(opened).toBeDefined()
    expect(await heldBy(client, 'client-6', 'weather')).toEqual([live?.id, opened?.id].sort())
  })
})
