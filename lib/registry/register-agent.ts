import * as z from 'zod'
import { type Binding, bindings, parseAgentCard } from '../a2a/agent-card.ts'
import { verifyCardSignatures } from '../a2a/card-signature.ts'
import { agentCoreRuntimeOf, resolveBackendAddress } from '../backend/agentcore.ts'
import { backendAuthType } from '../backend/auth/auth-types.ts'
import { type AwsService, awsTargetFor, isAwsEndpointOf } from '../backend/auth/aws-iam.ts'
import {
  AgentBeingDeletedError,
  AgentChangedError,
  AgentDeleteUnfinishedError,
  AgentNotFoundError,
  AgentRegisteredAgainError,
  BackendUrlRejectedError,
  CardSignatureInvalidError,
  InvalidAgentCardError,
  SecretAccessDeniedError,
  SecretRejectedError,
  type SwitchboardError,
} from '../errors.ts'
import type { IfMatch } from '../http/preconditions.ts'
import type { SecretStore } from '../secrets/secret-store.ts'
import { isUnconfirmedWrite } from '../write-outcome.ts'
import { type AgentConfig, agentConfigSchema, agentPatchSchema } from './agent-config.ts'
import { type AgentVersion, agentPreconditionFailed, assertAgentIfMatch } from './agent-etag.ts'
import type { AgentRecord, BackendAuth } from './agent-record.ts'
import type { AgentRegistry } from './agent-registry.ts'
import { type BackendAddressPolicy, checkBackendUrl } from './backend-address.ts'

export interface AgentAdminDeps {
  registry: AgentRegistry
  secrets: SecretStore
  /** Fetches a card, authenticated as the agent's auth type says (lib/backend/credentials.ts). */
  fetchCard: (cardUrl: string, agent: Pick<AgentRecord, 'agentId' | 'auth'>) => Promise<unknown>
  /** Reads the JWK set a card signature's `jku` names (fetchKeySet). */
  fetchKeys: (jku: string) => Promise<unknown>
  /** Which backend addresses may be registered. */
  addressPolicy: BackendAddressPolicy
  /** AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: where a runtime registered by its ARN is called. */
  agentCoreEndpointUrl?: string | undefined
  /**
   * STACK_NAME: the stack whose secrets the gateway stores (named below
   * `backendSecretPrefixFor(stackName)`, tagged `switchboard:stack`); none locally.
   */
  stackName?: string | undefined
  /** Removes the agent's search vector; runs before its record goes. */
  removeVector?: (agentId: string) => Promise<void>
  /** Takes the agent out of every permission; runs before its record goes. */
  revokeGrants?: (agentId: string) => Promise<void>
  /** Told of clean-up that failed after the change itself was decided (a secret left over). */
  warn?: (message: string, details: Record<string, unknown>) => void
  now?: () => Date
}

/** What an admin change did, for the audit log. */
export interface AgentChange {
  before: AgentRecord | undefined
  after: AgentRecord | undefined
}

/**
 * Where the gateway sends each binding. A card may advertise public URLs the
 * gateway must not use; interfaces on the backend's own origin are taken as
 * they are, otherwise `backendUrl` serves the card's first binding.
 */
export const resolveEndpoints = (
  interfaces: Partial<Record<Binding, string>>,
  backendUrl: string,
): Partial<Record<Binding, string>> => {
  const origin = new URL(backendUrl).origin
  const sameOrigin = bindings.filter((binding) => {
    const url = interfaces[binding]
    return url !== undefined && new URL(url).origin === origin
  })
  if (sameOrigin.length > 0) {
    return Object.fromEntries(sameOrigin.map((binding) => [binding, interfaces[binding]]))
  }
  const first = bindings.find((binding) => interfaces[binding] !== undefined)
  return first ? { [first]: backendUrl } : {}
}

const nowOf = (deps: AgentAdminDeps) => (deps.now ?? (() => new Date()))()
const timestamp = (deps: AgentAdminDeps) => nowOf(deps).toISOString()

