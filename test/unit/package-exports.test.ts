import { describe, expect, it } from 'vitest'

describe('package exports', () => {
  it('exposes each middleware under switchboard/middlewares/<name> for other Lambdas', async () => {
    // Act
    const { agentGrant } = await import('switchboard/middlewares/agent-grant')
    const { verifiedCaller } = await import('switchboard/middlewares/verified-caller')

    // Assess
    expect(agentGrant().before).toBeTypeOf('function')
    expect(verifiedCaller().before).toBeTypeOf('function')
  })
})
