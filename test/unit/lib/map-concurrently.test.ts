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

  it('rejects only once the calls already started have ended, so none runs on after the answer', async () => {
    // Prepare: on Lambda a call still running when the handler answers is frozen and resumes in a
    // later invocation (a webhook lookup's link write, a Cognito read)
    const ended: number[] = []
    const firstFails = async (item: number) => {
      if (item === 1) throw new Error('throttled')
      await new Promise((resolve) => setTimeout(resolve, 20))
      ended.push(item)
      return item
    }

    // Act
    const failure = await mapConcurrently([1, 2, 3, 4, 5], 3, firstFails).catch(
      (error: Error) => error.message,
    )

    // Assess: 2 and 3 had started beside 1; nothing started after it failed
    expect(failure).toBe('throttled')
    expect(ended.sort()).toEqual([2, 3])
  })
})