/**
 * The `updatedAt` of a change to `before`: now, or a millisecond past `before.updatedAt` when
 * now is not later (a change in the millisecond of the write it read, or an instance whose clock
 * is behind). Every change is written on the condition that `updatedAt` is still as it read it,
 * so each write must leave another value there: one leaving the same let a second change that
 * read the agent before it overwrite it, both answered as made (a concurrency red team's
 * finding). ISO times order as strings, as they do as instants.
 */
const changedAt = (deps: AgentAdminDeps, before: Pick<AgentRecord, 'updatedAt'>): string => {
  const now = nowOf(deps)
  const read = Date.parse(before.updatedAt)
  return now.getTime() > read || Number.isNaN(read)
    ? now.toISOString()
    : new Date(read + 1).toISOString()
}

/**
 * Writes a change over the version `read`, as every change is (`AgentRegistry.replace`). Sent
 * with `If-Match` naming tags, which the version read passed (`assertAgentIfMatch`), a refusal
 * because another change landed after the read is a 412 naming the agent as it is now: the
 * version the client named is gone. Without it, or with `If-Match: *` (the agent must exist,
 * which it still does), the 409 it always was.
 */
const replaceAsRead = async (
  deps: Pick<AgentAdminDeps, 'registry'>,
  record: AgentRecord,
  read: AgentVersion,
  ifMatch: IfMatch | undefined,
): Promise<void> => {
  try {
    await deps.registry.replace(record, read)
  } catch (error) {
    if (ifMatch && 'tags' in ifMatch && error instanceof AgentChangedError && error.current) {
      throw agentPreconditionFailed({ agentId: error.agentId, ...error.current })
    }
    throw error
  }
}

/** Fetches and validates the card of a backend; nothing is written. */
const readCard = async (
  config: Pick<AgentRecord, 'agentId' | 'agentCardUrl' | 'backendUrl' | 'auth'>,
  deps: AgentAdminDeps,
) => {
  const fetched = await deps.fetchCard(config.agentCardUrl, config)
  const parsed = parseAgentCard(fetched)
  if ('problems' in parsed) throw new InvalidAgentCardError(config.agentCardUrl, parsed.problems)
  // The agent's signatures are checked as it sent them; served cards carry the gateway's instead.
  const failures = await verifyCardSignatures(fetched, {
    fetchKeys: async (jku) => {
      await checkBackendUrl('jku', jku, deps.addressPolicy)
      return deps.fetchKeys(jku)
    },
  })
  if (failures.length > 0) throw new CardSignatureInvalidError(config.agentCardUrl, failures)
  return {
    card: parsed.card,
    protocolVersion: parsed.protocolVersion,
    endpoints: agentCoreRuntimeOf(config.backendUrl)
      ? agentCoreEndpoints(parsed.interfaces, config)
      : resolveEndpoints(parsed.interfaces, config.backendUrl),
  }
}

/**
 * An AgentCore runtime serves A2A over JSON-RPC only, at its invocation URL
 * (AgentCore passes the payload to the agent's root): HTTP+JSON callers are
 * translated, whatever else the card declares.
 */
const agentCoreEndpoints = (
  interfaces: Partial<Record<Binding, string>>,
  config: Pick<AgentRecord, 'agentCardUrl' | 'backendUrl'>,
): Partial<Record<Binding, string>> => {
  if (interfaces.JSONRPC === undefined) {
    throw new InvalidAgentCardError(config.agentCardUrl, [
      'it declares no JSONRPC interface, and an AgentCore runtime serves A2A over JSON-RPC only',
    ])
  }
  return { JSONRPC: config.backendUrl }
}

/**
 * Where every stack named its backend secrets before each had a prefix of its own: two stacks in
 * one account and Region shared it, so each one's admin role could delete the other's secrets.
 * Secrets named so before stay where they are (README *Upgrading and rolling back*), and the
 * gateway still reads, replaces and deletes them: on AWS only those tagged `switchboard:stack`
 * with its own stack (the Terraform stack's IAM condition). A laptop, with no stack, names its
 * secrets here still.
 */
