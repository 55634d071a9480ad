import middy from '@middy/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwtAuth } from '../../../middlewares/jwt-auth.ts'
import { invoke } from '../../support/events.ts'
import { startTokenIssuer } from '../../support/token-issuer.ts'

type Answer = { statusCode: number; headers: Record<string, string>; body: string }

describe('jwtAuth middleware', () => {
  let issuer: Awaited<ReturnType<typeof startTokenIssuer>>
  const resourceUrl = 'https://team.example.com'

  const handlerWith = (errorShape?: 'problem' | 'a2a') =>
    middy()
      .use(
        jwtAuth({
          issuer: issuer.issuer,
          jwksUrl: issuer.jwksUrl,
          scopePrefix: 'team/',
          resourceUrl,
          ...(errorShape && { errorShape }),
        }),
      )
      .handler(async (_event: unknown, context) => ({
        statusCode: 200,
        headers: {},
        body: JSON.stringify(context.jwtAuth),
      }))

  beforeAll(async () => {
    issuer = await startTokenIssuer()
  })
  afterAll(() => issuer.stop())

  it('puts principal, client, scopes and expiry on context.jwtAuth from an ALB multi-value header', async () => {
    // Prepare
    const token = await issuer.sign({ scope: 'team/a:invoke other/b:invoke' })
    const albEvent = {
      httpMethod: 'GET',
      path: '/hello',
      multiValueHeaders: { AUTHORIZATION: [`Bearer ${token}`] },
      body: null,
    }

    // Act
    const response = await invoke<Answer>(handlerWith(), albEvent)

    // Assess
    expect(response.statusCode).toBe(200)
    expect(JSON.parse(response.body)).toMatchObject({
      principal: 'client-1',
      clientId: 'client-1',
      scopes: ['a:invoke'],
      expiresAt: expect.any(Number),
    })
  })

  it('answers a refused token with a problem+json 401 and an invalid_token challenge', async () => {
    // Prepare
    const token = await issuer.sign({ scope: 'team/a:invoke', token_use: 'id' })

    // Act
    const response = await invoke<Answer>(handlerWith(), {
      headers: { Authorization: `Bearer ${token}` },
    })

    // Assess
    expect(response.statusCode).toBe(401)
    expect(response.headers['content-type']).toBe('application/problem+json')
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer resource_metadata="https:\/\/team\.example\.com\/\.well-known\/oauth-protected-resource", error="invalid_token"/,
    )
  })

  it('answers a missing token in the A2A JSON-RPC shape when asked to', async () => {
    // Prepare
    const v2Event = {
      rawPath: '/agents/team-agent',
      headers: {},
      requestContext: { http: { method: 'POST' } },
    }

    // Act
    const response = await invoke<Answer>(handlerWith('a2a'), v2Event)

    // Assess
    expect(response.statusCode).toBe(401)
    expect(JSON.parse(response.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32059 } })
    expect(response.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${resourceUrl}/.well-known/oauth-protected-resource"`,
    )
  })

  it('refuses options without an issuer when the factory is called', () => {
    // Act
    const build = () => jwtAuth({ issuer: '', jwksUrl: 'https://x.example/jwks', resourceUrl })

    // Assess
    expect(build).toThrow('jwtAuth: options.issuer must be a non-empty string')
  })
})
