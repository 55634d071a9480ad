import { tokenFetchTimeoutMs } from '../config.ts'
import type { BackendAuth } from '../registry/agent-record.ts'
import type { SecretStore } from '../secrets/secret-store.ts'
import { backendAuthType, backendAuthTypes } from './auth/auth-types.ts'
import { type AwsCredentialsSource, defaultAwsCredentials } from './auth/aws-credentials.ts'
import type {
  AuthenticationContext,
  Authenticator,
  AuthenticatorDeps,
  OutgoingRequest,
} from './auth/backend-auth.ts'
import type { MaybeGuardedFetch } from './guarded-fetch.ts'

export { BackendCredentialsError } from './auth/backend-auth.ts'

/**
 * The least time between two renewals of one agent's credentials, unless the earlier one found
 * its secret rotated. An agent that refuses every call (broken, or hostile) would otherwise
 * make each one a forced Secrets Manager read (USD 0.05 per 10,000, against the account's
 * GetSecretValue quota), a token fetch from its identity provider and a second request: now
 * at most six a minute per Lambda environment. Its price is paid only when a renewal that found
 * the secret unchanged is followed within ten seconds by another refusal (tokens revoked twice,
 * a key rotated on the agent before Secrets Manager's current version moved): the agent's calls
 * are 502s until the window ends. A renewal that found a new secret opens none, so a rotation
 * followed by a revocation renews twice, as before. Not configurable: nothing in a deployment
 * shifts that balance.
 */
export const credentialRenewalWindowMs = 10_000

/** One agent's renewals, in one handler. */
interface Renewals {
  /** How many renewals have ended: a call refused with credentials older than these is sent again with them. */
  generation: number
  /** A renewal under way, which every call refused meanwhile waits for. */
  underway?: Promise<void>
  /** When the last renewal that found the secret unchanged (or failed) ended. */
  quietSince?: number
}

/**
 * The gateway's side of every backend auth type (lib/backend/auth/): each
 * outgoing request is handed whole to its agent's adapter and comes back
 * authenticated (a header added, a token fetched and cached, a SigV4
 * signature over the exact bytes). Built once per handler: adapters keep
 * their caches (tokens, AWS credentials) across invocations.
 *
 * @example
 * const credentials = backendCredentials({ secrets, fetch: guardedFetch(policy) })
 * const signed = await credentials.authenticate(request, record.auth, { agentId: 'billing' })
 */
export const backendCredentials = (deps: {
  secrets: Pick<SecretStore, 'read'>
  /** The address-guarded fetch (guardedFetch) a token endpoint is called with. */
  fetch: MaybeGuardedFetch
  /** The gateway's own AWS credentials; the default provider chain, memoized, unless given. */
  awsCredentials?: AwsCredentialsSource
  now?: () => number
  /** How long a token endpoint may take to answer; lib/config.ts's `tokenFetchTimeoutMs` unless given. */
  tokenTimeoutMs?: number
  /** Where an AWS-signed request may go (`signingDestinations`); anywhere unless given. */
  signsFor?: AuthenticatorDeps['signsFor']
}) => {
  let awsCredentials = deps.awsCredentials
  const now = deps.now ?? Date.now
  /**
   * The value each secret was last read with (the string the store handed out, not a copy), so a
   * renewal can tell whether it found the secret rotated.
   */
  const lastRead = new Map<string, string>()
  const secrets: Pick<SecretStore, 'read'> = {
    read: async (arn, options) => {
      const value = await deps.secrets.read(arn, options)
      lastRead.set(arn, value)
      return value
    },
  }
  const shared = {
    secrets,
    fetch: deps.fetch,
    // Made on first use, so a gateway with no aws_iam agent never looks for AWS credentials.
    awsCredentials: () => {
      awsCredentials ??= defaultAwsCredentials()
      return awsCredentials()
    },
    now,
    tokenTimeoutMs: deps.tokenTimeoutMs ?? tokenFetchTimeoutMs,
    signsFor: deps.signsFor,
  }
  const authenticators = new Map<string, Authenticator<BackendAuth>>(
    backendAuthTypes.map((kind) => [kind.type, backendAuthType(kind.type).authenticator(shared)]),
  )
  const authenticatorOf = (auth: BackendAuth) =>
    authenticators.get(auth.type) as Authenticator<BackendAuth>
  const renewals = new Map<string, Renewals>()
  const renewalsOf = (agentId: string) => {
    let kept = renewals.get(agentId)
    if (!kept) {
      kept = { generation: 0 }
      renewals.set(agentId, kept)
    }
    return kept
  }
  /** Renews the agent's credentials; whether it found the secret other than last read. */
  const renewOnce = async (agentId: string, auth: BackendAuth) => {
    // api_key and oauth2_client_credentials, the types that renew, keep one secret (StoredSecret).
    const arn = 'secretArn' in auth ? auth.secretArn : undefined
    const before = arn === undefined ? undefined : lastRead.get(arn)
    await authenticatorOf(auth).renew?.(agentId, auth)
    return arn !== undefined && before !== undefined && lastRead.get(arn) !== before
  }

  return {
    /** The request authenticated for the agent whose record holds `auth`. */
    authenticate: (
      request: OutgoingRequest,
      auth: BackendAuth,
      context: AuthenticationContext,
    ): Promise<OutgoingRequest> => authenticatorOf(auth).authenticate(request, auth, context),
    /** A 401 may be met by renewing the credentials (`renew`). */
    renewsOn401: (auth: BackendAuth) => backendAuthType(auth.type).renewsOn401,
    /** Which of the agent's credentials a call is about to be sent with, for `renew` if it is refused. */
    generation: (agentId: string): number => renewals.get(agentId)?.generation ?? 0,
    /**
     * The agent refused credentials of `sentWith` (a `generation`): whether newer ones are there
     * to send the call with. They are if a renewal has ended since and none is under way, or
     * when the one under way ends (shared: a burst of refused calls renews once, and a call
     * refused with credentials older still waits for it too), or when one started now
     * ends; but none starts within `credentialRenewalWindowMs` of a renewal that found the
     * secret unchanged or failed (false). A failed renewal's error is every waiting call's.
     */
    async renew(agentId: string, auth: BackendAuth, sentWith: number): Promise<boolean> {
      const kept = renewalsOf(agentId)
      // One under way replaces what a newer generation has too (its own call was refused with
      // them): a call refused with older ones waits for it rather than send those at once.
      if (kept.generation !== sentWith && !kept.underway) return true
      let underway = kept.underway
      if (!underway) {
        const since = kept.quietSince
        const at = now()
        // A time "from the future" (the clock set back since) bounds nothing.
        if (since !== undefined && since <= at && at - since < credentialRenewalWindowMs) {
          return false
        }
        const started = renewOnce(agentId, auth).then(
          (rotated) => {
            kept.generation++
            kept.quietSince = rotated ? undefined : now()
          },
          (error: unknown) => {
            kept.quietSince = now()
            throw error
          },
        )
        kept.underway = started
        started
          .finally(() => {
            if (kept.underway === started) kept.underway = undefined
          })
          .catch(() => undefined)
        underway = started
      }
      await underway
      return true
    },
    /** How the agent's card is fetched: authenticated as calls are, or as it is. */
    forCardFetch:
      (agentId: string, auth: BackendAuth) =>
      (request: OutgoingRequest): Promise<OutgoingRequest> =>
        backendAuthType(auth.type).authenticatesCardFetch
          ? authenticatorOf(auth).authenticate(request, auth, { agentId })
          : Promise.resolve(request),
  }
}

export type BackendCredentials = ReturnType<typeof backendCredentials>