export const legacyBackendSecretPrefix = 'switchboard/agents/'

/**
 * Every backend secret the gateway creates for a stack is named below this prefix; the
 * Terraform stack (`local.backend_secret_prefix`, from the same `name` as STACK_NAME) lets the
 * admin function create and delete secrets under it, and no other stack's role reaches it.
 *
 * @example
 * backendSecretPrefixFor('prod') // 'switchboard/prod/agents/'
 * backendSecretPrefixFor(undefined) // 'switchboard/agents/' (a laptop)
 */
export const backendSecretPrefixFor = (stackName: string | undefined): string =>
  stackName ? `switchboard/${stackName}/agents/` : legacyBackendSecretPrefix

/**
 * The tag that marks a secret for one agent: the gateway puts it on the secrets
 * it creates, and an operator on a secret kept elsewhere that an agent may use.
 */
export const agentIdTag = 'switchboard:agent-id'

/**
 * The tag that says which stack a secret belongs to: the gateway puts it on the secrets it
 * creates; the operator on the secrets an earlier release stored under the legacy prefix
 * (README *Upgrading and rolling back*). On AWS, IAM lets a stack's roles reach a legacy-named
 * secret only with their own stack here, and no operator-marked secret tagged for another stack.
 */
export const stackTag = 'switchboard:stack'

/**
 * A secret named in an agent config (`...Arn`) must exist and belong to that
 * agent: named below `switchboard/<stack>/agents/<agentId>/` (or the legacy
 * `switchboard/agents/<agentId>/`), or tagged `switchboard:agent-id` = agentId;
 * and not be tagged for another stack. Otherwise an admin could point agent B at
 * the secret stored for agent A and receive A's credential at B's backend.
 */
const checkNamedSecret = async (
  agentId: string,
  auth: AgentConfig['auth'] | BackendAuth,
  deps: Pick<AgentAdminDeps, 'secrets' | 'stackName'>,
): Promise<void> => {
  const named = backendAuthType(auth.type).namedSecret(auth)
  if (!named) return
  const { field, arn } = named
  const ownNames = [
    ...new Set([backendSecretPrefixFor(deps.stackName), legacyBackendSecretPrefix]),
  ].map((prefix) => `${prefix}${agentId}/`)
  const rule = `a secret an agent uses is named '${ownNames[0]}...' or tagged '${agentIdTag}' = '${agentId}'`
  const secret = await deps.secrets.describe(arn).catch((error: unknown) => {
    if (error instanceof SecretAccessDeniedError)
      throw new SecretRejectedError(field, `${error.message}: ${rule}.`)
    throw error
  })
  if (!secret) throw new SecretRejectedError(field, `no secret ${arn} exists.`)
  const stack = secret.tags[stackTag]
  if (deps.stackName && stack !== undefined && stack !== deps.stackName) {
    throw new SecretRejectedError(
      field,
      `secret ${arn} belongs to stack '${stack}' (its '${stackTag}' tag), not this one ('${deps.stackName}').`,
    )
  }
  const namedForAgent = ownNames.some((name) => secret.name.startsWith(name))
  if (namedForAgent || secret.tags[agentIdTag] === agentId) return
  throw new SecretRejectedError(
    field,
    `secret ${arn} does not belong to agent '${agentId}': ${rule}.`,
  )
}

/**
 * A PUT that names the agent's own secret by ARN (the one its record uses) may not send it
 * somewhere new: a token endpoint or a backend URL other than the record's. The admin API never
 * shows a secret, yet a PUT could otherwise hand it to a host the admin chose (a red team's
 * finding); to move it, the config gives the secret itself, inline. This holds the secrets the
 * gateway keeps for an agent (given inline), which go with the record: a secret an operator
 * tagged for the agent stays the operator's to bind, as a registration binds it anywhere.
 */
