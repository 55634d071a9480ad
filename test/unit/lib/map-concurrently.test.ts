import { describe, expect, it } from 'vitest'
import { mapConcurrently } from '../../../lib/map-concurrently.ts'

describe('mapConcurrently', () => {
  it('keeps the items’ order and no more than the limit in flight', async () => {
    // Prepare
    let inFlight = 0
    let most = 0
    const slowly = async (item: number) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise((resolve) => setImmediate(resolve))
      inFlight--
      return item * 10
    }

    // Act
    const results = await mapConcurrently([1, 2, 3, 4, 5, 6, 7], 3, slowly)

    // Assess
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70])
    expect(most).toBe(3)
  })

  it('rejects with the first failure and starts nothing after it', async () => {
    // Prepare
    const started: number[] = []
    const failingAtThree = async (item: number) => {
      started.push(item)
      await new Promise((resolve) => setImmediate(resolve))
      if (item === 3) throw new Error('throttled')
      return item
    }

    // Act
    const failure = await mapConcurrently([1, 2, 3, 4, 5, 6], 1, failingAtThree).catch(
      (error: Error) => error.message,
    )

    // Assess
    expect(failure).toBe('throttled')
    expect(started).toEqual([1, 2, 3])
  })
})
