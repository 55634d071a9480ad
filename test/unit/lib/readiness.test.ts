import { describe, expect, it } from 'vitest'
import { cachedCheck, checkReadiness } from '../../../lib/health/readiness.ts'

/** An embedder check cached for 30 s on the clock `now`, throttled while `failing()` says so. */
const throttledEmbedder = (failing: () => boolean, now: () => number) =>
  cachedCheck(
    {
      name: 'embedder',
      check: async () => {
        if (failing()) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' })
      },
    },
    30_000,
    now,
  )

describe('readiness checks', () => {
  it('asks a cached dependency once per period, however many probes come', async () => {
    // Prepare
    let asked = 0
    let now = 0
    const embedder = cachedCheck(
      {
        name: 'embedder',
        check: async () => {
          asked++
        },
      },
      30_000,
      () => now,
    )

    // Act
    for (let probe = 0; probe < 50; probe++) await checkReadiness([embedder], 1_000)
    now = 30_000
    const afterPeriod = await checkReadiness([embedder], 1_000)

    // Assess
    expect(asked).toBe(2)
    expect(afterPeriod.ready).toBe(true)
  })

  it('keeps answering a failure of a cached dependency until the period ends', async () => {
    // Prepare
    let now = 0
    let failing = true
    const embedder = throttledEmbedder(
      () => failing,
      () => now,
    )

    // Act
    const first = await checkReadiness([embedder], 1_000)
    failing = false
    const within = await checkReadiness([embedder], 1_000)
    now = 30_000
    const after = await checkReadiness([embedder], 1_000)

    // Assess
    expect([first.ready, within.ready, after.ready]).toEqual([false, false, true])
    expect(first.ready === false && first.failures).toEqual(['embedder: ThrottlingException'])
  })

  it('asks a cached dependency again once the clock has been set back, rather than keep its answer that long', async () => {
    // Prepare: a failure seen at 10:00; the machine's clock is then set back an hour.
    let now = 36_000_000
    let failing = true
    const embedder = throttledEmbedder(
      () => failing,
      () => now,
    )
    await checkReadiness([embedder], 1_000)
    failing = false

    // Act
    now -= 3_600_000
    now += 30_000
    const aPeriodLater = await checkReadiness([embedder], 1_000)

    // Assess: before, the failure was answered for an hour and a half-minute more.
    expect(aPeriodLater.ready).toBe(true)
  })
})