const checkSecretDestination = (
  config: Pick<AgentConfig, 'agentId' | 'auth'>,
  backendUrl: string,
  existing: AgentRecord | undefined,
): void => {
  const kind = backendAuthType(config.auth.type)
  const named = kind.namedSecret(config.auth)
  const used = existing && secretInUse(existing.auth)
  // Either may be a partial ARN (without Secrets Manager's six-character suffix).
  const same = used && named && (sameSecret([used], named.arn) || sameSecret([named.arn], used))
  if (!named || !existing || !same) return
  const before = backendAuthType(existing.auth.type).secretDestination(
    existing.auth,
    existing.backendUrl,
  )
  const after = kind.secretDestination(config.auth, backendUrl)
  if (after === before) return
  throw new SecretRejectedError(
    named.field,
    `the secret of agent '${config.agentId}' would go to ${after ?? 'nowhere'} where it went to ${before ?? 'nowhere'}: to send it somewhere new, give the secret itself inline instead of its ARN.`,
  )
}

/**
 * On AWS, an `aws_iam` agent's requests (calls, card fetches) carry the gateway's own SigV4
 * signature, access key id and session token: both its URLs must be AWS's endpoint of the
 * service and region they are signed for (a red team's finding: any host an operator named got
 * them). On a laptop the stand-ins are local, as every address may be there.
 */
const checkSigningDestination = (
  auth: AgentConfig['auth'],
  address: { backendUrl: string; agentCardUrl: string },
  deps: Pick<AgentAdminDeps, 'addressPolicy' | 'agentCoreEndpointUrl'>,
): void => {
  if (auth.type !== 'aws_iam' || deps.addressPolicy.mode !== 'aws') return
  const { service, region } = awsTargetFor(auth, address.backendUrl)
  // checkConfig refused a config whose service or region it could not tell.
  const target = { service: service as AwsService, region: region as string }
  const why = "an aws_iam agent's requests carry the gateway's own AWS signature and session token"
  if (!isAwsEndpointOf(address.backendUrl, target, deps.agentCoreEndpointUrl)) {
    throw new BackendUrlRejectedError(
      'backendUrl',
      `must be an https address of ${target.service} in ${target.region} (${target.service === 'lambda' ? '<id>.lambda-url.<region>.on.aws' : 'bedrock-agentcore.<region>.amazonaws.com, a VPC endpoint of it, or AWS_ENDPOINT_URL_BEDROCK_AGENTCORE'}): ${why}`,
    )
  }
  // Another function URL of the same region would pass as AWS's: another account's, open to all.
  if (URL.parse(address.agentCardUrl)?.origin !== URL.parse(address.backendUrl)?.origin) {
    throw new BackendUrlRejectedError(
      'agentCardUrl',
      `must be on backendUrl's own origin (${URL.parse(address.backendUrl)?.origin}): ${why}`,
    )
  }
}

/**
 * Stores an inline secret for the agent, under the stack's prefix, tagged with the agent and
 * the stack; returns its ARN.
 */
const secretStorer =
  (agentId: string, { secrets, stackName }: Pick<AgentAdminDeps, 'secrets' | 'stackName'>) =>
  (value: string) =>
    secrets.create(`${backendSecretPrefixFor(stackName)}${agentId}/${crypto.randomUUID()}`, value, {
      [agentIdTag]: agentId,
      ...(stackName ? { [stackTag]: stackName } : {}),
    })

const ownedSecret = (auth: BackendAuth | undefined) =>
  auth ? backendAuthType(auth.type).ownedSecret(auth) : undefined

/**
 * The secret among `made` that `arn` names: that very ARN, or a partial ARN for it (without
 * the '-' and six characters Secrets Manager appends to a secret's name in its ARN, which
 * Secrets Manager accepts as naming the secret too). A name the gateway gives ends in a
 * UUID, so no other secret's ARN can look like one of its partial ARNs.
 */
const sameSecret = (made: readonly string[], arn: string): string | undefined =>
  made.find((own) => own === arn || (own.length === arn.length + 7 && own.startsWith(`${arn}-`)))

