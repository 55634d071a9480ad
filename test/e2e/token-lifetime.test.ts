import { decodeJwt, importJWK, type JWTPayload, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOrCreateSigningKey, type SigningKey } from '../../local/identity.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'

/** Tokens through the local gateway with API Gateway's authorizer cache (300 s per token). */
describe('token lifetime and scopes through the local gateway', () => {
  let stack: RunningStack
  let key: SigningKey
  let valid: string

  beforeAll(async () => {
    stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 300 })
    key = await loadOrCreateSigningKey(stack.stateDir)
    valid = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  /** Signs claims as the real issuer would, so only the named difference matters. */
  const signed = async (claims: JWTPayload) =>
    new SignJWT({ ...decodeJwt(valid), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .sign(await importJWK(key.privateJwk, 'RS256'))

  const now = () => Math.floor(Date.now() / 1000)

  const callCalculator = (token: string) =>
    fetch(`${stack.url}/agents/calculator/message:send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify({
        message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] },
      }),
    })
  const listAgents = (token: string) =>
    fetch(`${stack.url}/agents`, { headers: { authorization: `Bearer ${token}` } })

  it('refuses a token that expired while its authorizer answer was cached: 401 in each route’s shape', async () => {
    // Prepare: both routes warm first (a loaded runner took over 5 s for a first call), then
    // a token expired 52 s ago, inside the 60 s of skew the verifier allows, so it is
    // authorized and its answer cached; then the skew runs out too.
    expect((await callCalculator(valid)).status).toBe(200)
    expect((await listAgents(valid)).status).toBe(200)
    const exp = now() - 52
    const token = await signed({ exp })
    expect((await callCalculator(token)).status).toBe(200)
    expect((await listAgents(token)).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, (exp + 61) * 1000 - Date.now()))

    // Act
    const call = await callCalculator(token)
    const list = await listAgents(token)

    // Assess
    expect(call.status).toBe(401)
    expect((await call.json()).error).toMatchObject({
      code: 401,
      status: 'UNAUTHENTICATED',
      message: expect.stringMatching(/expired; get a new token/),
    })
    expect(list.status).toBe(401)
    expect(list.headers.get('content-type')).toBe('application/problem+json')
    expect(await list.json()).toMatchObject({ status: 401, title: 'Token expired' })
  })

  it('refuses a token issued more than 60 s in the future', async () => {
    // Act
    const response = await callCalculator(await signed({ iat: now() + 3600 }))

    // Assess
    expect(response.status).toBe(401)
  })

  it('gives an unprefixed admin scope no admin rights when a resource-server prefix is set', async () => {
    // Prepare: the gateway's admin scope is switchboard/admin; a bare `admin` names another server's.
    const token = await signed({ scope: 'admin switchboard/calculator:invoke' })

    // Act
    const admin = await fetch(`${stack.url}/admin/agents`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const call = await callCalculator(token)

    // Assess
    expect(admin.status).toBe(403)
    expect(call.status).toBe(200)
  })
})
