import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { DynamoRateLimiter } from '../../lib/ratelimit/rate-limiter.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('rate limiter on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let client: ReturnType<typeof createDocumentClient>
  // 20 s into a minute: 40 s are left in the window.
  let now = Date.UTC(2026, 10, 23, 12, 0, 20)

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'local'
    process.env.AWS_SECRET_ACCESS_KEY = 'local'
    database = await startDatabase('rl-')
    client = createDocumentClient({ region: 'us-east-1', dynamoDbEndpoint: database.endpoint })
  })
  afterAll(() => database.stop())

  const limiter = () =>
    new DynamoRateLimiter({
      client,
      tableName: tableName('rateLimits', 'rl-'),
      windowSeconds: 60,
      now: () => now,
    })

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
})
