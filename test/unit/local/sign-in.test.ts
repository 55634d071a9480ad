import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOrCreateSigningKey } from '../../../local/identity.ts'
import { createLocalSignIn, type LocalSignIn } from '../../../local/sign-in.ts'

const issuer = 'http://127.0.0.1:3000'
const verifier = 'a-verifier-of-at-least-forty-three-characters-long-0123456789'
const request = {
  response_type: 'code',
  client_id: 'console-app',
  redirect_uri: `${issuer}/console/callback`,
  state: 'xyz',
  code_challenge: createHash('sha256').update(verifier).digest('base64url'),
  code_challenge_method: 'S256',
}

describe('local sign-in for people (authorization code + PKCE)', () => {
  let stateDir: string
  let signIn: LocalSignIn

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'switchboard-sign-in-'))
    signIn = await createLocalSignIn({
      issuer,
      signingKey: await loadOrCreateSigningKey(stateDir),
      people: [{ username: 'ada', password: 'pw-local-only', groups: ['operators'] }],
      consoleClientId: 'console-app',
    })
  })
  afterAll(() => rm(stateDir, { recursive: true, force: true }))

  const post = (path: string, fields: Record<string, string>) =>
    signIn({
      method: 'POST',
      path,
      query: new URLSearchParams(),
      body: Buffer.from(new URLSearchParams(fields).toString()),
    })
  const codeFor = async (password = 'pw-local-only') => {
    const answer = await post('/oauth2/authorize', { ...request, username: 'ada', password })
    return {
      answer,
      code: new URL(answer?.headers.location ?? `${issuer}/`).searchParams.get('code'),
    }
  }
  const redeem = (code: string, codeVerifier = verifier) =>
    post('/oauth2/token', {
      grant_type: 'authorization_code',
      client_id: 'console-app',
      redirect_uri: request.redirect_uri,
      code,
      code_verifier: codeVerifier,
    })

  it('shows a sign-in form with no script, and refuses a client or callback other than the console’s', async () => {
    // Act
    const form = await signIn({
      method: 'GET',
      path: '/oauth2/authorize',
      query: new URLSearchParams(request),
      body: Buffer.alloc(0),
    })
    const otherClient = await signIn({
      method: 'GET',
      path: '/oauth2/authorize',
      query: new URLSearchParams({ ...request, redirect_uri: 'https://evil.example/callback' }),
      body: Buffer.alloc(0),
    })

    // Assess
    expect(form?.status).toBe(200)
    expect(form?.body).toContain('name="password"')
    expect(form?.body).not.toContain('<script')
    expect(form?.headers['content-security-policy']).toContain("default-src 'none'")
    expect(otherClient?.status).toBe(400)
    expect(otherClient?.body).toContain('redirect_uri must be')
  })

  it('sends the browser back with a code, traded once, with its verifier, for a Cognito-shaped person token', async () => {
    // Prepare
    const { answer, code } = await codeFor()

    // Act
    const token = await redeem(code as string)
    const again = await redeem(code as string)

    // Assess
    expect(answer?.status).toBe(302)
    expect(new URL(answer?.headers.location as string).searchParams.get('state')).toBe('xyz')
    expect(token?.status).toBe(200)
    const claims = decodeJwt(JSON.parse(token?.body as string).access_token)
    expect(claims).toMatchObject({
      iss: issuer,
      sub: 'ada',
      username: 'ada',
      token_use: 'access',
      client_id: 'console-app',
      'cognito:groups': ['operators'],
    })
    expect(again?.status).toBe(400)
    expect(JSON.parse(again?.body as string).error).toBe('invalid_grant')
  })

  it.each([
    [`${issuer}/console`, 'console-app', 302],
    ['https://elsewhere.example/console', 'console-app', 400],
    [`${issuer}/console`, 'another-app', 400],
  ])(
    'signs out as Cognito does, back to %s only for the console (client %s: %s)',
    async (logoutUri, clientId, status) => {
      // Act
      const answer = await signIn({
        method: 'GET',
        path: '/logout',
        query: new URLSearchParams({ client_id: clientId, logout_uri: logoutUri }),
        body: Buffer.alloc(0),
      })

      // Assess: never a redirect elsewhere
      expect(answer?.status).toBe(status)
      expect(answer?.headers.location).toBe(status === 302 ? logoutUri : undefined)
    },
  )

  it('refuses a wrong password on the form, and a code with the wrong verifier', async () => {
    // Act
    const wrongPassword = await codeFor('guess')
    const { code } = await codeFor()
    const wrongVerifier = await redeem(code as string, `${verifier}x`)

    // Assess
    expect(wrongPassword.answer?.status).toBe(401)
    expect(wrongPassword.answer?.body).toContain('Wrong username or password.')
    expect(wrongVerifier?.status).toBe(400)
    expect(JSON.parse(wrongVerifier?.body as string).error_description).toContain('code_verifier')
  })
})