/** The secret a record's auth is called with, whoever made it; none for `none` and `aws_iam`. */
const secretInUse = (auth: BackendAuth): string | undefined => {
  const kind = backendAuthType(auth.type)
  return kind.ownedSecret(auth) ?? kind.namedSecret(auth)?.arn
}

/**
 * Builds a record from a config and writes it with `write`, as not yet indexed.
 * Addresses and named secrets are checked first; then the auth type makes what
 * the record keeps (storing an inline secret), so that the card can be fetched
 * as the agent's calls will be (signed, for `aws_iam`). A secret stored for the
 * record is deleted again if the card or the write fails, so a failed call
 * leaves nothing behind, and the caller hears why it failed.
 *
 * `madeSecrets` are the secrets the gateway made for the agent that a PUT
 * replaces (the one its record owns, those it retired): each is retired on the
 * new record unless the new record is called with it, and one the config names
 * by ARN stays the gateway's (deleted with the agent), not the operator's.
 */
const writeFromConfig = async (
  config: AgentConfig,
  deps: AgentAdminDeps,
  existing: AgentRecord | undefined,
  write: (record: AgentRecord) => Promise<void>,
  madeSecrets: readonly string[] = [],
): Promise<AgentRecord> => {
  const { backendUrl, agentCardUrl } = resolveBackendAddress(config, deps.agentCoreEndpointUrl)
  // The config schema requires agentCardUrl unless backendUrl names an AgentCore runtime.
  const address = { backendUrl, agentCardUrl: agentCardUrl as string }
  checkSigningDestination(config.auth, address, deps)
  await checkBackendUrl('backendUrl', address.backendUrl, deps.addressPolicy)
  await checkBackendUrl('agentCardUrl', address.agentCardUrl, deps.addressPolicy)
  const kind = backendAuthType(config.auth.type)
  for (const { field, url } of kind.addresses?.(config.auth) ?? []) {
    await checkBackendUrl(field, url, deps.addressPolicy)
  }
  await checkNamedSecret(config.agentId, config.auth, deps)
  checkSecretDestination(config, address.backendUrl, existing)
  const storeSecret = secretStorer(config.agentId, deps)
  /** The secret this call stored, the only one its failure deletes (a named one may be live). */
  let stored: string | undefined
  const auth = await kind.toRecord(config.auth, {
    backendUrl: address.backendUrl,
    storeSecret: async (value) => {
      stored = await storeSecret(value)
      return stored
    },
    madeSecret: (arn) => sameSecret(madeSecrets, arn),
  })
  const inUse = secretInUse(auth)
  const retiredSecretArns = madeSecrets.filter((arn) => arn !== inUse)
  try {
    const fromCard = await readCard({ ...config, ...address, auth }, deps)
    const now = timestamp(deps)
    const record: AgentRecord = {
      agentId: config.agentId,
      ...address,
      auth,
      status: config.status,
      cardVisibility: config.cardVisibility,
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.routingExamples?.length ? { routingExamples: config.routingExamples } : {}),
      ...fromCard,
      createdAt: existing?.createdAt ?? now,
      updatedAt: existing ? changedAt(deps, existing) : now,
      indexed: false,
      ...(retiredSecretArns.length > 0 ? { retiredSecretArns } : {}),
    }
    await write(record)
    return record
  } catch (error) {
    // Not ownedSecret(auth): a PUT naming the agent's own secret owns it too, and it is still live.
    const created = stored
    if (created && isUnconfirmedWrite(error)) {
      // The record may stand, naming it: deleting it would leave an agent no call can authenticate.
      deps.warn?.(
        "secret kept: the agent's record may name it (its write's outcome is unknown); if GET /admin/agents/{agentId} shows another, delete it by hand",
        {
          agentId: config.agentId,
          secretArn: created,
        },
      )
    } else if (created) {
      await deps.secrets.delete(created).catch((cleanup: unknown) =>
        deps.warn?.('secret left over from a failed agent write; delete it by hand', {
          agentId: config.agentId,
          secretArn: created,
          error: cleanup,
        }),
      )
    }
    throw error
  }
}

