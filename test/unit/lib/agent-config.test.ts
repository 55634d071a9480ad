import { describe, expect, it } from 'vitest'
import { agentConfigSchema } from '../../../lib/registry/agent-config.ts'

describe('an agent config’s URLs', () => {
  it.each([
    ['backendUrl', { backendUrl: 'https://ops:hunter2@billing.example.com/a2a' }],
    ['agentCardUrl', { agentCardUrl: 'https://ops:hunter2@billing.example.com/card.json' }],
    [
      'auth.tokenUrl',
      {
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: 'https://ops:hunter2@id.example.com/token',
          clientId: 'gw',
          clientSecret: 's',
        },
      },
    ],
  ])('refuses credentials in %s, saying where they belong', (field, given) => {
    // Act
    const parsed = agentConfigSchema.safeParse({
      agentId: 'billing',
      backendUrl: 'https://billing.example.com/a2a',
      agentCardUrl: 'https://billing.example.com/card.json',
      ...given,
    })

    // Assess: a URL is stored, shown and audited as it is; a secret goes to the secret store.
    expect(parsed.success).toBe(false)
    const issue = parsed.error?.issues.find((each) => each.path.join('.') === field)
    expect(issue?.message).toMatch(/must not hold a user name or password/)
  })

  it('takes a URL with a port, a path and a query', () => {
    // Act
    const parsed = agentConfigSchema.safeParse({
      agentId: 'billing',
      backendUrl: 'https://billing.example.com:8443/a2a?tenant=eu',
      agentCardUrl: 'https://billing.example.com:8443/.well-known/agent-card.json',
    })

    // Assess
    expect(parsed.success).toBe(true)
  })

  it('says a backendUrl left out is required, as it says of agentId, not that it is a wrong one', () => {
    // Act: a typo (`backendURL`) leaves the field out, as `{}` does
    const parsed = agentConfigSchema.safeParse({
      agentId: 'billing',
      agentCardUrl: 'https://billing.example.com/card.json',
    })

    // Assess
    const issue = parsed.error?.issues.find((each) => each.path.join('.') === 'backendUrl')
    expect(issue?.message).toBe('is required (an http(s) URL or an AgentCore runtime ARN)')
  })
})
