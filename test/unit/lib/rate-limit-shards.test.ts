import { describe, expect, it } from 'vitest'
import { DynamoRateLimiter } from '../../../lib/ratelimit/rate-limiter.ts'
import { shardOrder, shardQuotas } from '../../../lib/ratelimit/shards.ts'

describe('rate-limit shards', () => {
  it('splits a limit into quotas that add up to it exactly', () => {
    // Prepare
    const cases = [
      [10, 4],
      [2, 4],
      [60, 1],
      [1_000, 7],
    ] as const

    // Act
    const quotas = cases.map(([limit, shards]) => shardQuotas(limit, shards))

    // Assess
    expect(quotas[0]).toEqual([3, 3, 2, 2])
    expect(quotas[1]).toEqual([1, 1, 0, 0])
    expect(quotas.map((split) => split.reduce((sum, quota) => sum + quota, 0))).toEqual([
      10, 2, 60, 1_000,
    ])
  })

  it('tries every shard with a quota once, from the starting one round', () => {
    // Prepare
    const quotas = shardQuotas(2, 4)

    // Act
    const order = shardOrder(quotas, 3)

    // Assess
    expect(order).toEqual([0, 1])
    expect(shardOrder(shardQuotas(8, 4), 2)).toEqual([2, 3, 0, 1])
  })

  it('refuses a shard count it cannot keep exact', () => {
    // Prepare
    const build = (shards: number) => () =>
      new DynamoRateLimiter({
        client: { send: () => undefined } as never,
        tableName: 'rate-limits',
        windowSeconds: 60,
        shards,
      })

    // Act, Assess
    const refusal = 'DynamoRateLimiter: options.shards must be an integer from 1 to 64'
    expect(build(0)).toThrow(refusal)
    expect(build(65)).toThrow(refusal)
    expect(build(1.5)).toThrow(refusal)
  })
})