/**
 * Deletes retired secrets; returns those whose delete failed, to try again later.
 * The secret the record is called with is never deleted, whatever the list says:
 * writeFromConfig leaves it off, and a list written otherwise is not trusted with it.
 */
const deleteRetired = async (record: AgentRecord, deps: AgentAdminDeps): Promise<string[]> => {
  const left: string[] = []
  const inUse = secretInUse(record.auth)
  for (const arn of record.retiredSecretArns ?? []) {
    if (arn === inUse) {
      deps.warn?.('a retired secret is the one the agent is called with; not deleted', {
        agentId: record.agentId,
        secretArn: arn,
      })
      continue
    }
    try {
      await deps.secrets.delete(arn)
    } catch (error) {
      deps.warn?.('retired secret not deleted; the next PUT or delete tries again', {
        agentId: record.agentId,
        secretArn: arn,
        error,
      })
      left.push(arn)
    }
  }
  return left
}

/**
 * The agent a registration names, its whole config checked first: a ZodError (a 400 naming
 * each field) if it is not a valid one. The audit entry of a registration names this agent and
 * is written before the registration runs, so the id is checked before anything is written:
 * DynamoDB refuses an empty or overlong one as the key of the trail's by-agent index, which
 * turned a bad id into a 503 (dynalite does not check index keys).
 *
 * @example
 * registeredAgentId({ agentId: '', backendUrl: '…' }) // throws: agentId must be 1-63 …
 */
export const registeredAgentId = (input: unknown): string => agentConfigSchema.parse(input).agentId

/**
 * Registers an agent: validates its config and backend address, fetches and
 * validates its card, stores any inline secret, then the record.
 *
 * @example
 * const { after } = await registerAgent(body, deps) // AgentAlreadyRegisteredError if taken
 */
export const registerAgent = async (input: unknown, deps: AgentAdminDeps): Promise<AgentChange> => {
  const config = agentConfigSchema.parse(input)
  const after = await writeFromConfig(config, deps, undefined, (record) =>
    deps.registry.create(record),
  )
  return { before: undefined, after }
}

/**
 * The agent's record, as GET /admin/agents/{agentId} shows it and every change but a delete
 * starts from: AgentNotFoundError if there is none, AgentBeingDeletedError if its delete has
 * not finished (only a DELETE, which finishes it, may touch it).
 *
 * @example
 * const record = await existingAgent('weather', deps) // or throws, saying why not
 */
export const existingAgent = async (
  agentId: string,
  deps: Pick<AgentAdminDeps, 'registry'>,
): Promise<AgentRecord> => {
  const record = await deps.registry.get(agentId)
  if (!record) throw new AgentNotFoundError(agentId)
  if (record.status === 'deleting') throw new AgentBeingDeletedError(agentId)
  return record
}

/**
 * PUT: replaces an agent's whole config; the card is read again. The secret it
 * replaces is named on the new record as retired, in the same write, and then
 * deleted, so a delete that fails loses track of nothing: the change stands and
 * the next PUT or the agent's delete deletes it. A config that names the
 * agent's own stored secret by ARN (the `secretArn` GET shows) keeps it: it is
 * not retired, and stays the gateway's.
 *
 * With `ifMatch` (the request's `If-Match`), it is made on the version that names or not at all:
 * PreconditionFailedError (412) before the card is fetched or a secret stored if the agent read
 * is another, and from the write's condition if another change lands after the read (its new
 * secret then deleted, as for any write refused). PATCH, sync and DELETE take it alike.
 */
