import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoRateLimiter } from '../../lib/ratelimit/rate-limiter.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('rate limiter on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let client: ReturnType<typeof documentClientOn>
  // 20 s into a minute: 40 s are left in the window.
  let now = Date.UTC(2026, 10, 23, 12, 0, 20)

  beforeAll(async () => {
    database = await startDatabase('rl-')
    client = documentClientOn(database)
  })
  afterAll(() => database.stop())

  const limiter = (options: { shards?: number; client?: typeof client } = {}) =>
    new DynamoRateLimiter({
      client: options.client ?? client,
      tableName: tableName('rateLimits', 'rl-'),
      windowSeconds: 60,
      now: () => now,
      shards: options.shards,
    })

  /** A second client on the same database that counts the requests it sends. */
  const countingClient = () => {
    const counted = documentClientOn(database)
    const sent = { count: 0 }
    // Counted at `send`: the lean path (lib/dynamo-lean.ts) passes no SDK middleware.
    const send = counted.send.bind(counted)
    counted.send = ((...args: Parameters<typeof send>) => {
      sent.count += 1
      return send(...args)
    }) as typeof send
    return { client: counted, sent }
  }

  it('lets exactly 10 of 50 concurrent calls through a limit of 10, and says when to retry', async () => {
    // Prepare
    const rateLimiter = limiter()

    // Act
    const decisions = await Promise.all(
      Array.from({ length: 50 }, () =>
        rateLimiter.consume({ principal: 'client-1', resource: 'weather', limit: 10 }),
      ),
    )

    // Assess
    const allowed = decisions.filter((decision) => decision.allowed)
    const refused = decisions.filter((decision) => !decision.allowed)
    expect(allowed).toHaveLength(10)
    expect(refused).toHaveLength(40)
    expect(new Set(refused.map((decision) => decision.resetSeconds))).toEqual(new Set([40]))
    expect(allowed.map((decision) => decision.remaining).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ])
  })

  it('counts each caller and each agent apart', async () => {
    // Prepare
    const rateLimiter = limiter()

    // Act
    const other = await rateLimiter.consume({
      principal: 'client-2',
      resource: 'weather',
      limit: 10,
    })
    const otherAgent = await rateLimiter.consume({
      principal: 'client-1',
      resource: 'calculator',
      limit: 10,
    })

    // Assess
    expect([other.allowed, otherAgent.allowed]).toEqual([true, true])
  })

  it('starts the next window from zero without waiting for TTL', async () => {
    // Prepare
    const rateLimiter = limiter()
    now += 60_000

    // Act
    const decision = await rateLimiter.consume({
      principal: 'client-1',
      resource: 'weather',
      limit: 10,
    })

    // Assess
    expect(decision).toMatchObject({ allowed: true, remaining: 9 })
  })

  it('lets exactly 10 of 50 concurrent calls through a limit of 10 split over 4 shards', async () => {
    // Prepare
    const rateLimiter = limiter({ shards: 4 })

    // Act
    const decisions = await Promise.all(
      Array.from({ length: 50 }, () =>
        rateLimiter.consume({ principal: 'hot-caller', resource: 'weather', limit: 10 }),
      ),
    )

    // Assess
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10)
    expect(decisions.filter((decision) => !decision.allowed)).toHaveLength(40)
  })

  it('lets a limit smaller than the shard count through exactly, one by one', async () => {
    // Prepare
    const rateLimiter = limiter({ shards: 8 })

    // Act
    const decisions = []
    for (let call = 0; call < 5; call += 1) {
      decisions.push(
        await rateLimiter.consume({ principal: 'hot-caller', resource: 'calculator', limit: 3 }),
      )
    }

    // Assess
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false, false])
  })

  it('counts a sharded limit across limiters in different processes', async () => {
    // Prepare: two limiters stand for two warm Lambda instances sharing the table.
    const first = limiter({ shards: 4 })
    const second = limiter({ shards: 4 })

    // Act
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, call) =>
        (call % 2 ? first : second).consume({ principal: 'pair', resource: 'weather', limit: 12 }),
      ),
    )

    // Assess
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(12)
  })

  it('refuses later calls of a full window without writing to the table', async () => {
    // Prepare
    const { client: counted, sent } = countingClient()
    const rateLimiter = limiter({ client: counted })
    for (let call = 0; call < 3; call += 1) {
      await rateLimiter.consume({ principal: 'hammering', resource: 'weather', limit: 2 })
    }
    const writesWhenFull = sent.count

    // Act
    const later = await Promise.all(
      Array.from({ length: 20 }, () =>
        rateLimiter.consume({ principal: 'hammering', resource: 'weather', limit: 2 }),
      ),
    )

    // Assess
    expect(writesWhenFull).toBe(3)
    expect(later.every((decision) => !decision.allowed)).toBe(true)
    expect(sent.count).toBe(writesWhenFull)
    counted.destroy()
  })

  it('still counts a raised limit within the window it was full in', async () => {
    // Prepare
    const rateLimiter = limiter()
    await rateLimiter.consume({ principal: 'raised', resource: 'weather', limit: 1 })
    const refused = await rateLimiter.consume({
      principal: 'raised',
      resource: 'weather',
      limit: 1,
    })

    // Act
    const afterRaise = await rateLimiter.consume({
      principal: 'raised',
      resource: 'weather',
      limit: 2,
    })

    // Assess
    expect([refused.allowed, afterRaise.allowed]).toEqual([false, true])
  })
})
