import { describe, expect, it, vi } from 'vitest'
import { backendCredentials } from '../../../lib/backend/credentials.ts'
import type { BackendAuth } from '../../../lib/registry/agent-record.ts'

// Red team: `oauth2_client_credentials` caches a token per agent and secret value
// (lib/backend/auth/oauth2-client-credentials.ts, `tokenFor`), not per token endpoint, client
// and scopes. A PUT that keeps the secret (the operator's tagged `clientSecretArn`) and changes
// the rest is a new record, read by every agents instance within 750 ms, yet the next calls
// still carry the token fetched under the old record until it expires.

/** The operator's own secret, tagged for the agent: a PUT names it again, unchanged. */
const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:ops/billing-client-AbCdEf'

const before: BackendAuth = {
  type: 'oauth2_client_credentials',
  tokenUrl: 'https://old-idp.example.com/oauth2/token',
  clientId: 'gateway',
  scopes: ['billing.admin'],
  secretArn,
  secretOwned: false,
}

/** The same agent after a PUT: another token endpoint, another client, narrower scopes. */
const after: BackendAuth = {
  type: 'oauth2_client_credentials',
  tokenUrl: 'https://new-idp.example.com/oauth2/token',
  clientId: 'gateway-readonly',
  scopes: ['billing.read'],
  secretArn,
  secretOwned: false,
}

/** Token endpoints that each issue their own tokens, and remember who asked for what. */
const tokenEndpoints = () => {
  const asked: { url: string; scope: string | null }[] = []
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const scope = new URLSearchParams(String(init?.body)).get('scope')
    asked.push({ url: String(url), scope })
    return Response.json({
      access_token: `${new URL(String(url)).hostname}:${scope}`,
      expires_in: 3600,
    })
  })
  return { fetch: fetch as unknown as typeof globalThis.fetch, asked }
}

const callTo = {
  method: 'POST',
  url: 'https://billing.example.com/a2a',
  headers: { 'content-type': 'application/json' },
  body: new TextEncoder().encode('{}'),
}

describe('an oauth2_client_credentials token after the agent was replaced', () => {
  it('is fetched anew from the new token endpoint with the new scopes, not the token the old config got', async () => {
    // Prepare
    const endpoints = tokenEndpoints()
    const credentials = backendCredentials({
      secrets: { read: async () => 'the-same-client-secret' },
      fetch: endpoints.fetch,
    })
    await credentials.authenticate(callTo, before, { agentId: 'billing' })

    // Act: the first call after the PUT.
    const sent = await credentials.authenticate(callTo, after, { agentId: 'billing' })

    // Assess
    expect(endpoints.asked).toEqual([
      { url: before.tokenUrl, scope: 'billing.admin' },
      { url: after.tokenUrl, scope: 'billing.read' },
    ])
    expect(sent.headers.authorization).toBe('Bearer new-idp.example.com:billing.read')
  })

  it.each([
    ['token endpoint', { tokenUrl: 'https://new-idp.example.com/oauth2/token' }],
    ['client', { clientId: 'gateway-readonly' }],
    ['scopes', { scopes: ['billing.read'] }],
  ])('is fetched anew when only the %s changed', async (_changed, change) => {
    // Prepare
    const endpoints = tokenEndpoints()
    const credentials = backendCredentials({
      secrets: { read: async () => 'the-same-client-secret' },
      fetch: endpoints.fetch,
    })
    await credentials.authenticate(callTo, before, { agentId: 'billing' })

    // Act
    await credentials.authenticate(callTo, { ...before, ...change }, { agentId: 'billing' })

    // Assess
    expect(endpoints.asked).toHaveLength(2)
  })

  it('is the same token for the same scopes in another order', async () => {
    // Prepare
    const endpoints = tokenEndpoints()
    const credentials = backendCredentials({
      secrets: { read: async () => 'the-same-client-secret' },
      fetch: endpoints.fetch,
    })
    const scoped = { ...before, scopes: ['billing.read', 'billing.write'] }
    await credentials.authenticate(callTo, scoped, { agentId: 'billing' })

    // Act
    const reordered = { ...scoped, scopes: ['billing.write', 'billing.read'] }
    const sent = await credentials.authenticate(callTo, reordered, { agentId: 'billing' })

    // Assess
    expect(endpoints.asked).toHaveLength(1)
    expect(sent.headers.authorization).toBe('Bearer old-idp.example.com:billing.read billing.write')
  })

  it("forgets the old config's token once the new one is fetched, and keeps other agents'", async () => {
    // Prepare
    const endpoints = tokenEndpoints()
    const credentials = backendCredentials({
      secrets: { read: async () => 'the-same-client-secret' },
      fetch: endpoints.fetch,
    })
    await credentials.authenticate(callTo, before, { agentId: 'billing' })
    await credentials.authenticate(callTo, before, { agentId: 'ledger' })
    await credentials.authenticate(callTo, after, { agentId: 'billing' })

    // Act: a call still carrying the old record (another instance had not read the PUT yet).
    await credentials.authenticate(callTo, before, { agentId: 'billing' })
    await credentials.authenticate(callTo, before, { agentId: 'ledger' })

    // Assess: billing's old token was dropped and fetched again; ledger's was kept.
    expect(endpoints.asked.map(({ url }) => url)).toEqual([
      before.tokenUrl,
      before.tokenUrl,
      after.tokenUrl,
      before.tokenUrl,
    ])
  })
})
