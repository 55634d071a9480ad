import { request } from 'node:http'
import {
  decodeJwt,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningAgent } from '../../agents/serve.ts'
import { loadOrCreateSigningKey, type SigningKey } from '../../local/identity.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'

describe('token attacks through the local gateway', () => {
  let stack: RunningStack
  let key: SigningKey
  let calculator: RunningAgent
  let valid: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    key = await loadOrCreateSigningKey(stack.stateDir)
    calculator = stack.agents.find((agent) => agent.agentId === 'calculator') as RunningAgent
    valid = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  /** Signs claims as the real issuer would, so only the named flaw differs. */
  const signed = async (claims: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT({ ...decodeJwt(valid), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
      .sign(await importJWK(key.privateJwk, 'RS256'))

  const callCalculator = (authorization?: string) =>
    fetch(`${stack.url}/agents/calculator/message:send`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'a2a-version': '1.0',
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: JSON.stringify({
        message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] },
      }),
    })

  const now = () => Math.floor(Date.now() / 1000)

  const attacks: [string, () => Promise<string | undefined>][] = [
    ['no token', async () => undefined],
    ['a malformed Authorization header', async () => `Token ${valid}`],
    ['a bearer with no token', async () => 'Bearer '],
    ['alg: none', async () => `Bearer ${new UnsecuredJWT(decodeJwt(valid)).encode()}`],
    [
      'HS256 signed with the public key',
      async () => {
        const publicPem = await exportSPKI(
          (await importJWK(key.publicJwk, 'RS256', { extractable: true })) as CryptoKey,
        )
        const token = await new SignJWT(decodeJwt(valid))
          .setProtectedHeader({ alg: 'HS256', kid: key.kid })
          .sign(new TextEncoder().encode(publicPem))
        return `Bearer ${token}`
      },
    ],
    ['a wrong issuer', async () => `Bearer ${await signed({ iss: 'https://evil.example.com' })}`],
    ['an expired token', async () => `Bearer ${await signed({ exp: now() - 3600 })}`],
    ['a token not yet valid', async () => `Bearer ${await signed({ nbf: now() + 3600 })}`],
    [
      'an unknown kid',
      async () => {
        const { privateKey } = await generateKeyPair('RS256')
        const token = await new SignJWT(decodeJwt(valid))
          .setProtectedHeader({ alg: 'RS256', kid: 'attacker-key' })
          .sign(privateKey)
        return `Bearer ${token}`
      },
    ],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = valid.split('.')
        const payload = Buffer.from(
          JSON.stringify({
            ...decodeJwt(valid),
            scope: 'switchboard/admin switchboard/calculator:invoke',
          }),
        ).toString('base64url')
        return `Bearer ${header}.${payload}.${signature}`
      },
    ],
    [
      'an ID token instead of an access token',
      async () => `Bearer ${await signed({ token_use: 'id' })}`,
    ],
  ]

  it.each(attacks)(
    'refuses %s with 401 and the agent hears nothing',
    async (_name, makeAuthorization) => {
      // Prepare
      const authorization = await makeAuthorization()
      const before = calculator.requestCount()

      // Act
      const response = await callCalculator(authorization)

      // Assess
      expect(response.status).toBe(401)
      expect(await response.json()).toMatchObject({ status: 401, title: 'Unauthorized' })
      expect(calculator.requestCount()).toBe(before)
    },
  )

  it('lets the untampered token through, so the refusals above are the flaws’ doing', async () => {
    // Act
    const response = await callCalculator(`Bearer ${valid}`)

    // Assess
    expect(response.status).toBe(200)
  })

  describe('paths that try to reach another agent', () => {
    /** Sends the path exactly as written: fetch would normalise it first. */
    const rawPost = (path: string, token: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(stack.url)
        const outgoing = request(
          {
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path,
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              'a2a-version': '1.0',
            },
          },
          (response) => {
            response.resume()
            resolve(response.statusCode ?? 0)
          },
        )
        outgoing.on('error', reject)
        outgoing.end(
          JSON.stringify({
            message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] },
          }),
        )
      })

    it.each([
      '/agents/calculator',
      '/agents/calculator/message:send',
      '/agents/weather/../calculator',
      '/agents/weather/../calculator/message:send',
      '/agents/weather%2F..%2Fcalculator',
      '/agents/weather%2F..%2Fcalculator/message:send',
      '/agents/weather/%2E%2E/calculator/message:send',
      '/agents/./calculator/message:send',
    ])(
      'refuses %s to a caller granted only weather, and the calculator hears nothing',
      async (path) => {
        // Prepare
        const weatherOnly = await stack.token('weather-client')
        const before = calculator.requestCount()

        // Act
        const status = await rawPost(path, weatherOnly)

        // Assess
        expect(status).toBe(403)
        expect(calculator.requestCount()).toBe(before)
      },
    )
    it.each([
      '/agents/weather/../calculator/message:send',
      '/agents/weather/%2E%2E/calculator/message:send',
      '/agents/weather/.%2e/calculator/message:send',
    ])(
      'refuses %s even to a caller granted both agents: the policy denies a dot segment as it came',
      async (path) => {
        // Prepare
        const before = calculator.requestCount()

        // Act
        const status = await rawPost(path, valid)

        // Assess: the path as sent is the policy's to judge, not one the laptop tidied first
        expect(status).toBe(403)
        expect(calculator.requestCount()).toBe(before)
      },
    )
  })

  describe('paths that embed a granted agent in a route it does not hold', () => {
    it.each([
      ['DELETE', '/admin/agents/weather'],
      ['PUT', '/admin/agents/weather'],
      ['POST', '/admin/agents/weather/sync'],
      ['DELETE', '/admin/permissions/route'],
      ['GET', '/agents/calculator/tasks/route'],
    ])(
      'refuses %s %s to a caller granted only weather in the policy, before any handler',
      async (method, path) => {
        // Prepare
        const weatherOnly = await stack.token('weather-client')
        const before = calculator.requestCount()

        // Act
        const response = await fetch(`${stack.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${weatherOnly}`, 'content-type': 'application/json' },
          ...(method === 'PUT' ? { body: '{}' } : {}),
        })

        // Assess: API Gateway's own refusal, not a handler's
        expect(response.status).toBe(403)
        expect(await response.json()).toMatchObject({ status: 403, title: 'Forbidden' })
        expect(calculator.requestCount()).toBe(before)
      },
    )
  })
})
