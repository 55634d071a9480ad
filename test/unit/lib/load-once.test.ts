import { describe, expect, it } from 'vitest'
import { loadOnce } from '../../../lib/load-once.ts'

describe('loadOnce', () => {
  it('loads once for concurrent and later uses', async () => {
    // Prepare
    let loads = 0
    const client = loadOnce(async () => {
      loads += 1
      return { id: loads }
    })

    // Act
    const [first, second] = await Promise.all([client(), client()])
    const later = await client()

    // Assess
    expect(loads).toBe(1)
    expect([first, second, later]).toEqual([{ id: 1 }, { id: 1 }, { id: 1 }])
  })

  it('tries a failed load again on the next use', async () => {
    // Prepare
    let loads = 0
    const client = loadOnce(async () => {
      loads += 1
      if (loads === 1) throw new Error('throttled')
      return 'loaded'
    })

    // Act
    const failed = await client().catch((error: Error) => error.message)
    const retried = await client()

    // Assess
    expect([failed, retried, loads]).toEqual(['throttled', 'loaded', 2])
  })
})
