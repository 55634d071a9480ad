import { createHash } from 'node:crypto'
import * as z from 'zod'
import { readBounded } from '../../http/read-bounded.ts'
import { parseJson } from '../../json-parse.ts'
import { refusedAddress } from '../guarded-fetch.ts'
import {
  type AuthenticatorDeps,
  type BackendAuthType,
  BackendCredentialsError,
} from './backend-auth.ts'
import {
  headerText,
  httpUrl,
  inlineSecret,
  namedSecretOf,
  oneSecret,
  type StoredSecret,
  secretArn,
  shortText,
  storedSecret,
} from './fields.ts'

/** The most of a token endpoint's answer read. */
const maxTokenAnswerBytes = 64 * 1024
/**
 * A token is renewed this long before it expires, so none expires in flight; one that lives two
 * minutes or less, halfway through its life (renewed a minute early, a 60-second token was never
 * kept, and every call fetched one).
 */
const renewBeforeMs = (lifetimeMs: number) => Math.min(60_000, lifetimeMs / 2)

const config = z
  .strictObject({
    type: z.literal('oauth2_client_credentials'),
    tokenUrl: httpUrl,
    clientId: headerText(256),
    clientSecret: inlineSecret.optional(),
    clientSecretArn: secretArn.optional(),
    scopes: z.array(shortText).max(50, 'must name at most 50 scopes').optional(),
  })
  .refine(oneSecret('clientSecret', 'clientSecretArn'), {
    message: 'give exactly one of clientSecret and clientSecretArn',
    path: ['clientSecret'],
  })

export type OAuth2ClientCredentialsAuth = {
  type: 'oauth2_client_credentials'
  tokenUrl: string
  clientId: string
  scopes?: string[]
} & StoredSecret

interface CachedToken {
  value: string
  /** When it was asked for: a clock now earlier (set back since) cannot tell its age. */
  fetchedAt: number
  /** When it is renewed, shortly before it expires. */
  expiresAt: number
}

const fetchToken = async (
  auth: OAuth2ClientCredentialsAuth,
  secret: string,
  deps: Pick<AuthenticatorDeps, 'fetch' | 'now' | 'tokenTimeoutMs'>,
): Promise<CachedToken> => {
  const basic = Buffer.from(
    `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(secret)}`,
  ).toString('base64')
  // Its life is counted from the request, not the answer: the token is issued in between.
  const fetchedAt = deps.now()
  let response: { status: number; body: AsyncIterable<Uint8Array> | null }
  // Asked with `exchange` where there is one: a `Response` would load Node's fetch (undici) whole
  // in the agents function, 40 to 60 ms of the first call to such an agent (issue 20).
  const ask = deps.fetch.exchange ?? deps.fetch
  try {
    response = await ask(auth.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        ...(auth.scopes?.length ? { scope: auth.scopes.join(' ') } : {}),
      }),
      signal: AbortSignal.timeout(deps.tokenTimeoutMs),
      redirect: 'error',
    })
  } catch (error) {
    const refused = refusedAddress(error)
    throw new BackendCredentialsError(
      refused
        ? `the token endpoint's address is ${refused.callerReason}`
        : 'the token endpoint did not answer',
    )
  }
  // A token answer is a few hundred bytes; a token endpoint cannot make the gateway hold more.
  const body = (await readBounded(response.body, maxTokenAnswerBytes)
    .then((bytes) => parseJson(new TextDecoder().decode(bytes)))
    .catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown }
  if (response.status < 200 || response.status > 299) {
    throw new BackendCredentialsError(`the token endpoint answered HTTP ${response.status}`)
  }
  if (typeof body.access_token !== 'string') {
    throw new BackendCredentialsError(
      `the token endpoint's answer held no access_token (or over ${maxTokenAnswerBytes} bytes)`,
    )
  }
  const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000
  return {
    value: body.access_token,
    fetchedAt,
    expiresAt: fetchedAt + lifetimeMs - renewBeforeMs(lifetimeMs),
  }
}

