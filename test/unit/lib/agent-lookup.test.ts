import { describe, expect, it } from 'vitest'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { cachedLookup, stillServed } from '../../../lib/registry/agent-registry.ts'

const recordOf = (agentId: string, createdAt = '2026-12-01T00:00:00.000Z') =>
  ({ agentId, status: 'active', createdAt }) as AgentRecord

/**
 * A registry holding `agents`, counting its reads, on a clock the test moves; a
 * read takes `readMs` of that clock, in the registry's state when it began.
 */
const setup = (agents: string[], readMs = 0) => {
  const stored = new Map(agents.map((agentId) => [agentId, recordOf(agentId)]))
  let reads = 0
  let clock = 0
  const registry = {
    get: async (agentId: string) => {
      reads++
      const record = stored.get(agentId)
      clock += readMs
      await Promise.resolve()
      return record
    },
  }
  const lookup = cachedLookup(registry, 750, () => clock)
  return {
    lookup,
    register: (agentId: string, createdAt?: string) =>
      stored.set(agentId, recordOf(agentId, createdAt)),
    remove: (agentId: string) => stored.delete(agentId),
    advance: (ms: number) => {
      clock += ms
    },
    reads: () => reads,
  }
}

describe('looking agents up for calls', () => {
  it('reads a burst of calls to one agent from the table once, and again after the TTL', async () => {
    // Prepare
    const { lookup, advance, reads } = setup(['weather'])

    // Act
    for (let i = 0; i < 5; i++) await lookup('weather')
    advance(750)
    await lookup('weather')

    // Assess
    expect(reads()).toBe(2)
  })

  it('serves an agent registered a moment after a call that missed it', async () => {
    // Prepare
    const { lookup, register } = setup([])

    // Act
    const before = await lookup('billing')
    register('billing')
    const after = await lookup('billing')

    // Assess
    expect(before).toBeUndefined()
    expect(after).toMatchObject({ agentId: 'billing' })
  })
})

describe('looking agents up after a delete', () => {
  it('serves no record older than the TTL counted from when its read began', async () => {
    // Prepare: the read takes 500 ms and began before the delete was written.
    const { lookup, remove, advance } = setup(['weather'], 500)
    const read = lookup('weather')
    remove('weather')
    await read

    // Act
    advance(250)
    const atTtl = await lookup('weather')

    // Assess: 750 ms after the read began, not after it ended.
    expect(atTtl).toBeUndefined()
  })

  it('serves no deleted agent a second later when the clock steps back meanwhile', async () => {
    // Prepare: read at 10:00:00; the machine's clock is then set back an hour (NTP stepping it).
    const { lookup, remove, advance } = setup(['weather'])
    advance(3_600_000)
    await lookup('weather')
    remove('weather')

    // Act
    advance(-3_600_000)
    advance(1_000)
    const aSecondLater = await lookup('weather')

    // Assess: the record read "in the future" is of no known age, so it is read again.
    expect(aSecondLater).toBeUndefined()
  })

  it('lets concurrent misses share one read', async () => {
    // Prepare
    const { lookup, reads } = setup(['weather'])

    // Act
    const records = await Promise.all([lookup('weather'), lookup('weather'), lookup('weather')])

    // Assess
    expect(records.every((record) => record?.agentId === 'weather')).toBe(true)
    expect(reads()).toBe(1)
  })
})

describe('an open stream asking whether its agent is still served', () => {
  it('hears yes for the same registration, no once it is deleted or registered again', async () => {
    // Prepare
    const { lookup, remove, register, advance } = setup(['weather'])
    const record = (await lookup('weather')) as AgentRecord
    const check = stillServed(lookup, record)

    // Act
    const before = await check()
    remove('weather')
    advance(750)
    const deleted = await check()
    register('weather', '2026-12-02T00:00:00.000Z')
    const registeredAgain = await check()

    // Assess
    expect([before, deleted, registeredAgain]).toEqual([true, false, false])
  })
})
