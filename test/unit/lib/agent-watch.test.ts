import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { watchAgent } from '../../../lib/backend/agent-watch.ts'

describe('watching the agent of an open stream', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('aborts the backend request the first time the stream is withdrawn, saying why', async () => {
    // Prepare
    const answers = [undefined, 'token-revoked' as const]
    const check = vi.fn(async () => answers.shift())
    const backendRequest = new AbortController()
    const watch = watchAgent(check, 250, backendRequest)

    // Act
    await vi.advanceTimersByTimeAsync(250)
    const afterFirst = backendRequest.signal.aborted
    await vi.advanceTimersByTimeAsync(250)
    await vi.advanceTimersByTimeAsync(1000)

    // Assess
    expect(afterFirst).toBe(false)
    expect(backendRequest.signal.aborted).toBe(true)
    expect(watch.withdrawn()).toBe('token-revoked')
    expect(check).toHaveBeenCalledTimes(2)
  })

  it('takes a failed check for no verdict, and stops asking once stopped', async () => {
    // Prepare
    const check = vi.fn(async () => {
      throw new Error('ProvisionedThroughputExceededException')
    })
    const backendRequest = new AbortController()
    const watch = watchAgent(check, 250, backendRequest)

    // Act
    await vi.advanceTimersByTimeAsync(500)
    watch.stop()
    await vi.advanceTimersByTimeAsync(1000)

    // Assess
    expect(backendRequest.signal.aborted).toBe(false)
    expect(watch.withdrawn()).toBeUndefined()
    expect(check).toHaveBeenCalledTimes(2)
  })
})
