import type { A2AFailure } from '../a2a/errors.ts'
import { fieldOf } from '../a2a/proto-fields.ts'
import type { A2ACall } from '../a2a/request.ts'
import { headerText } from '../backend/auth/fields.ts'
import { BackendUrlRejectedError } from '../errors.ts'
import { memberBytes, withinRequestBound } from '../http/request-bound.ts'
import { nestsDeeperThan } from '../json-depth.ts'
import { emptyKeyAt, unkeptNumberAt } from '../json-paths.ts'
import { type BackendAddressPolicy, checkBackendUrl } from '../registry/backend-address.ts'
import { jsonRpcParamsOf, namedTask } from '../tasks/task-calls.ts'
import { withThousands } from '../thousands.ts'
import {
  type ClientWebhook,
  configIdFor,
  newCallbackSecret,
  PushConfigChangedError,
  type PushConfigRecord,
  type PushConfigStore,
  pushConfigTtlSeconds,
  randomConfigId,
  type SettingToken,
  secretHashOf,
} from './push-configs.ts'
import {
  callbackMembers,
  hasId,
  misspelledPushField,
  pushCallbackPath,
  pushConfigsIn,
  webhookOf,
  withCallback,
} from './webhook-config.ts'

export interface SetPushConfigDeps {
  configs: Pick<PushConfigStore, 'put' | 'get'>
  /** The address policy backends are held to; webhooks are held to the same. */
  addressPolicy: BackendAddressPolicy
  /** The gateway's base URL as the agent reaches it. */
  baseUrl: string
  /** The most the call, written anew with the callback, may be (MAX_REQUEST_BYTES). */
  maxRequestBytes?: number | undefined
  now?: () => number
}

/**
 * A call that sets a push config (CreateTaskPushNotificationConfig, or a
 * SendMessage with an inline config), made safe to forward: the client's
 * webhook is checked against the backend address policy and kept in the
 * store, and the agent is handed the gateway's callback with a fresh secret
 * instead. Any other call comes back as it is. A webhook the policy refuses is
 * an invalid-params failure saying why; nothing is stored then.
 *
 * @example
 * const outcome = await withGatewayCallback(call, { principal, agentCreatedAt, setWith }, deps)
 * if ('failure' in outcome) return renderA2AFailure(outcome.failure, call.binding, call.jsonRpcId)
 */
export const withGatewayCallback = async (
  call: A2ACall,
  setter: {
    principal: string
    /** The registration of the agent called (its record's `createdAt`), which the config outlives not. */
    agentCreatedAt: string
    /** The caller's token, which the setting outlives not. */
    setWith: SettingToken
  },
  deps: SetPushConfigDeps,
): Promise<{ call: A2ACall; written?: PushConfigRecord } | { failure: A2AFailure }> => {
  const misspelled = misspelledPushField(call.operation, call.params)
  if (misspelled) return { failure: { kind: 'invalid-params', message: misspelled } }
  const [config, ...more] = pushConfigsIn(call.operation, call.params)
  if (!config) return { call }
  if (more.length > 0) {
    return {
      failure: {
        kind: 'invalid-params',
        message: 'The call carries more than one push notification config: give one.',
      },
    }
  }
  if (typeof config.url !== 'string') {
    return {
      failure: { kind: 'invalid-params', message: 'The push notification URL must be a string.' },
    }
  }
  const webhook: ClientWebhook = webhookOf(config)
  const unfit = webhookProblem(webhook)
  if (unfit) return { failure: { kind: 'invalid-params', message: unfit } }
  try {
    await checkBackendUrl('The push notification URL', webhook.url, deps.addressPolicy)
  } catch (error) {
    if (!(error instanceof BackendUrlRejectedError)) throw error
    return { failure: { kind: 'invalid-params', message: error.callerMessage } }
  }
  const named = namedTask(call)
  const taskId = named && 'taskId' in named ? named.taskId : undefined
  // A config set without an id is named by its task, as a2a-python and most @a2a-js/sdk releases
  // name it; a Create's agent is told so (`withCallback`), since one left to name it may choose a
  // random id (@a2a-js/sdk 1.3.0), which no Delete's derived id finds. A config given with the
  // SendMessage that starts its task cannot be told (no task yet): an id its agent chose is linked
  // once a List shows it (`linkAnsweredId`).
  const id = hasId(config) ? (config.id as string) : taskId
  const { principal, agentCreatedAt, setWith } = setter
  const configId =
    taskId && id ? configIdFor(call.agentId, principal, taskId, id) : randomConfigId()
  const secret = newCallbackSecret()
  const setAt = Math.floor((deps.now ?? Date.now)() / 1000)
  const record = {
    configId,
    agentId: call.agentId,
    ...(taskId ? { taskId } : {}),
    principal,
    agentCreatedAt,
    secretHash: secretHashOf(secret),
    webhook,
    setWith,
    setAt,
    // Kept for the Delete of its task and id to find it through a link (`inlineLinkOf`).
    ...(taskId ? {} : { inline: id === undefined ? {} : { id } }),
    expiresAt: setAt + pushConfigTtlSeconds,
  }
  const callback = {
    url: `${deps.baseUrl}${pushCallbackPath(configId)}`,
    secret,
    ...(taskId ? { id } : {}),
  }
  const safe = withCallback(call, callback)
  // Measured before the webhook is kept, so a call refused keeps none. Read keeping its numbers
  // as written, the body goes on with them as doubles past `maxKeptNumbers` (`1e20` as 21 digits),
  // and a message of 6.3 MB of them reached its agent as 27.5 MB until 7 December 2026. Beyond the
  // limit by the callback's own members only: a callback URL longer than the client's webhook does
  // not refuse a call that was within the limit. An id the config already had is the caller's, not
  // added: counted, 2.4 MB of it let 0.7 MB of `1e20` reach the agent as 3.1 MB past a 3 MiB limit.
  withinRequestBound(safe, deps, {
    how: "carrying the gateway's push callback",
    from: call.body,
    added: memberBytes(callbackMembers(config, callback)),
  })
  const written = await putKeepingPrevious(record, deps.configs)
  return { call: safe, written }
}