/**
 * Where a token is cached: the agent, then the SHA-256 of everything the token
 * depends on, i.e. everything fetchToken sends: the token endpoint, the client
 * id, the scopes (a set, RFC 6749 section 3.3, so sorted) and the secret value.
 * A PUT that changes any of them, or a rotated secret, is a new entry, so no
 * token is sent under a config it was not fetched with. One JSON array, so no
 * two different configs encode alike.
 */
const cacheKeyOf = (agentId: string, auth: OAuth2ClientCredentialsAuth, secret: string) => {
  const scopes = [...(auth.scopes ?? [])].sort()
  const hash = createHash('sha256')
    .update(JSON.stringify([auth.tokenUrl, auth.clientId, scopes, secret]))
    .digest('hex')
  return `${agentId}#${hash}`
}

/**
 * `oauth2_client_credentials`: a bearer token fetched from the agent's own
 * token endpoint with its client secret, cached per agent and all the token
 * depends on (endpoint, client, scopes and secret value: cacheKeyOf) until
 * shortly before it expires (a rotated secret or a PUT changing the rest is a
 * new cache entry, so it takes effect without a restart). Calls that find no token while one is
 * being fetched wait for that fetch rather than each asking the endpoint. A
 * renewal after a 401 re-reads the secret and fetches a token, which replaces the agent's others.
 */
export const oauth2ClientCredentialsAuth: BackendAuthType<
  typeof config,
  OAuth2ClientCredentialsAuth
> = {
  type: 'oauth2_client_credentials',
  config,
  addresses: (auth) => [{ field: 'auth.tokenUrl', url: auth.tokenUrl }],
  namedSecret: (auth) => namedSecretOf(auth, 'clientSecretArn'),
  // The secret goes to the token endpoint; the backend gets only the token.
  secretDestination: (auth) => new URL(auth.tokenUrl).href,
  toRecord: async (auth, context) => ({
    type: 'oauth2_client_credentials',
    tokenUrl: auth.tokenUrl,
    clientId: auth.clientId,
    ...(auth.scopes ? { scopes: auth.scopes } : {}),
    ...(await storedSecret(auth.clientSecret, auth.clientSecretArn, context)),
  }),
  ownedSecret: (auth) => (auth.secretOwned ? auth.secretArn : undefined),
  renewsOn401: true,
  authenticatesCardFetch: false,
  authenticator: (deps) => {
    const tokens = new Map<string, CachedToken>()
    /** Fetches under way, so a burst of calls finding no token cached shares one. */
    const fetching = new Map<string, Promise<CachedToken>>()
    const forget = (agentId: string) => {
      for (const cached of tokens.keys()) {
        if (cached.startsWith(`${agentId}#`)) tokens.delete(cached)
      }
    }
    const tokenFor = async (agentId: string, auth: OAuth2ClientCredentialsAuth, renew: boolean) => {
      const secret = await deps.secrets.read(auth.secretArn, { fresh: renew })
      const key = cacheKeyOf(agentId, auth, secret)
      const cached = tokens.get(key)
      const now = deps.now()
      if (!renew && cached && cached.fetchedAt <= now && now < cached.expiresAt) return cached.value
      let fetched = renew ? undefined : fetching.get(key)
      if (!fetched) {
        fetched = fetchToken(auth, secret, deps).then((token) => {
          // Tokens got with a secret since rotated away, or under the agent's config before a PUT,
          // are of no more use.
          forget(agentId)
          tokens.set(key, token)
          return token
        })
        const shared = fetched
        fetching.set(key, shared)
        // A failed fetch is told to every call waiting on it, and the next call tries again.
        shared
          .finally(() => {
            if (fetching.get(key) === shared) fetching.delete(key)
          })
          .catch(() => undefined)
      }
      return (await fetched).value
    }
    return {
      async authenticate(request, auth, { agentId }) {
        const token = await tokenFor(agentId, auth, false)
        return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } }
      },
      async renew(agentId, auth) {
        await tokenFor(agentId, auth, true)
      },
    }
  },
}
