import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DynamoStreamSlots } from '../../lib/ratelimit/stream-slots.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('open-stream slots on %s', (engine, startDatabase) => {
  const table = tableName('rateLimits', 'slots-')
  let database: TestDatabase
  let client: DynamoDBDocumentClient
  let slots: DynamoStreamSlots

  beforeAll(async () => {
    database = await startDatabase('slots-')
    client = documentClientOn(database)
    slots = new DynamoStreamSlots({ client, tableName: table })
  })
  afterAll(() => database.stop())

  const itemOf = async (principal: string) => {
    const key = { pk: `${principal}#weather#streams` }
    return (await client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })))
      .Item
  }

  const stream = { principal: 'client-1', resource: 'weather', limit: 3 }

  it('grants exactly the cap to concurrent openers and frees a slot on release', async () => {
    // Act
    const granted = await Promise.all(Array.from({ length: 10 }, () => slots.acquire(stream)))
    const opened = granted.filter((slot) => slot !== undefined)
    if (opened[0]) await slots.release(opened[0])
    const afterRelease = await slots.acquire(stream)

    // Assess
    expect(opened).toHaveLength(3)
    expect(new Set(opened.map((slot) => slot.id)).size).toBe(3)
    expect(afterRelease).toBeDefined()
  })

  it('frees one place for a slot released twice', async () => {
    // Prepare
    const other = { principal: 'client-2', resource: 'weather', limit: 1 }
    const first = await slots.acquire(other)

    // Act
    if (first) {
      await slots.release(first)
      await slots.release(first)
    }
    const second = await slots.acquire(other)
    const third = await slots.acquire(other)

    // Assess
    expect([first, second, third].map(Boolean)).toEqual([true, true, false])
  })

  it('leaves no item behind when it gives back a slot whose item is gone', async () => {
    // Act: the item expired (TTL) before the stream gave its slot back
    await slots.release({ principal: 'client-3', resource: 'weather', id: '1#gone' })

    // Assess: no bare key, which would never expire
    expect(await itemOf('client-3')).toBeUndefined()
  })

  /**
   * Stream slots on a client that sends the `nth` take (an acquire's `ADD`) twice, as the SDK
   * retries a request whose answer was lost: the second finds the first's slot.
   */
  const slotsRetryingTake = (nth: number) => {
    const retried = documentClientOn(database)
    const send = retried.send.bind(retried) as (command: unknown) => Promise<unknown>
    let takes = 0
    vi.spyOn(retried, 'send').mockImplementation((async (command: unknown) => {
      const expression = (command as { input?: { UpdateExpression?: string } }).input
        ?.UpdateExpression
      if (!expression?.startsWith('ADD') || ++takes !== nth) return send(command)
      await send(command)
      return send(command)
    }) as never)
    return new DynamoStreamSlots({ client: retried, tableName: table })
  }

  it('holds the slot when a retried acquire finds it taken by its own first attempt', async () => {
    // Prepare: cap 1; the acquire's write is sent twice, so the retry finds the cap reached by
    // its own slot
    const onRetried = slotsRetryingTake(1)
    const one = { principal: 'client-6', resource: 'weather', limit: 1 }

    // Act
    const slot = await onRetried.acquire(one)

    // Assess: the slot is the caller's, and giving it back frees the place
    expect(slot).toBeDefined()
    if (slot) await onRetried.release(slot)
    expect(await slots.acquire(one)).toBeDefined()
  })

  it('holds the slot when the take after removing lapsed slots is retried and finds its own', async () => {
    // Prepare: cap 1, held by a slot that lapsed (its expiry in the past); the take that follows
    // the removal is sent twice
    const lapsedItem = { pk: 'client-7#weather#streams', slots: new Set(['1000#lapsed']) }
    await client.send(new PutCommand({ TableName: table, Item: lapsedItem }))
    const onRetried = slotsRetryingTake(2)
    const one = { principal: 'client-7', resource: 'weather', limit: 1 }

    // Act
    const slot = await onRetried.acquire(one)

    // Assess: the caller holds it, and giving it back frees the place
    expect(slot).toBeDefined()
    if (slot) await onRetried.release(slot)
    expect(await slots.acquire(one)).toBeDefined()
  })

  it("ignores the old counter's `open` on an item written before slots lapsed", async () => {
    // Prepare: the old code's item, its counter at the cap of 2 (two leaked slots)
    const old = { principal: 'client-4', resource: 'weather', limit: 2 }
    await client.send(
      new PutCommand({
        TableName: table,
        Item: { pk: 'client-4#weather#streams', open: 2, expiresAt: 1_700_000_000 },
      }),
    )

    // Act
    const opened = [await slots.acquire(old), await slots.acquire(old), await slots.acquire(old)]
    for (const slot of opened) if (slot) await slots.release(slot)

    // Assess: the cap counts slots only; `open` is left as it was
    expect(opened.map(Boolean)).toEqual([true, true, false])
    expect(await itemOf('client-4')).toMatchObject({ open: 2 })
    expect((await itemOf('client-4'))?.slots).toBeUndefined()
  })

  it("reads a refusal's item alike on the SDK's own path (the lean one's fallback)", async () => {
    // Prepare: a plain document client, which the lean one falls back to (a FIPS endpoint, say)
    const sdk = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'us-east-1', endpoint: database.endpoint }),
    )
    let now = Date.parse('2026-12-05T12:00:00Z')
    const onSdk = new DynamoStreamSlots({ client: sdk, tableName: table, now: () => now })
    const one = { principal: 'client-5', resource: 'weather', limit: 1 }
    await onSdk.acquire(one)
    const refused = await onSdk.acquire(one)
    now += 15 * 60_000
    const send = vi.spyOn(sdk, 'send')

    // Act
    const afterLapse = await onSdk.acquire(one)

    // Assess
    expect(refused).toBeUndefined()
    expect(afterLapse).toBeDefined()
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(
      engine === 'dynalite'
        ? ['UpdateCommand', 'GetCommand', 'UpdateCommand', 'UpdateCommand']
        : ['UpdateCommand', 'UpdateCommand', 'UpdateCommand'],
    )
    sdk.destroy()
  })
})