/**
 * The agent has taken a config's new setting (its answer to the Create that made it is no error):
 * the setting is marked `confirmed`, and the setting before it is withdrawn if that one had been
 * confirmed before this one was made. Then the agent took the two in order and holds only this
 * one, and a client moving its webhook away from an endpoint it no longer trusts has nothing more
 * sent there. A setting before that was never confirmed stays: two settings crossed, or an answer
 * was lost, and the agent may hold either. Written only while this setting is the config's (one
 * made since keeps what it kept). A write that fails throws, for the caller to log: the call has
 * been answered, and the setting before stays valid, as it was.
 */
export const confirmSetting = async (
  written: PushConfigRecord,
  configs: Pick<PushConfigStore, 'put'>,
): Promise<void> => {
  const { previous, ...current } = written
  const kept = previous && !previous.confirmed ? { previous } : {}
  try {
    await configs.put({ ...current, confirmed: true, ...kept }, written)
  } catch (error) {
    // Another setting made since: it keeps what it kept, and this one is no longer to confirm.
    if (!(error instanceof PushConfigChangedError)) throw error
  }
}

/**
 * The agent refused a config's new setting (its answer to the Create that made it is an error):
 * the setting is marked `refused`, so that the next one keeps the setting the agent still holds
 * (this one's `previous`) rather than this one. Written only while this setting is the config's.
 * A setting with none before it holds nothing the agent holds, and is deleted: until 8 December
 * 2026 it was kept its 30 days, so a caller with a grant on an agent that sets no push config
 * could have the gateway keep some 14 KB (webhook URL, token, credentials) a call, each under an
 * `id` of its choosing (the "operator's bill" red team). A write that fails throws, for the caller
 * to log: the setting before stays valid either way.
 */
export const refuseSetting = async (
  written: PushConfigRecord,
  configs: Pick<PushConfigStore, 'put' | 'delete'>,
): Promise<void> => {
  if (written.previous === undefined) {
    const stood = await configs.delete(written.configId, written)
    // A kit user's store written before `only` deletes whatever stands: a setting made while the
    // agent refused this one (which the agent may hold) is put back, unless another stands now.
    if (stood && stood.secretHash !== written.secretHash) {
      await configs.put(stood).catch((error: unknown) => {
        if (!(error instanceof PushConfigChangedError)) throw error
      })
    }
    return
  }
  try {
    await configs.put({ ...written, refused: true }, written)
  } catch (error) {
    if (!(error instanceof PushConfigChangedError)) throw error
  }
}

/**
 * Bounds on what a client's webhook may carry, kept twice in one record (the setting and the one
 * before it) within DynamoDB's 400 KB item and 32 levels of nesting.
 */
export const webhookLimits = {
  urlCharacters: 2048,
  tokenCharacters: 4096,
  authenticationBytes: 8192,
  authenticationDepth: 8,
} as const

const webhookToken = headerText(webhookLimits.tokenCharacters)

/**
 * What makes a client's webhook unfit to keep and call, said to the caller: a URL longer than a
 * backend's, a `token` that no HTTP header carries intact (it is sent back in one with every
 * push, so such a token would fail every delivery), an `authentication` too large or too deep to
 * store, or holding a number or an empty key its record cannot keep. Undefined when it is fit.
 */