export const replaceAgent = async (
  agentId: string,
  input: unknown,
  deps: AgentAdminDeps,
  ifMatch?: IfMatch,
): Promise<AgentChange> => {
  // The path names the agent; a body may leave agentId out, but may not name another.
  const withId =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? { agentId, ...input }
      : input
  const config = agentConfigSchema
    .safeExtend({
      agentId: z.literal(agentId, { error: `must be '${agentId}', the agent in the path` }),
    })
    .parse(withId)
  const before = await existingAgent(agentId, deps)
  // Before the card is fetched or a secret stored: a stale version costs nothing.
  assertAgentIfMatch(before, ifMatch)
  const replacedSecret = ownedSecret(before.auth)
  // What the gateway made is known from the record it replaces alone. The name is no proof: an
  // operator may create a secret below the agent's prefix and name it, and it is then
  // the operator's, never deleted (test/integration/registration.test.ts, 'never deletes it').
  const made = [...(before.retiredSecretArns ?? []), ...(replacedSecret ? [replacedSecret] : [])]
  const written = await writeFromConfig(
    config,
    deps,
    before,
    (record) => replaceAsRead(deps, record, before, ifMatch),
    made,
  )
  if (!written.retiredSecretArns) return { before, after: written }
  const left = await deleteRetired(written, deps)
  const { retiredSecretArns: _deleted, ...after } = written
  const settled: AgentRecord = left.length > 0 ? { ...after, retiredSecretArns: left } : after
  // Only bookkeeping: if it fails, the deleted ARNs are deleted again later, which is harmless.
  const noted = await deps.registry
    .annotate(written, { retiredSecretArns: left.length > 0 ? left : undefined })
    .catch(() => false)
  return { before, after: noted ? settled : written }
}

/**
 * PATCH: changes an agent's status, its card's visibility, its routing examples
 * (an empty list removes them), or several of these. An agent made
 * active is held to the secret rule again: the secret it names by ARN must still
 * exist and belong to it.
 */
export const patchAgent = async (
  agentId: string,
  input: unknown,
  deps: AgentAdminDeps,
  ifMatch?: IfMatch,
): Promise<AgentChange> => {
  const patch = agentPatchSchema.parse(input)
  const before = await existingAgent(agentId, deps)
  assertAgentIfMatch(before, ifMatch)
  if (patch.status === 'active') await checkNamedSecret(agentId, before.auth, deps)
  const { routingExamples, ...fields } = patch
  const { routingExamples: previous, ...rest } = before
  const examples = routingExamples ?? previous ?? []
  const after: AgentRecord = {
    ...rest,
    ...fields,
    ...(examples.length > 0 ? { routingExamples: examples } : {}),
    updatedAt: changedAt(deps, before),
    indexed: false,
  }
  await replaceAsRead(deps, after, before, ifMatch)
  return { before, after }
}

/** POST .../sync: reads the agent's card again and keeps what it now says. */
export const syncAgent = async (
  agentId: string,
  deps: AgentAdminDeps,
  ifMatch?: IfMatch,
): Promise<AgentChange> => {
  const before = await existingAgent(agentId, deps)
  assertAgentIfMatch(before, ifMatch)
  // A record registered before its URLs were checked is not signed for here either.
  checkSigningDestination(before.auth, before, deps)
  const after = {
    ...before,
    ...(await readCard(before, deps)),
    updatedAt: changedAt(deps, before),
    indexed: false,
  }
  await replaceAsRead(deps, after, before, ifMatch)
  return { before, after }
}

/**
 * Why a delete of `deleting` stops, from the id as read now: gone (another request finished
 * the delete), registered again since, or changed otherwise.
 */
const stopOfDelete = (
  deleting: AgentRecord,
  current: AgentRecord | undefined,
): SwitchboardError => {
  const { agentId } = deleting
  if (!current) {
    return new AgentNotFoundError(agentId, 'another request finished deleting it meanwhile')
  }
  if (current.createdAt !== deleting.createdAt) {
    return new AgentRegisteredAgainError(agentId, current.createdAt)
  }
  return new AgentChangedError(agentId)
}

/**
 * Whether the id still holds the registration `deleting` was read as, being deleted: undefined
 * if so, else why a delete of it stops. The search vectors and the grants are kept by agent id
 * alone: a delete checks this before each, so that one retried or run twice, which another
 * request finished meanwhile, stops there rather than take them from an agent registered
 * again since under the same id.
 */
