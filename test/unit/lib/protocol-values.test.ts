import { AGENT_CARD_PATH, Role as SdkRole, TaskState as SdkTaskState } from '@a2a-js/sdk'
import { describe, expect, it } from 'vitest'
import { agentCardPath, Role, TaskState } from '../../../lib/a2a/protocol-values.ts'

/** An SDK enum's names and numbers, without the reverse mapping TypeScript adds to it. */
const byName = (sdkEnum: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(sdkEnum).filter(([, value]) => typeof value === 'number'))

describe('the protocol values written out of @a2a-js/sdk', () => {
  it('are the SDK’s own: the card path, and every name and number of Role and TaskState', () => {
    expect(agentCardPath).toBe(AGENT_CARD_PATH)
    expect(Role).toEqual(byName(SdkRole))
    expect(TaskState).toEqual(byName(SdkTaskState))
  })
})
