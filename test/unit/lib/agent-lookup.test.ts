import { describe, expect, it } from 'vitest'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { cachedLookup } from '../../../lib/registry/agent-registry.ts'

const recordOf = (agentId: string) => ({ agentId, status: 'active' }) as AgentRecord

/** A registry holding `agents`, counting its reads, on a clock the test moves. */
const setup = (agents: string[]) => {
  const stored = new Set(agents)
  let reads = 0
  let clock = 0
  const registry = {
    get: async (agentId: string) => {
      reads++
      return stored.has(agentId) ? recordOf(agentId) : undefined
    },
  }
  const lookup = cachedLookup(registry, 10_000, () => clock)
  return {
    lookup,
    register: (agentId: string) => stored.add(agentId),
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
    advance(10_001)
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
