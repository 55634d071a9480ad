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
import type { BackendFetch } from './guarded-fetch.ts'

export { BackendCredentialsError } from './auth/backend-auth.ts'

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
  fetch: BackendFetch
  /** The gateway's own AWS credentials; the default provider chain, memoized, unless given. */
  awsCredentials?: AwsCredentialsSource
  now?: () => number
  /** How long a token endpoint may take to answer; lib/config.ts's `tokenFetchTimeoutMs` unless given. */
  tokenTimeoutMs?: number
  /** Where an AWS-signed request may go (`signingDestinations`); anywhere unless given. */
  signsFor?: AuthenticatorDeps['signsFor']
}) => {
  let awsCredentials = deps.awsCredentials
  const shared = {
    secrets: deps.secrets,
    fetch: deps.fetch,
    // Made on first use, so a gateway with no aws_iam agent never looks for AWS credentials.
    awsCredentials: () => {
      awsCredentials ??= defaultAwsCredentials()
      return awsCredentials()
    },
    now: deps.now ?? Date.now,
    tokenTimeoutMs: deps.tokenTimeoutMs ?? tokenFetchTimeoutMs,
    signsFor: deps.signsFor,
  }
  const authenticators = new Map<string, Authenticator<BackendAuth>>(
    backendAuthTypes.map((kind) => [kind.type, backendAuthType(kind.type).authenticator(shared)]),
  )
  const authenticatorOf = (auth: BackendAuth) =>
    authenticators.get(auth.type) as Authenticator<BackendAuth>

  return {
    /** The request authenticated for the agent whose record holds `auth`. */
    authenticate: (
      request: OutgoingRequest,
      auth: BackendAuth,
      context: AuthenticationContext,
    ): Promise<OutgoingRequest> => authenticatorOf(auth).authenticate(request, auth, context),
    /** Drops what is cached for an agent (the backend refused it), so the next call gets anew. */
    forget(agentId: string) {
      for (const authenticator of authenticators.values()) authenticator.forget?.(agentId)
    },
    /** A 401 may be met by renewing the credentials and sending once more. */
    renewsOn401: (auth: BackendAuth) => backendAuthType(auth.type).renewsOn401,
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
