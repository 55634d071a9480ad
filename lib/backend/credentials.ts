import { createHash } from 'node:crypto'
import { readBounded } from '../http/read-bounded.ts'
import type { BackendAuth } from '../registry/agent-record.ts'
import type { SecretStore } from '../secrets/secret-store.ts'
import { type BackendFetch, refusedAddress } from './guarded-fetch.ts'

/** The most of a token endpoint's answer read. */
const maxTokenAnswerBytes = 64 * 1024
/** A token is renewed this long before it expires, so none expires in flight. */
const renewBeforeMs = 60_000

/** The token endpoint refused or failed: the backend cannot be called. */
export class BackendCredentialsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BackendCredentialsError'
  }
}

interface CachedToken {
  value: string
  expiresAt: number
}

/**
 * The headers that authenticate the gateway to a backend: an API key, or an
 * OAuth 2.0 client-credentials token fetched with the agent's secret and cached
 * per agent and secret value until shortly before it expires (a rotated secret
 * is a new cache entry, so it takes effect without a restart). Calls that find
 * no token while one is being fetched wait for that fetch rather than each
 * asking the token endpoint.
 *
 * @example
 * const credentials = backendCredentials({ secrets, fetch: guardedFetch(policy) })
 * const headers = await credentials.headersFor('billing', record.auth)
 */
export const backendCredentials = (deps: {
  secrets: Pick<SecretStore, 'read'>
  /** The address-guarded fetch (guardedFetch) the token endpoint is called with. */
  fetch: BackendFetch
  now?: () => number
}) => {
  const now = deps.now ?? Date.now
  const tokens = new Map<string, CachedToken>()
  /** Fetches under way, so a burst of calls finding no token cached shares one. */
  const fetching = new Map<string, Promise<CachedToken>>()

  const fetchToken = async (
    auth: Extract<BackendAuth, { type: 'oauth2_client_credentials' }>,
    secret: string,
  ) => {
    const basic = Buffer.from(
      `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(secret)}`,
    ).toString('base64')
    let response: Response
    try {
      response = await deps.fetch(auth.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          ...(auth.scopes?.length ? { scope: auth.scopes.join(' ') } : {}),
        }),
        signal: AbortSignal.timeout(10_000),
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
      .then((bytes) => JSON.parse(new TextDecoder().decode(bytes)))
      .catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown }
    if (!response.ok) {
      throw new BackendCredentialsError(`the token endpoint answered HTTP ${response.status}`)
    }
    if (typeof body.access_token !== 'string') {
      throw new BackendCredentialsError(
        `the token endpoint's answer held no access_token (or over ${maxTokenAnswerBytes} bytes)`,
      )
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000
    return { value: body.access_token, expiresAt: now() + lifetimeMs - renewBeforeMs }
  }

  const forget = (agentId: string) => {
    for (const cached of tokens.keys()) {
      if (cached.startsWith(`${agentId}#`)) tokens.delete(cached)
    }
  }

  return {
    /** Drops an agent's cached token (the backend refused it), so the next call gets a new one. */
    forget,
    /**
     * `renew` drops any cached token and re-reads the secret: for the one retry
     * after a backend answered 401.
     */
    async headersFor(
      agentId: string,
      auth: BackendAuth,
      options: { renew?: boolean } = {},
    ): Promise<Record<string, string>> {
      if (auth.type === 'none') return {}
      const secret = await deps.secrets.read(auth.secretArn, { fresh: options.renew ?? false })
      if (auth.type === 'api_key') return { [auth.headerName.toLowerCase()]: secret }
      const key = `${agentId}#${createHash('sha256').update(secret).digest('hex')}`
      const cached = tokens.get(key)
      if (!options.renew && cached && cached.expiresAt > now()) {
        return { authorization: `Bearer ${cached.value}` }
      }
      let fetched = options.renew ? undefined : fetching.get(key)
      if (!fetched) {
        fetched = fetchToken(auth, secret).then((token) => {
          // Tokens got with a secret since rotated away are of no more use.
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
      return { authorization: `Bearer ${(await fetched).value}` }
    },
  }
}

export type BackendCredentials = ReturnType<typeof backendCredentials>
