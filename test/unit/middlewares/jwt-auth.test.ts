import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import middy, { type MiddlewareObj } from '@middy/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { jwtAuth } from '../../../middlewares/jwt-auth.ts'
import { problemDetails } from '../../../middlewares/problem-details.ts'
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

  it("answers a JSON-RPC call without a token under the call's own id", async () => {
    // Prepare: a function URL event, its body base64-encoded.
    const call = { jsonrpc: '2.0', id: 'call-9', method: 'SendMessage', params: {} }
    const functionUrlEvent = {
      rawPath: '/agents/team-agent',
      headers: {},
      requestContext: { http: { method: 'POST' } },
      body: Buffer.from(JSON.stringify(call)).toString('base64'),
      isBase64Encoded: true,
    }

    // Act
    const response = await invoke<Answer>(handlerWith('a2a'), functionUrlEvent)

    // Assess
    expect(response.statusCode).toBe(401)
    expect(JSON.parse(response.body)).toMatchObject({ id: 'call-9', error: { code: -32059 } })
  })

  it.each([
    [
      'a function URL serving one agent',
      { rawPath: '/message:send', requestContext: { http: { method: 'POST' } } },
    ],
    [
      'an HTTP API route',
      {
        routeKey: 'POST /agents/{agentId}/{proxy+}',
        rawPath: '/agents/team-agent/message:send',
        pathParameters: { agentId: 'team-agent', proxy: 'message:send' },
        requestContext: { http: { method: 'POST' } },
      },
    ],
    ['an ALB', { httpMethod: 'POST', path: '/prod/agents/team-agent/message:send', headers: {} }],
  ])(
    'answers an HTTP+JSON call without a token in the HTTP+JSON shape on %s',
    async (_on, event) => {
      // Prepare
      const call = { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] } }

      // Act
      const response = await invoke<Answer>(handlerWith('a2a'), {
        headers: {},
        ...event,
        body: JSON.stringify(call),
      })

      // Assess
      expect(response.statusCode).toBe(401)
      expect(JSON.parse(response.body)).toEqual({
        error: expect.objectContaining({ code: 401, status: 'UNAUTHENTICATED' }),
      })
    },
  )

  it('logs why each token was refused, never the token itself', async () => {
    // Prepare
    const logger = { info: vi.fn() }
    const expecting = (expected: string) =>
      middy()
        .use(
          jwtAuth({
            issuer: expected,
            jwksUrl: issuer.jwksUrl,
            scopePrefix: 'team/',
            resourceUrl,
            logger,
          }),
        )
        .handler(async () => ({ statusCode: 200 }))
    const idToken = await issuer.sign({ token_use: 'id' })
    const expired = await issuer.sign({}, { expiresIn: -3600 })
    const otherServersScope = await issuer.sign({ scope: 'other/a:invoke' })
    const sent = [
      [issuer.issuer, idToken],
      [issuer.issuer, expired],
      ['https://other-issuer.example.com', otherServersScope],
      [issuer.issuer, otherServersScope],
    ] as const

    // Act
    for (const [expected, token] of sent) {
      await invoke(expecting(expected), { headers: { authorization: `Bearer ${token}` } })
    }

    // Assess
    expect(logger.info.mock.calls).toEqual([
      ['token refused', { reason: 'token_use is not access' }],
      ['token refused', { reason: 'ERR_JWT_EXPIRED', detail: expect.stringContaining('"exp"') }],
      [
        'token refused',
        { reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED', detail: expect.stringContaining('"iss"') },
      ],
      ['token carries no scope with the prefix', { scopePrefix: 'team/' }],
    ])
    const logged = JSON.stringify(logger.info.mock.calls)
    for (const [, token] of sent) expect(logged).not.toContain(token.split('.')[2])
  })

  it('logs nothing for a request without a token, the normal first call before a 401 challenge', async () => {
    // Prepare
    const logger = { info: vi.fn() }
    const handler = middy()
      .use(jwtAuth({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, resourceUrl, logger }))
      .handler(async () => ({ statusCode: 200 }))

    // Act
    const anonymous = await invoke<Answer>(handler, { headers: {} })
    const basic = await invoke<Answer>(handler, { headers: { authorization: 'Basic dTpw' } })

    // Assess: a scheme other than Bearer is still worth a line
    expect([anonymous.statusCode, basic.statusCode]).toEqual([401, 401])
    expect(logger.info.mock.calls).toEqual([['token refused', { reason: 'no bearer token' }]])
  })

  it('answers 503 with Retry-After, not 401 or a TypeError, when the JWKS cannot be fetched', async () => {
    // Prepare: a key set URL answering 404, and one refusing connections.
    const notFound = createServer((_request, response) => response.writeHead(404).end())
    await new Promise<void>((resolve) => notFound.listen(0, '127.0.0.1', resolve))
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const jwksUrls = [
      `http://127.0.0.1:${(notFound.address() as AddressInfo).port}/jwks.json`,
      `http://127.0.0.1:${closedPort}/jwks.json`,
    ]
    const token = await issuer.sign({ scope: 'team/a:invoke' })
    const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn() }

    // Act
    const answers = await Promise.all(
      jwksUrls.map((jwksUrl) =>
        invoke<Answer>(
          middy()
            .use(problemDetails({ logger }) as MiddlewareObj)
            .use(jwtAuth({ issuer: issuer.issuer, jwksUrl, resourceUrl }))
            .handler((async () => ({ statusCode: 200, headers: {}, body: '' })) as never),
          { headers: { authorization: `Bearer ${token}` } },
        ),
      ),
    )
    notFound.close()

    // Assess
    for (const answer of answers) {
      expect(answer.statusCode).toBe(503)
      expect(answer.headers['retry-after']).toBe('5')
      expect(JSON.parse(answer.body).detail).toMatch(/signing keys could not be fetched/)
    }
    const logged = logger.error.mock.calls.map(([, { error }]) => error.message).join('\n')
    for (const jwksUrl of jwksUrls) expect(logged).toContain(`The key set at ${jwksUrl}`)
  })

  it('refuses options without an issuer when the factory is called', () => {
    // Act
    const build = () => jwtAuth({ issuer: '', jwksUrl: 'https://x.example/jwks', resourceUrl })

    // Assess
    expect(build).toThrow('jwtAuth: options.issuer must be a non-empty string')
  })
})