const stopBeforeStep = async (
  deleting: AgentRecord,
  deps: AgentAdminDeps,
): Promise<SwitchboardError | undefined> => {
  const current = await deps.registry.get(deleting.agentId)
  if (current?.status === 'deleting' && current.createdAt === deleting.createdAt) return undefined
  return stopOfDelete(deleting, current)
}

/**
 * The steps of a delete after its `deleting` mark, the irreversible ones last: the search
 * vectors (which a sync or reindex can put back), the grants, the secrets (deleted for good),
 * then the record. Undefined once done, or why it stopped (the registration is no longer
 * there to delete); `progress` says which step ran last, should one throw.
 */
const deleteSteps = async (
  deleting: AgentRecord,
  deps: AgentAdminDeps,
  progress: { step: string; started: boolean },
): Promise<SwitchboardError | undefined> => {
  const { agentId } = deleting
  const next = (step: string) => {
    progress.step = step
    progress.started = true
  }
  progress.step = 'reading it again'
  const stopped = await stopBeforeStep(deleting, deps)
  if (stopped) return stopped
  next('removing its search vectors')
  await deps.removeVector?.(agentId)
  progress.step = 'reading it again'
  const stoppedAgain = await stopBeforeStep(deleting, deps)
  if (stoppedAgain) return stoppedAgain
  next('taking it out of its permissions')
  await deps.revokeGrants?.(agentId)
  // Each once, even should a record list the secret it owns as retired too.
  const secret = ownedSecret(deleting.auth)
  next('deleting its secrets')
  for (const arn of new Set([...(secret ? [secret] : []), ...(deleting.retiredSecretArns ?? [])])) {
    await deps.secrets.delete(arn)
  }
  next('deleting its record')
  if (await deps.registry.delete(deleting)) return undefined
  return stopOfDelete(deleting, await deps.registry.get(agentId))
}

/**
 * DELETE: the agent stops being served at once (status `deleting`), then its search vectors,
 * its grants and its secrets go, then its record, so an agent registered later under the same
 * id inherits nothing. Every step belongs to the registration read (its `createdAt`): a delete
 * that finds the id gone or registered again stops (AgentNotFoundError,
 * AgentRegisteredAgainError), leaving a new agent alone.
 *
 * A delete that fails after the mark throws AgentDeleteUnfinishedError: the agent stays
 * `deleting` (every other change is refused, saying so) and the next DELETE finishes it. What
 * a delete that stops made stays, and its error carries it (`made`) for the audit trail: the
 * mark (before it, after it `deleting`), or, for a delete run again, the steps it ran.
 *
 * With `ifMatch`, only the version it names is deleted (PreconditionFailedError otherwise, the
 * mark not written); an agent already `deleting` is matched as it is now, which its 412 names.
 */
export const deleteAgent = async (
  agentId: string,
  deps: AgentAdminDeps,
  ifMatch?: IfMatch,
): Promise<AgentChange> => {
  const before = await deps.registry.get(agentId)
  if (!before) throw new AgentNotFoundError(agentId)
  // One being deleted is matched as it is now (its ETag is in the 412 that names it so, or `*`).
  assertAgentIfMatch(before, ifMatch)
  const marks = before.status !== 'deleting'
  const deleting: AgentRecord = marks
    ? { ...before, status: 'deleting', updatedAt: changedAt(deps, before) }
    : before
  if (marks) await replaceAsRead(deps, deleting, before, ifMatch)
  const progress = { step: '', started: false }
  let stopped: SwitchboardError | undefined
  try {
    stopped = await deleteSteps(deleting, deps, progress)
  } catch (error) {
    const unfinished = new AgentDeleteUnfinishedError(agentId, progress.step, { cause: error })
    if (marks || progress.started) unfinished.made = { before, after: deleting }
    throw unfinished
  }
  if (!stopped) return { before, after: undefined }
  // What another request did is its own entry; this one's mark is this one's.
  if (marks) stopped.made = { before, after: deleting }
  throw stopped
}
