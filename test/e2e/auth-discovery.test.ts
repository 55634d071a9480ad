import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'

/**
 * Standard auth discovery through the local gateway: a client with nothing but
 * the gateway's address reads a public card or gets a 401 whose challenge names
 * the RFC 9728 metadata, follows it to the issuer and its token endpoint, and
 * comes back with a token.
 */
describe('auth discovery, end to end', () => {
  let stack: RunningStack
  const cacheTtl = process.env.REGISTRY_CACHE_TTL_MS

  beforeAll(async () => {
    // Every card read sees the record as the last PATCH left it.
    process.env.REGISTRY_CACHE_TTL_MS = '0'
    stack = await startThrowawayStack()
  })
  afterAll(async () => {
    await stack.stop()
    if (cacheTtl === undefined) delete process.env.REGISTRY_CACHE_TTL_MS
    else process.env.REGISTRY_CACHE_TTL_MS = cacheTtl
  })

  const metadataUrl = () => `${stack.url}/.well-known/oauth-protected-resource`
  const challenge = () => `Bearer resource_metadata="${metadataUrl()}"`
  const cardOf = (agentId: string, token?: string) =>
    fetch(`${stack.url}/agents/${agentId}/.well-known/agent-card.json`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
  const patchAgent = async (agentId: string, body: unknown) =>
    fetch(`${stack.url}/admin/agents/${agentId}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${await stack.token('admin-client')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    })

  it('answers a call without a token 401 with a Bearer challenge naming the metadata document', async () => {
    // Act
    const missing = await fetch(`${stack.url}/agents`)
    const refused = await fetch(`${stack.url}/search`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'weather' }),
    })

    // Assess: API Gateway's own 401 cannot tell the two apart, so neither names an error
    for (const response of [missing, refused]) {
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(challenge())
    }
  })

  it('serves the RFC 9728 metadata without a token, leading to a token endpoint that works', async () => {
    // Act
    const response = await fetch(metadataUrl())
    const metadata = await response.json()
    const issuerMetadata = await (
      await fetch(`${metadata.authorization_servers[0]}/.well-known/openid-configuration`)
    ).json()
    const tokenAnswer = await fetch(issuerMetadata.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'weather-client',
        client_secret: 'weather-secret-local-only',
        scope: 'switchboard/weather:invoke',
      }),
    })
    const { access_token: token } = await tokenAnswer.json()

    // Assess
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(metadata).toMatchObject({
      resource: stack.url,
      authorization_servers: [stack.url],
      bearer_methods_supported: ['header'],
    })
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(['switchboard/weather:invoke', 'switchboard/admin']),
    )
    expect(tokenAnswer.status).toBe(200)
    expect((await cardOf('weather', token)).status).toBe(200)
  })

  // The card route has no authorizer, so its 401 is the handler's: a REST API passes a Lambda's
  // WWW-Authenticate on only as x-amzn-Remapped-WWW-Authenticate, and the emulator does the same.
  it('refuses a granted card without a token: 401, its challenge under the name API Gateway remaps it to', async () => {
    // Act
    const response = await cardOf('weather')

    // Assess
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBeNull()
    expect(response.headers.get('x-amzn-remapped-www-authenticate')).toBe(challenge())
    expect((await response.json()).error.status).toBe('UNAUTHENTICATED')
  })

  it('refuses a granted card with a bad token: 401 saying invalid_token, under the remapped name', async () => {
    // Act
    const response = await cardOf('weather', 'not-a-token')

    // Assess
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBeNull()
    expect(response.headers.get('x-amzn-remapped-www-authenticate')).toMatch(
      new RegExp(`^${challenge().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, error="invalid_token"`),
    )
  })

  it('serves a granted card to a token granted the agent, and refuses one without the grant with 403', async () => {
    // Prepare
    const weatherOnly = await stack.token('weather-client')

    // Act
    const granted = await cardOf('weather', weatherOnly)
    const notGranted = await cardOf('calculator', weatherOnly)

    // Assess
    expect(granted.status).toBe(200)
    expect((await granted.json()).supportedInterfaces[0].url).toBe(`${stack.url}/agents/weather`)
    expect(notGranted.status).toBe(403)
  })

  it('answers a card request for an unknown agent as for a granted one: 401, then 403, never who exists', async () => {
    // Act
    const anonymous = await cardOf('nobody-here')
    const withToken = await cardOf('nobody-here', await stack.token('weather-client'))

    // Assess
    expect(anonymous.status).toBe(401)
    expect(withToken.status).toBe(403)
  })

  it('serves a card made public by PATCH to anyone, with how to get a token, until it is made granted again', async () => {
    // Act
    const patched = await patchAgent('calculator', { cardVisibility: 'public' })
    const publicCard = await cardOf('calculator')
    const withBadToken = await cardOf('calculator', 'not-a-token')
    const reverted = await patchAgent('calculator', { cardVisibility: 'granted' })
    const grantedAgain = await cardOf('calculator')

    // Assess
    expect(patched.status).toBe(200)
    expect((await patched.json()).cardVisibility).toBe('public')
    expect(publicCard.status).toBe(200)
    const card = await publicCard.json()
    expect(card.securitySchemes.switchboard.oauth2SecurityScheme).toMatchObject({
      flows: { clientCredentials: { tokenUrl: `${stack.url}/oauth2/token` } },
      oauth2MetadataUrl: `${stack.url}/.well-known/openid-configuration`,
    })
    expect(withBadToken.status).toBe(200)
    expect(reverted.status).toBe(200)
    expect(grantedAgain.status).toBe(401)
  })

  it('refuses a PATCH naming an unknown card visibility with a 400 that names the field', async () => {
    // Act
    const response = await patchAgent('weather', { cardVisibility: 'everyone' })

    // Assess
    expect(response.status).toBe(400)
    expect((await response.json()).detail).toMatch(/cardVisibility/)
  })

  it('keeps GET /agents and /search behind a token even for a public card', async () => {
    // Prepare
    await patchAgent('weather', { cardVisibility: 'public' })

    // Act
    const listed = await fetch(`${stack.url}/agents`)
    await patchAgent('weather', { cardVisibility: 'granted' })

    // Assess
    expect(listed.status).toBe(401)
  })
})
