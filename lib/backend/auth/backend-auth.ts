import type * as z from 'zod'
import type { SecretStore } from '../../secrets/secret-store.ts'
import type { MaybeGuardedFetch } from '../guarded-fetch.ts'
import type { AwsCredentialsSource } from './aws-credentials.ts'
import type { AwsService } from './aws-iam.ts'

/**
 * A request on its way to a backend, whole: what an adapter authenticates. The
 * body is the exact bytes that will be sent, so a signature over it holds.
 */
export interface OutgoingRequest {
  method: string
  url: string
  /** Lower-case names. */
  headers: Record<string, string>
  body: Uint8Array | undefined
}

export interface AuthenticationContext {
  agentId: string
}

/** What adapters may use at call time; built once per handler. */
export interface AuthenticatorDeps {
  secrets: Pick<SecretStore, 'read'>
  /** The address-guarded fetch (guardedFetch), for a token endpoint. */
  fetch: MaybeGuardedFetch
  /** The gateway's own AWS credentials (memoized default provider chain). */
  awsCredentials: AwsCredentialsSource
  now: () => number
  /** How long a token endpoint may take to answer. */
  tokenTimeoutMs: number
  /** Where an AWS-signed request may go (on AWS: AWS's own addresses); anywhere when absent. */
  signsFor?: ((url: string, target: { service: AwsService; region: string }) => boolean) | undefined
}

export interface Authenticator<Stored> {
  /** The request, authenticated; the one given is left as it was. */
  authenticate(
    request: OutgoingRequest,
    auth: Stored,
    context: AuthenticationContext,
  ): Promise<OutgoingRequest>
  /**
   * Gets the agent new credentials, its secret read afresh (it may have been rotated), for the
   * next `authenticate` to use: the agent refused those it had (a 401). Only for a type that
   * `renewsOn401`; `backendCredentials` decides when (at most once a window per agent).
   */
  renew?(agentId: string, auth: Stored): Promise<void>
}

/** Where a registration puts an inline secret: stored for the agent, its ARN returned. */
export type StoreSecret = (value: string) => Promise<string>

/** What a config is checked and stored against besides its own fields. */
export interface ConfigContext {
  backendUrl: string
}

/** What `toRecord` is handed besides the config: where an inline secret goes, and what it replaces. */
export interface RecordContext extends ConfigContext {
  storeSecret: StoreSecret
  /**
   * The ARN of the secret `arn` names if the gateway made it for this agent (the record a
   * PUT replaces owns it, or retired it and has not yet deleted it); undefined otherwise.
   * A config naming such a secret keeps it owned, under the ARN the gateway made it with,
   * so it is still deleted with the agent; any other named secret is the operator's and
   * never deleted. Absent (a registration): every named secret is the operator's.
   */
  madeSecret?: (arn: string) => string | undefined
}

/** A problem with a config found beyond its schema, at `path` under `auth`. */
export interface ConfigIssue {
  path: string
  message: string
}

/** A zod schema that can sit in the `auth` discriminated union. */
export type AuthConfigSchema = z.ZodType<{ type: string }> & z.core.$ZodTypeDiscriminable

/**
 * One way the gateway authenticates to a backend (`auth.type`), whole: its
 * config schema, what its record keeps, its secrets, and how it authenticates
 * a request. A new type is one file exporting one of these, plus one line in
 * `backendAuthTypes` (auth-types.ts).
 */
export interface BackendAuthType<Schema extends AuthConfigSchema, Stored extends { type: string }> {
  type: Stored['type']
  /** The `auth` object of an agent config: a strict object whose `type` is the literal. */
  config: Schema
  /** Problems the schema alone cannot see (they need the backend's URL). */
  checkConfig?(config: z.output<Schema>, context: ConfigContext): ConfigIssue[]
  /** URLs besides the backend's that the gateway calls (a token endpoint), by field. */
  addresses?(config: z.output<Schema>): { field: string; url: string }[]
  /**
   * The secret an operator named by ARN in a config or record, with its config
   * field: it must belong to the agent (register-agent.ts, checkNamedSecret).
   */
  namedSecret(auth: z.output<Schema> | Stored): { field: string; arn: string } | undefined
  /**
   * Where the secret itself is sent, given the agent's backend URL: a token endpoint, or the
   * backend's origin. A PUT may not send an agent's secret, named by ARN, somewhere new
   * (register-agent.ts, checkSecretDestination). Undefined for a type that sends no secret.
   */
  secretDestination(auth: z.output<Schema> | Stored, backendUrl: string): string | undefined
  /** What the agent's record keeps: an inline secret stored (its ARN kept), inferred values. */
  toRecord(config: z.output<Schema>, context: RecordContext): Promise<Stored>
  /** The secret the gateway created for the agent, deleted with it. */
  ownedSecret(auth: Stored): string | undefined
  /** A 401 from the backend may be met by renewing the credentials (`renew`). */
  renewsOn401: boolean
  /** Card fetches (registration, sync) are authenticated too, not only calls. */
  authenticatesCardFetch: boolean
  authenticator(deps: AuthenticatorDeps): Authenticator<Stored>
}

export { BackendCredentialsError } from '../../errors.ts'
