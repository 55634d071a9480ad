import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose'
import * as z from 'zod'
import { FileCallerRegistry } from '../lib/callers/file-caller-registry.ts'
import { createWhole } from '../lib/json-file.ts'
import { type KeyFile, keyFileRefusal, keyPairOf, readKeyFile } from '../lib/signing/key-file.ts'

/**
 * A stand-in for Cognito on a laptop: an OAuth 2.0 client-credentials token
 * endpoint issuing Cognito-shaped access tokens, and the JWKS to verify them.
 * Its clients and scopes are the admin API's (FileCallerRegistry, one file
 * under the state folder, secrets kept only as scrypt hashes); local/seed.json
 * fills that file once, on a fresh state folder.
 */
export const localClientSchema = z.object({
  clientId: z.string().min(1),
  name: z.string().min(1).optional(),
  clientSecret: z.string().min(1),
  scopes: z.array(z.string().min(1)),
})
export type LocalClient = z.infer<typeof localClientSchema>

/** Where the local identity keeps its clients and scopes, under the state folder. */
export const identityFileIn = (stateDir: string) => join(stateDir, 'identity.json')

/** The local token endpoint's RS256 key pair, as its file keeps it. */
export type SigningKey = KeyFile

const tokenLifetimeSeconds = 3600

/** The RS256 key, made once and kept under the state directory. */
export const loadOrCreateSigningKey = async (stateDir: string): Promise<SigningKey> => {
  const file = join(stateDir, 'signing-key.json')
  const refused = keyFileRefusal(
    file,
    'the token signing key file',
    'tokens it signed stop verifying',
  )
  const existing = await readKeyFile(file, refused)
  if (existing) {
    // Checked here, at start, where the file is named: a bad pair failed later, as "Invalid keyData".
    await keyPairOf(existing, 'RS256', refused)
    return existing
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const kid = randomUUID()
  const key: SigningKey = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  }
  // Whole or not at all, and one key when two starts make one at once: the loser reads the winner's.
  await createWhole(file, JSON.stringify(key))
  return (await readKeyFile(file, refused)) as SigningKey
}

/**
 * Signs access tokens as the local token endpoint and sign-in issue them (Cognito's shape):
 * RS256 with the stack's key, its `kid`, `token_use: access`, `auth_time`, `version: 2`, a
 * fresh `jti`, good for `lifetimeSeconds`.
 *
 * @example
 * const mint = await accessTokenMinter({ issuer, signingKey, lifetimeSeconds: 3600 })
 * const token = await mint('demo-client', { client_id: 'demo-client', scope: 'switchboard/admin' })
 */
export const accessTokenMinter = async (options: {
  issuer: string
  signingKey: SigningKey
  lifetimeSeconds: number
}) => {
  const { issuer, signingKey, lifetimeSeconds } = options
  const privateKey = await importJWK(signingKey.privateJwk, 'RS256')
  /** `issuedAt` (ms): when the request came, taken before its client was read (see the endpoint). */
  return (subject: string, claims: Record<string, unknown>, issuedAt = Date.now()) => {
    const now = Math.floor(issuedAt / 1000)
    return new SignJWT({ ...claims, token_use: 'access', auth_time: now, version: 2 })
      .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(subject)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .setJti(randomUUID())
      .sign(privateKey)
  }
}

/**
 * Whether a caller's grant_type may be quoted in an `error_description`, whose characters RFC
 * 6749 bounds (%x20-21 / %x23-5B / %x5D-7E: no quote, backslash, control or non-ASCII).
 */
const quotable = (text: string) => /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(text)

export interface TokenEndpointAnswer {
  status: number
  body: Record<string, unknown>
}

const oauthError = (status: number, error: string, description: string): TokenEndpointAnswer => ({
  status,
  body: { error, error_description: description },
})

const basicCredentials = (authorization: string | undefined) => {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '')
  if (!match?.[1]) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  // RFC 6749 form-encodes both before Base64; a malformed escape names no client.
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
    }
  } catch {
    return { clientId: '', clientSecret: '' }
  }
}

export const createLocalIdentity = async (options: {
  issuer: string
  signingKey: SigningKey
  /** The clients and scopes file (identityFileIn), written by the admin API. */
  identityFile: string
  scopePrefix: string
}) => {
  const { issuer, signingKey, scopePrefix } = options
  const mint = await accessTokenMinter({
    issuer,
    signingKey,
    lifetimeSeconds: tokenLifetimeSeconds,
  })
  // Read at each request: the admin API (another instance on the same file) changes it.
  const callers = new FileCallerRegistry(options.identityFile)

  /** POST /oauth2/token, form-encoded, as Cognito answers it. */
  const issueToken = async (
    form: URLSearchParams,
    authorization: string | undefined,
  ): Promise<TokenEndpointAnswer> => {
    // The console's authorization_code is redeemed before this (local/sign-in.ts).
    const grantType = form.get('grant_type')
    const supported = "client_credentials (or the console's authorization_code)"
    if (!grantType) {
      return oauthError(400, 'invalid_request', `grant_type is required: ${supported}.`)
    }
    if (grantType !== 'client_credentials') {
      return oauthError(
        400,
        'unsupported_grant_type',
        `grant_type ${quotable(grantType) ? `'${grantType}' ` : ''}is not supported: ${supported}.`,
      )
    }
    const credentials = basicCredentials(authorization) ?? {
      clientId: form.get('client_id') ?? '',
      clientSecret: form.get('client_secret') ?? '',
    }
    // Before the client is read: a token never says it was issued after the scopes it carries
    // were read, so a revocation made meanwhile (a scope taken away, a delete) refuses it.
    const issuedAt = Date.now()
    const client = await callers.verify(credentials.clientId, credentials.clientSecret)
    if (!client) {
      return oauthError(401, 'invalid_client', 'Unknown client or wrong client secret.')
    }
    const allowed = client.scopes.map((scope) => `${scopePrefix}${scope}`)
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean)
    const unknown = requested.filter((scope) => !allowed.includes(scope))
    if (unknown.length > 0) {
      return oauthError(400, 'invalid_scope', `Not allowed for this client: ${unknown.join(' ')}.`)
    }
    const scopes = requested.length > 0 ? requested : allowed
    const accessToken = await mint(
      client.clientId,
      { client_id: client.clientId, scope: scopes.join(' ') },
      issuedAt,
    )
    return {
      status: 200,
      body: { access_token: accessToken, expires_in: tokenLifetimeSeconds, token_type: 'Bearer' },
    }
  }

  return {
    issueToken,
    jwks: () => ({ keys: [signingKey.publicJwk] }),
    openidConfiguration: async () => ({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer}/oauth2/token`,
      // The console signs in with a code (local/sign-in.ts), as through Cognito's hosted UI.
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      grant_types_supported: ['client_credentials', 'authorization_code'],
      // What the sign-in takes (local/sign-in.ts): a code, with PKCE S256, which a client reading
      // this leaves out when it is not named (RFC 8414), and OpenID's other required fields.
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: (await callers.listScopes()).map(({ scope }) => `${scopePrefix}${scope}`),
    }),
  }
}

export type LocalIdentity = Awaited<ReturnType<typeof createLocalIdentity>>
