import { describe, expect, it } from 'vitest'
import { grantedAgentsText, toAuthorizerContext } from '../../../lib/auth/caller.ts'

describe('the authorizer context’s agents key (read by the 403 gateway response)', () => {
  it('names the granted agents in order, or none', () => {
    // Assess
    expect(grantedAgentsText({ weather: '*', calculator: ['GetTask'] })).toBe('calculator, weather')
    expect(grantedAgentsText({})).toBe('none')
  })

  it('names at most 20 agents and counts the rest, keeping the context small', () => {
    // Prepare
    const grants = Object.fromEntries(
      Array.from({ length: 25 }, (_, index) => [
        `agent-${String(index).padStart(2, '0')}`,
        '*' as const,
      ]),
    )

    // Act
    const text = grantedAgentsText(grants)

    // Assess
    expect(text).toMatch(/^agent-00, agent-01, .*agent-19 and 5 more$/)
  })

  it('travels in the context beside the grants', () => {
    // Act
    const context = toAuthorizerContext({
      principal: 'p',
      clientId: 'c',
      scopes: [],
      grants: { weather: '*' },
      limits: { weather: 60 },
      allTasksOn: [],
      isAdmin: false,
      authorizedAt: 0,
      expiresAt: 0,
      issuedAt: 0,
    })

    // Assess
    expect(context.agents).toBe('weather')
  })
})
