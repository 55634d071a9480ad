import { decodeJwt, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorize } from '../../../lib/auth/authorize.ts'
import { TokenRejectedError } from '../../../lib/auth/bearer.ts'
import { fromAuthorizerContext } from '../../../lib/auth/caller.ts'
import { createTokenVerifier } from '../../../lib/auth/token-verifier.ts'
import { tokenVerifierOnFirstUse } from '../../../lib/auth/token-verifier-on-first-use.ts'
import { startTokenIssuer } from '../../support/token-issuer.ts'

describe('access token verification', () => {
  let issuer: Awaited<ReturnType<typeof startTokenIssuer>>
  let verify: ReturnType<typeof createTokenVerifier>

  beforeAll(async () => {
    issuer = await startTokenIssuer()
    verify = createTokenVerifier({
      issuer: issuer.issuer,
      jwksUrl: issuer.jwksUrl,
      scopePrefix: 'switchboard/',
    })
  })
  afterAll(() => issuer.stop())

  const rejection = async (token: string) => {
    const error = await verify(token).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TokenRejectedError)
    return (error as TokenRejectedError).reason
  }

  it('reads the caller, its expiry and its scopes with the resource-server prefix removed, dropping a bare prefix', async () => {
    // Prepare
    const token = await issuer.sign({
      scope: 'switchboard/weather:invoke switchboard/admin switchboard/',
    })

    // Act
    const caller = await verify(token)

    // Assess
    expect(caller).toEqual({
      principal: 'client-1',
      clientId: 'client-1',
      scopes: ['weather:invoke', 'admin'],
      expiresAt: decodeJwt(token).exp,
      issuedAt: decodeJwt(token).iat,
    })
  })

  it('dates a token refreshed from a sign-in by the sign-in (auth_time), so a revocation since refuses it', async () => {
    // Prepare: signed in an hour ago, this access token refreshed now
    const signedIn = Math.floor(Date.now() / 1000) - 3600
    const refreshed = await issuer.sign({ scope: 'openid', auth_time: signedIn })

    // Act
    const caller = await verify(refreshed)

    // Assess
    expect(caller.issuedAt).toBe(signedIn)
  })

  it("gives a person their groups' scopes: operators is the admin scope, a group named like the admin scope nothing", async () => {
    // Prepare
    const withGroups = createTokenVerifier({
      issuer: issuer.issuer,
      jwksUrl: issuer.jwksUrl,
      scopePrefix: 'switchboard/',
      adminScope: 'admin',
    })
    const operator = await issuer.sign({
      scope: 'openid',
      'cognito:groups': ['operators', 'weather:invoke'],
    })
    const pretender = await issuer.sign({ scope: 'openid', 'cognito:groups': ['admin', 7] })

    // Act
    const [asOperator, asPretender, withoutMapping] = await Promise.all([
      withGroups(operator),
      withGroups(pretender),
      verify(operator),
    ])

    // Assess
    expect(asOperator.scopes).toEqual(['admin', 'weather:invoke'])
    expect(asPretender.scopes).toEqual([])
    expect(withoutMapping.scopes).toEqual([])
  })

  it('ignores scopes without the resource-server prefix: an unprefixed admin grants nothing', async () => {
    // Prepare
    const token = await issuer.sign({ scope: 'admin weather:invoke other/admin switchboard/a' })

    // Act
    const caller = await verify(token)

    // Assess
    expect(caller.scopes).toEqual(['a'])
  })

  it('takes every scope as it is when the prefix is empty', async () => {
    // Prepare
    const unprefixed = createTokenVerifier({
      issuer: issuer.issuer,
      jwksUrl: issuer.jwksUrl,
      scopePrefix: '',
    })

    // Act
    const caller = await unprefixed(await issuer.sign({ scope: 'admin weather:invoke' }))

    // Assess
    expect(caller.scopes).toEqual(['admin', 'weather:invoke'])
  })

  it('accepts an iat up to 60 s ahead of its clock but refuses one further in the future', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000)

    // Assess
    await expect(verify(await issuer.sign({ iat: now + 30 }))).resolves.toBeDefined()
    expect(await rejection(await issuer.sign({ iat: now + 3600 }))).toBe('iat is in the future')
  })

  it('dates a token by whole seconds, never later than its claims, so the handlers behind the authorizer read its caller', async () => {
    // Prepare: RFC 7519's NumericDate may have a fraction; a time before 1970 is no time.
    const now = Math.floor(Date.now() / 1000)
    const fractional = await issuer.sign({ iat: now - 5.5 }, { expiresIn: 600.5 })
    const beforeEpoch = await issuer.sign({ iat: -5 })
    // An exp past 2^53 s (year 285 million) is a number jose takes, and no whole number a
    // handler reads back from the authorizer's context.
    const endless = await issuer.sign({}, { expiresIn: 1e16 })
    const authorized = async (token: string) => {
      const outcome = await authorize(
        {
          authorization: `Bearer ${token}`,
          methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/agents',
        },
        {
          verifyAccessToken: verify,
          permissions: { forScopes: async () => [] },
          adminScope: 'admin',
          defaultRateLimit: 60,
        },
      )
      if (!outcome.allowed) throw new Error(outcome.reason)
      return fromAuthorizerContext(outcome.result.context)
    }

    // Act
    const [fromFractional, fromBeforeEpoch, fromEndless] = await Promise.all([
      authorized(fractional),
      authorized(beforeEpoch),
      authorized(endless),
    ])

    // Assess: before, the authorizer allowed both and every handler refused them (403, "must
    // come through the gateway"): its context's times were not whole seconds from 0.
    expect(fromFractional).toMatchObject({ expiresAt: now + 600, issuedAt: now - 6 })
    expect(fromBeforeEpoch).toMatchObject({ issuedAt: 0 })
    expect(fromEndless).toMatchObject({ expiresAt: Number.MAX_SAFE_INTEGER })
  })

  it('fetches the JWKS once for many tokens', async () => {
    // Prepare
    const before = issuer.jwksRequests()

    // Act
    for (let i = 0; i < 5; i++) await verify(await issuer.sign({ scope: 'switchboard/a' }))

    // Assess
    expect(issuer.jwksRequests() - before).toBeLessThanOrEqual(1)
  })

  it("fetches the JWKS at most once more for a stranger's stream of tokens naming keys it lacks, or none", async () => {
    // Prepare: a warm verifier, its key set fetched once
    const fresh = createTokenVerifier({
      issuer: issuer.issuer,
      jwksUrl: issuer.jwksUrl,
      scopePrefix: 'switchboard/',
    })
    await fresh(await issuer.sign({ scope: 'switchboard/a' }))
    const before = issuer.jwksRequests()

    // Act: 50 tokens each naming a key of its own, then 20 that are no token at all
    for (let i = 0; i < 50; i++) {
      await fresh(await issuer.sign({}, { kid: `unknown-${i}` })).catch(() => undefined)
    }
    for (let i = 0; i < 20; i++) await fresh(`garbage.${i}.token`).catch(() => undefined)

    // Assess: jose's cooldown (30 s) lets one refetch through, not one per token (each a
    // request to Cognito and a wait in the authorizer's billed time).
    expect(issuer.jwksRequests() - before).toBeLessThanOrEqual(1)
  })

  it('verifies as well when loaded on first use, concurrent first tokens sharing one verifier and one JWKS fetch', async () => {
    // Prepare: as the agents function makes it for its card route
    const onFirstUse = tokenVerifierOnFirstUse({
      issuer: issuer.issuer,
      jwksUrl: issuer.jwksUrl,
      scopePrefix: 'switchboard/',
    })
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => issuer.sign({ scope: 'switchboard/weather:invoke' })),
    )
    const before = issuer.jwksRequests()

    // Act
    const [callers, idToken] = await Promise.all([
      Promise.all(tokens.map(onFirstUse)),
      onFirstUse(await issuer.sign({ token_use: 'id' })).catch((error: unknown) => error),
    ])

    // Assess
    expect(callers.map(({ scopes }) => scopes)).toEqual(Array(5).fill(['weather:invoke']))
    expect(idToken).toMatchObject({ reason: 'token_use is not access' })
    expect(issuer.jwksRequests() - before).toBe(1)
  })

  it('rejects a token from another issuer', async () => {
    // Prepare
    const token = await new SignJWT({ token_use: 'access', client_id: 'c' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://evil.example.com')
      .setSubject('c')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough!'))

    // Assess
    expect(await rejection(token)).toMatch(
      /ERR_JOSE_ALG_NOT_ALLOWED|ERR_JWT_CLAIM_VALIDATION_FAILED/,
    )
  })

  it('rejects an ID token where an access token is required', async () => {
    // Assess
    expect(await rejection(await issuer.sign({ token_use: 'id' }))).toBe('token_use is not access')
  })

  it('accepts 30 s of clock skew on expiry but not 2 minutes', async () => {
    // Assess
    await expect(verify(await issuer.sign({}, { expiresIn: -30 }))).resolves.toBeDefined()
    expect(await rejection(await issuer.sign({}, { expiresIn: -120 }))).toBe('ERR_JWT_EXPIRED')
  })

  it('rejects garbage and tokens signed by an unknown key', async () => {
    // Assess
    expect(await rejection('not-a-jwt')).toBe('ERR_JWS_INVALID')
    expect(await rejection(await issuer.sign({}, { kid: 'other-key' }))).toBe(
      'ERR_JWKS_NO_MATCHING_KEY',
    )
  })

  it('enforces the client allow-list when one is configured', async () => {
    // Prepare
    const strict = createTokenVerifier({
      issuer: issuer.issuer,
      jwksUrl: issuer.jwksUrl,
      scopePrefix: 'switchboard/',
      allowedClientIds: ['someone-else'],
    })

    // Act
    const error = await strict(await issuer.sign({})).catch((caught: unknown) => caught)

    // Assess
    expect((error as TokenRejectedError).reason).toBe('client_id client-1 is not allowed')
  })
})
