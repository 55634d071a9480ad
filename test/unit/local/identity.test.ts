import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { FileCallerRegistry } from '../../../lib/callers/file-caller-registry.ts'
import {
  createLocalIdentity,
  identityFileIn,
  loadOrCreateSigningKey,
} from '../../../local/identity.ts'

describe('local token endpoint', () => {
  let stateDir: string
  let identity: Awaited<ReturnType<typeof createLocalIdentity>>

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'switchboard-identity-'))
    await new FileCallerRegistry(identityFileIn(stateDir)).seedIfAbsent({
      scopes: [
        { scope: 'weather:invoke', description: 'weather' },
        { scope: 'admin', description: 'admin' },
      ],
      clients: [{ clientId: 'app', clientSecret: 's3cret', scopes: ['weather:invoke', 'admin'] }],
    })
    identity = await createLocalIdentity({
      issuer: 'http://127.0.0.1:3000',
      signingKey: await loadOrCreateSigningKey(stateDir),
      identityFile: identityFileIn(stateDir),
      scopePrefix: 'switchboard/',
    })
  })
  afterAll(() => rm(stateDir, { recursive: true, force: true }))

  const form = (fields: Record<string, string>) => new URLSearchParams(fields)

  it('issues a Cognito-shaped access token for client credentials in the form', async () => {
    // Act
    const answer = await identity.issueToken(
      form({ grant_type: 'client_credentials', client_id: 'app', client_secret: 's3cret' }),
      undefined,
    )

    // Assess
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 })
    const token = answer.body.access_token as string
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256' })
    expect(decodeJwt(token)).toMatchObject({
      iss: 'http://127.0.0.1:3000',
      sub: 'app',
      client_id: 'app',
      token_use: 'access',
      scope: 'switchboard/weather:invoke switchboard/admin',
    })
  })

  it('dates a token from before its client was read, so a revocation made while it was issued refuses it', async () => {
    // Prepare: the client is read at x.900 s; the token is signed in the next second
    vi.useFakeTimers({ toFake: ['Date'], now: 1_800_000_000_900 })
    const read = FileCallerRegistry.prototype.verify
    const slowVerify = vi
      .spyOn(FileCallerRegistry.prototype, 'verify')
      .mockImplementation(async function (this: FileCallerRegistry, clientId, secret) {
        const client = await read.call(this, clientId, secret)
        vi.setSystemTime(1_800_000_001_020)
        return client
      })

    // Act
    const answer = await identity
      .issueToken(
        form({ grant_type: 'client_credentials', client_id: 'app', client_secret: 's3cret' }),
        undefined,
      )
      .finally(() => {
        slowVerify.mockRestore()
        vi.useRealTimers()
      })

    // Assess: iat is the second the request came in, before a revocation stored at x+1
    expect(decodeJwt(answer.body.access_token as string)).toMatchObject({
      iat: 1_800_000_000,
      auth_time: 1_800_000_000,
    })
  })

  it('accepts HTTP Basic client authentication and narrows to the scopes asked for', async () => {
    // Act
    const answer = await identity.issueToken(
      form({ grant_type: 'client_credentials', scope: 'switchboard/weather:invoke' }),
      `Basic ${Buffer.from('app:s3cret').toString('base64')}`,
    )

    // Assess
    expect(decodeJwt(answer.body.access_token as string).scope).toBe('switchboard/weather:invoke')
  })

  it('refuses a wrong secret, another grant type and a scope the client does not have', async () => {
    // Act
    const wrongSecret = await identity.issueToken(
      form({ grant_type: 'client_credentials', client_id: 'app', client_secret: 'nope' }),
      undefined,
    )
    const password = await identity.issueToken(form({ grant_type: 'password' }), undefined)
    const greedy = await identity.issueToken(
      form({
        grant_type: 'client_credentials',
        client_id: 'app',
        client_secret: 's3cret',
        scope: 'switchboard/root',
      }),
      undefined,
    )

    // Assess
    expect([wrongSecret.status, wrongSecret.body.error]).toEqual([401, 'invalid_client'])
    expect([password.status, password.body.error]).toEqual([400, 'unsupported_grant_type'])
    expect([greedy.status, greedy.body.error]).toEqual([400, 'invalid_scope'])
  })

  it('tells a token request without grant_type that it is missing, and an unknown one which grants it takes (RFC 6749)', async () => {
    // Act
    const missing = await identity.issueToken(form({ client_id: 'app' }), undefined)
    const unknown = await identity.issueToken(form({ grant_type: 'password' }), undefined)

    // Assess
    expect(missing).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description:
          "grant_type is required: client_credentials (or the console's authorization_code).",
      },
    })
    expect(unknown.body.error_description).toBe(
      "grant_type 'password' is not supported: client_credentials (or the console's authorization_code).",
    )
  })

  it('keeps a grant_type it cannot quote out of its error_description, as RFC 6749 bounds its characters', async () => {
    // Act
    const answer = await identity.issueToken(
      form({ grant_type: 'pass"word\\\ncaf\u00e9' }),
      undefined,
    )

    // Assess: %x20-21 / %x23-5B / %x5D-7E only
    expect(answer.body.error).toBe('unsupported_grant_type')
    expect(answer.body.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/)
  })

  it('names what its sign-in asks of a client in its OpenID configuration: a code, with PKCE S256', async () => {
    // Act
    const configuration = await identity.openidConfiguration()

    // Assess: without code_challenge_methods_supported a client takes PKCE as unsupported (RFC 8414)
    expect(configuration).toMatchObject({
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
    })
  })

  it('names the grants it takes and its sign-in endpoint in its OpenID configuration', async () => {
    // Act
    const configuration = await identity.openidConfiguration()

    // Assess
    expect(configuration).toMatchObject({
      grant_types_supported: ['client_credentials', 'authorization_code'],
      authorization_endpoint: expect.stringMatching(/\/oauth2\/authorize$/),
    })
  })

  it('refuses Basic credentials with a malformed percent-escape as the wrong client, not a crash', async () => {
    // Act
    const answer = await identity.issueToken(
      form({ grant_type: 'client_credentials' }),
      `Basic ${Buffer.from('%zz:x').toString('base64')}`,
    )

    // Assess
    expect([answer.status, answer.body.error]).toEqual([401, 'invalid_client'])
  })

  it('keeps its signing key across restarts, so issued tokens stay valid', async () => {
    // Act
    const first = await loadOrCreateSigningKey(stateDir)
    const second = await loadOrCreateSigningKey(stateDir)

    // Assess
    expect(second.kid).toBe(first.kid)
    expect(identity.jwks().keys[0]?.kid).toBe(first.kid)
    expect(identity.jwks().keys[0]).not.toHaveProperty('d')
  })

  it('clears at start the temporary file a start killed after placing its signing key left, its private key in it', async () => {
    // Prepare: a key made, and its temporary left by a writer no longer running
    const fresh = await mkdtemp(join(tmpdir(), 'switchboard-identity-left-'))
    const made = await loadOrCreateSigningKey(fresh)
    const left = join(fresh, 'signing-key.json.999999999.aaaaaaaaaaaa.tmp')
    await writeFile(left, JSON.stringify(made))
    const anHourAgo = new Date(Date.now() - 3600_000)
    await utimes(left, anHourAgo, anHourAgo)

    // Act
    const kept = await loadOrCreateSigningKey(fresh)

    // Assess
    expect(kept.kid).toBe(made.kid)
    expect(await readdir(fresh)).toEqual(['signing-key.json'])
    await rm(fresh, { recursive: true, force: true })
  })

  it('makes one signing key when two starts make it at once, so neither signs tokens the other refuses', async () => {
    // Prepare
    const fresh = await mkdtemp(join(tmpdir(), 'switchboard-identity-fresh-'))

    // Act
    const [first, second] = await Promise.all([
      loadOrCreateSigningKey(fresh),
      loadOrCreateSigningKey(fresh),
    ])
    const kept = await loadOrCreateSigningKey(fresh)
    await rm(fresh, { recursive: true, force: true })

    // Assess
    expect([second.kid, kept.kid]).toEqual([first.kid, first.kid])
  })

  it('names a damaged signing key file and the way out, quoting none of it (it holds a private key)', async () => {
    // Prepare: a key file cut short, and one emptied to {} by hand
    const damaged = await mkdtemp(join(tmpdir(), 'switchboard-identity-damaged-'))
    const file = join(damaged, 'signing-key.json')
    const failureWith = async (text: string) => {
      await writeFile(file, text)
      return String(await loadOrCreateSigningKey(damaged).catch((error: Error) => error))
    }

    // Act
    const cutShort = await failureWith('{"kid":"k","privateJwk":{"d":s3cr3t')
    const emptied = await failureWith('{}')
    await rm(damaged, { recursive: true, force: true })

    // Assess
    for (const failure of [cutShort, emptied]) {
      expect(failure).toContain(`the token signing key file ${file} holds no usable key`)
      expect(failure).toMatch(/remove it/)
    }
    expect(cutShort).not.toContain('s3cr3t')
  })

  it('names a signing key file whose JSON holds no key pair of its own, or is no file, before it signs anything', async () => {
    // Prepare: JSON of the right shape whose private half is no RSA key, halves that are null, a
    // public half of another key (every token it signs would be refused, unexplained), and a folder
    const damaged = await mkdtemp(join(tmpdir(), 'switchboard-identity-no-pair-'))
    const file = join(damaged, 'signing-key.json')
    const elsewhere = await mkdtemp(join(tmpdir(), 'switchboard-identity-other-'))
    const other = await loadOrCreateSigningKey(elsewhere)
    const good = await loadOrCreateSigningKey(damaged)
    await rm(file)
    const failureWith = async (text: string | undefined) => {
      await rm(file, { recursive: true, force: true })
      if (text === undefined) await mkdir(file)
      else await writeFile(file, text)
      return String(await loadOrCreateSigningKey(damaged).then(() => 'loaded', String))
    }

    // Act
    const failures = [
      await failureWith('{"kid":"k","privateJwk":{"kty":"RSA","d":"s3cr3t"},"publicJwk":{}}'),
      await failureWith('{"kid":"k","privateJwk":null,"publicJwk":null}'),
      await failureWith(JSON.stringify({ ...good, publicJwk: other.publicJwk })),
      await failureWith(undefined),
    ]
    await rm(damaged, { recursive: true, force: true })
    await rm(elsewhere, { recursive: true, force: true })

    // Assess
    for (const failure of failures) {
      expect(failure).toContain(`the token signing key file ${file} holds no usable key`)
      expect(failure).not.toContain('s3cr3t')
    }
  })
})