const webhookProblem = (webhook: ClientWebhook): string | undefined => {
  if (webhook.url.length > webhookLimits.urlCharacters) {
    return `The push notification URL must be at most ${withThousands(webhookLimits.urlCharacters)} characters.`
  }
  const token = webhook.token === undefined ? undefined : webhookToken.safeParse(webhook.token)
  if (token && !token.success) {
    return `The push notification token ${token.error.issues[0]?.message ?? 'is not valid'}.`
  }
  if (webhook.authentication !== undefined) {
    // Depth first: serializing a value nested far enough would exhaust the stack.
    if (nestsDeeperThan(webhook.authentication, webhookLimits.authenticationDepth)) {
      return `The push notification authentication may nest at most ${webhookLimits.authenticationDepth} levels.`
    }
    const bytes = Buffer.byteLength(JSON.stringify(webhook.authentication))
    if (bytes > webhookLimits.authenticationBytes) {
      return `The push notification authentication must be at most ${withThousands(webhookLimits.authenticationBytes)} bytes as JSON.`
    }
    // Kept as it is in the config's record, where DynamoDB's document client throws on such a
    // number (a 500, until the audit of what the gateway writes anew).
    const unkept = unkeptNumberAt({ authentication: webhook.authentication })
    if (unkept !== undefined) {
      return `The push notification authentication holds a number the gateway cannot keep, at ${unkept}: at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1) either way, and none nearer 0 than 1e-130 but 0.`
    }
    // DynamoDB refuses an empty attribute name at any depth (dynalite takes it).
    const emptyKey = emptyKeyAt({ authentication: webhook.authentication })
    if (emptyKey !== undefined) {
      return `The push notification authentication holds an empty key, which the gateway cannot keep, at ${emptyKey}.`
    }
  }
  return undefined
}

/** Settings of one config crossing at once: past this many, the write gives up. */
const maxConflicts = 5

/**
 * Writes a config's new setting, keeping the one it replaces (`previous`) valid beside it: the
 * agent is handed the new secret only once this write is done, and may not take it. A setting
 * written meanwhile is read again and kept instead, so two settings that cross leave both valid.
 */
const putKeepingPrevious = async (
  record: PushConfigRecord,
  configs: Pick<PushConfigStore, 'put' | 'get'>,
): Promise<PushConfigRecord> => {
  for (let attempt = 1; ; attempt++) {
    // A random id (a config given with the SendMessage that starts its task) is never set twice.
    const before = record.taskId === undefined ? undefined : await configs.get(record.configId)
    // A setting made under an earlier registration of the id stays refused, as its pushes are.
    const sameRegistration = before?.agentCreatedAt === record.agentCreatedAt
    // A setting the agent refused was never held: the one before it still is.
    const previous = before?.refused
      ? sameRegistration && before.previous
      : before &&
        sameRegistration && {
          secretHash: before.secretHash,
          webhook: before.webhook,
          ...(before.setWith ? { setWith: before.setWith } : {}),
          ...(before.confirmed ? { confirmed: true } : {}),
        }
    const written = { ...record, ...(previous ? { previous } : {}) }
    try {
      await configs.put(written, before)
      return written
    } catch (error) {
      if (!(error instanceof PushConfigChangedError) || attempt >= maxConflicts) throw error
    }
  }
}

/**
 * The config a DeleteTaskPushNotificationConfig call names (1.0 `{taskId, id}` in either binding,
 * 0.3 JSON-RPC `{id, pushNotificationConfigId}`): its derived config id and its task, so that its
 * record goes once the agent has deleted the config (`deleteConfig`); undefined for any other call.
 */
export const configDeletedBy = (
  call: A2ACall,
  principal: string,
): { configId: string; taskId: string } | undefined => {
  if (call.operation !== 'DeleteTaskPushNotificationConfig') return undefined
  const named = namedTask(call)
  if (!named || !('taskId' in named)) return undefined
  const params = jsonRpcParamsOf(call) as Record<string, unknown> | undefined
  const id =
    call.version === '0.3' && call.binding === 'JSONRPC'
      ? fieldOf(params ?? {}, 'pushNotificationConfigId')
      : params?.id
  return typeof id === 'string' && id !== ''
    ? { configId: configIdFor(call.agentId, principal, named.taskId, id), taskId: named.taskId }
    : undefined
}

/**
 * What goes once the agent has deleted a config: the record under the id its task and `id`
 * derive, and any config given inline with the SendMessage that started the task and linked to
 * that id by its first push (`inlineLinkOf`); the id is marked deleted, so a config its agent
 * pushes through for the first time after this is refused and deleted then (`acceptPush`). Each
 * step may be done again: a Delete sent again after one failed midway completes it.
 *
 * Where a record stood under that id that the agent may hold (any but a setting it refused with
 * none before it), a Create (or a SendMessage naming the task) set it after the SendMessage that
 * started the task: the config the agent deleted is that one, so no config given inline is
 * deleted or marked. An agent either replaced the inline config with it (one naming a config
 * given without an id by its task, as a2a-python does, which then holds the inline config's
 * secret no more) or holds both (one naming it at random, as @a2a-js/sdk 1.3.0 does, whose inline
 * config must go on taking pushes: until a review late on 6 December 2026, deleting a config
 * created without an id, which the gateway names by its task, also refused the pushes of the
 * task's inline config).
 */
export const deleteConfig = async (
  deleted: { configId: string; taskId: string },
  configs: Pick<PushConfigStore, 'delete' | 'markDeleted' | 'deleteInline'>,
): Promise<void> => {
  const stood = await configs.delete(deleted.configId)
  if (stood && (stood.refused !== true || stood.previous !== undefined)) return
  const linked = await configs.markDeleted(deleted.configId)
  await Promise.all(linked.map((configId) => configs.deleteInline(configId, deleted.taskId)))
}
