import { randomUUID } from 'node:crypto'
import { namesNonUtf8Charset } from '../http/charset.ts'
import { parseJson } from '../json-parse.ts'
import type { PermissionStore } from '../permissions/permission-store.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import { ReadOtherwiseError, taskIdsInPayload, UnreadableTaskIdError } from '../tasks/task-calls.ts'
import type { TaskOwners } from '../tasks/task-owners.ts'
import { notificationTokenHeader, type PushClaim, type PushDelivery } from './delivery.ts'
import type { DeliveryQueue } from './delivery-queue.ts'
import {
  agentNotServed,
  bindInlineConfig,
  configIdPattern,
  type PushConfigRecord,
  type PushConfigStore,
  settingRevoked,
  settingUngranted,
  versionPresented,
} from './push-configs.ts'
import { queuedMessage } from './sqs-delivery-queue.ts'

export interface PushCallbackDeps {
  configs: Pick<PushConfigStore, 'get' | 'bindTask' | 'link' | 'deleteInline'>
  /** The agent's record as it stands (a cached read as old as the 1-second delete rule allows). */
  agents: {
    get(
      agentId: string,
    ): Promise<Pick<AgentRecord, 'status' | 'createdAt' | 'timeoutMs'> | undefined>
  }
  owners: Pick<TaskOwners, 'ownerOf'>
  /** When the client's tokens were last revoked (a cached read, as for a caller's token). */
  issuedBefore: (clientId: string) => Promise<number | undefined>
  /** The permissions of a setting's scopes (a cached read, as the registry's). */
  permissions: Pick<PermissionStore, 'forScopes'>
  queue: DeliveryQueue
  /** The gateway's base URL as the agent reached it. */
  issuer: string
  /** What a SendMessage's time is held to: how long its setting may claim the task it starts. */
  callLimits: CallLimits
  /** Epoch milliseconds; injected by tests. */
  now?: () => number
}

/** The settings a call to an agent is held to (lib/config.ts's). */
export interface CallLimits {
  /** BACKEND_TIMEOUT_MS: a unary call, and a stream until its headers, unless the agent has its own `timeoutMs`. */
  backendTimeoutMs: number
  /** STREAM_IDLE_TIMEOUT_MS: how long a started stream may go without an event. */
  streamIdleTimeoutMs: number
  /** STREAM_KEEPALIVE_MS: the tick that idle limit is checked on. */
  streamKeepAliveMs: number
}

/**
 * Time beyond a call's own limits: the gateway's steps between writing a setting and calling the
 * agent (reading its credentials: a secret, a token fetched within 10 s), and the clocks of the
 * instance that wrote the setting and the one reading it.
 */
export const claimMarginMs = 60_000

/**
 * How long after a SendMessage's push config was set a push through it may claim the task the
 * call starts: as long as the call can go on before its answer, or its stream's first event,
 * names the task, which records it (after that the push finds the task on record, or the call
 * failed and the task is no one's). A unary call ends within the agent's `timeoutMs` (else
 * BACKEND_TIMEOUT_MS); a stream's headers come within that, and its first event within
 * STREAM_IDLE_TIMEOUT_MS after them, a limit checked every STREAM_KEEPALIVE_MS; then
 * `claimMarginMs`. With the defaults, 90 s for a SendMessage and 375 s for a stream.
 */
export const claimWindowMs = (
  operation: 'SendMessage' | 'SendStreamingMessage',
  agentTimeoutMs: number | undefined,
  limits: CallLimits,
): number =>
  (agentTimeoutMs ?? limits.backendTimeoutMs) +
  (operation === 'SendStreamingMessage'
    ? limits.streamIdleTimeoutMs + limits.streamKeepAliveMs
    : 0) +
  claimMarginMs

/**
 * The call that set a config before its task existed, when it claims the task its agent first
 * pushes for: a SendMessage or SendStreamingMessage's, whose config no task is bound to yet.
 */
const claimingCall = (record: PushConfigRecord) => {
  const operation = record.setWith?.operation
  return record.taskId === undefined &&
    (operation === 'SendMessage' || operation === 'SendStreamingMessage')
    ? operation
    : undefined
}

/** What the callback answers the agent: accepted, or refused with a status and why. */
export type CallbackOutcome =
  | { accepted: true; deliveryId: string }
  | { accepted: false; status: 400 | 401 | 403 | 404 | 413; title: string; detail: string }

type Refusal = Extract<CallbackOutcome, { accepted: false }>

/** The largest push the callback takes, in bytes as the agent sent it. */
export const maxPushBytes = 160 * 1024

/**
 * The largest SQS message a push may make (the queue's `max_message_size`, left at SQS's
 * 256 KiB), less room for the `attemptsMade` a requeue adds. The push travels in it as a JSON
 * string: its quotes, backslashes and line breaks escaped again, a push of JSON text quoted
 * inside JSON (a tool's output) takes up to twice its bytes, so a push within `maxPushBytes`
 * could pass it, and SQS refuse its SendMessage (the agent answered a 500 it could never mend);
 * a U+FFFE or U+FFFF, escaped for SQS (`queuedMessage`), takes six bytes for its three.
 */
export const maxQueuedPushBytes = 256 * 1024 - 64

/** The bytes of the SQS message a push makes (`SqsDeliveryQueue` sends `queuedMessage`). */
const queuedBytes = (delivery: PushDelivery): number => Buffer.byteLength(queuedMessage(delivery))

const tooLarge = (detail: string): Refusal => ({
  accepted: false,
  status: 413,
  title: 'Push too large',
  detail: `${detail}; send the task's changes, not its history.`,
})

const unknownConfig = {
  accepted: false,
  status: 404,
  title: 'Unknown push callback',
  detail: 'No push config stands behind this callback (deleted, expired or never set).',
} as const

const anotherTask = (taskId: string): Refusal => ({
  accepted: false,
  status: 403,
  title: 'Push for another task',
  detail: `Task '${taskId}' is not the task this push config was set for.`,
})

const notTheSettersTask = (taskId: string): Refusal => ({
  accepted: false,
  status: 403,
  title: 'Push for another task',
  detail: `Task '${taskId}' is not known as a task of whoever set this push config.`,
})

/**
 * A config set with the SendMessage that starts its task takes that task at the agent's first
 * push for it. A task on record as its setter's binds the config to it now (`bindInlineConfig`:
 * linked first, so that the task's Delete finds it), where no other task is bound. A task on no
 * record while the call can still be going on (`claimWindowMs`) is held: the push is queued with
 * the claim, and delivered only once the call's answer has recorded the task as the setter's
 * (`awaitClaim` in lib/push/delivery.ts), then bound; a push never records a task's owner
 * itself. Else (another caller's task, or past the call) it is refused.
 */
const claimTask = async (
  record: PushConfigRecord,
  operation: 'SendMessage' | 'SendStreamingMessage',
  taskId: string,
  agentTimeoutMs: number | undefined,
  deps: PushCallbackDeps,
): Promise<Refusal | { claim?: PushClaim }> => {
  const { agentId, principal, agentCreatedAt, setAt } = record
  const owner = await deps.owners.ownerOf(agentId, taskId, agentCreatedAt)
  if (owner === principal) {
    const bound = await bindInlineConfig(record, taskId, deps.configs)
    if (bound === 'gone') return unknownConfig
    return bound === 'elsewhere' ? anotherTask(taskId) : {}
  }
  const until =
    setAt === undefined
      ? undefined
      : setAt * 1000 + claimWindowMs(operation, agentTimeoutMs, deps.callLimits)
  const inCall =
    owner === undefined &&
    agentCreatedAt !== undefined &&
    until !== undefined &&
    (deps.now ?? Date.now)() <= until
  return inCall && until !== undefined ? { claim: { taskId, until } } : notTheSettersTask(taskId)
}

/**
 * The content type a push goes to the webhook with: the agent's when it names JSON
 * (`application/json`, or a `+json` type such as the 1.0 SDK's `application/a2a+json`, with any
 * parameters) and names no charset but UTF-8, else `application/json`, which the body is: the
 * agent does not choose what a webhook is told it gets. The gateway read the push as UTF-8; a
 * webhook on express.json() decodes by the charset named, and in UTF-7 (`+ACI-` is a quote) read
 * a task the callback never checked, passed on with `charset=utf-7` until 7 December 2026.
 */
const jsonContentType = (sent: string | undefined): string =>
  sent !== undefined &&
  /^application\/([\w.-]+\+)?json$/i.test(sent.split(';', 1)[0]?.trim() ?? '') &&
  !namesNonUtf8Charset(sent)
    ? sent
    : 'application/json'

/** The one payload a push carries: a 1.0 StreamResponse, or a 0.3 bare Task or event. */
const payloadOf = (body: string): unknown => {
  try {
    return parseJson(body)
  } catch {
    return undefined
  }
}

/**
 * A push an agent sent to the gateway's callback `/push/{configId}`, checked
 * before it is queued for the client: the config exists, the secret the agent
 * presents (`X-A2A-Notification-Token`, as the gateway handed it over as the
 * config's `token`) matches in constant time, the token the setting was made
 * with would not be refused now (`settingRevoked`), the agent is still the active
 * registration the config was set under, the token's scopes still grant the call
 * that made the setting (`settingUngranted`), and every task the push names is
 * the config's task (when it was set for one) and owned by whoever set the
 * config. A config set with the SendMessage that starts its task is bound to the
 * task the agent first pushes for; a push that comes before the call's answer has
 * recorded the task is queued held, delivered once it has (`claimTask`). The
 * 256-bit secret is what authenticates (a config id may be derivable), so each
 * refusal can say plainly what was wrong.
 *
 * @example
 * const outcome = await acceptPush(configId, event.headers, event.body, deps)
 */
export const acceptPush = async (
  configId: string,
  headers: Record<string, string | undefined>,
  body: string | null,
  deps: PushCallbackDeps,
): Promise<CallbackOutcome> => {
  if (!configIdPattern.test(configId)) return unknownConfig
  const header = (wanted: string) =>
    Object.entries(headers).find(([name]) => name.toLowerCase() === wanted)?.[1]
  const presented = header(notificationTokenHeader)
  if (!presented) {
    return {
      accepted: false,
      status: 401,
      title: 'Push secret missing',
      detail: `Send the config's token in the ${notificationTokenHeader} header.`,
    }
  }
  const record = await deps.configs.get(configId)
  if (!record) return unknownConfig
  const version = versionPresented(record, presented)
  if (!version) {
    return {
      accepted: false,
      status: 401,
      title: 'Wrong push secret',
      detail: `The ${notificationTokenHeader} header is not the token this config was set with.`,
    }
  }
  // The reads at once (each usually cached). A refusal one of them makes is said whatever another
  // met (a revoked setting first, then the agent, then the grant); a failed read is thrown only
  // when none refuses, so a database that is slow to answer one never hides a refusal.
  const checks = await Promise.allSettled([
    settingRevoked(record, version, deps.issuedBefore),
    deps.agents.get(record.agentId),
    settingUngranted(record, version, deps.permissions),
  ])
  const [revoked, agent, ungranted] = checks
  const notServed =
    agent.status === 'fulfilled'
      ? agentNotServed(record.agentId, agent.value, record.agentCreatedAt)
      : undefined
  if (revoked.status === 'fulfilled' && revoked.value) {
    return {
      accepted: false,
      status: 403,
      title: 'Push config revoked',
      detail:
        'The client that set this push config was deleted or had its tokens revoked since: the config takes no more pushes until the client sets it again.',
    }
  }
  if (notServed) {
    return { accepted: false, status: 403, title: 'Agent not served', detail: notServed }
  }
  if (ungranted.status === 'fulfilled' && ungranted.value) {
    return {
      accepted: false,
      status: 403,
      title: 'Push config no longer granted',
      detail: `The scopes this push config was set with no longer grant ${version.setWith?.operation ?? 'its operation'} on agent '${record.agentId}': the config takes no more pushes until they are granted it again, or a client granted it sets the config again.`,
    }
  }
  const failed = checks.find((check) => check.status === 'rejected')
  if (failed) throw failed.reason
  if (Buffer.byteLength(body ?? '') > maxPushBytes) {
    return tooLarge(`A push may hold at most ${maxPushBytes} bytes`)
  }
  let taskIds: string[]
  try {
    taskIds = taskIdsInPayload(payloadOf(body ?? ''), { kindless: true })
  } catch (error) {
    const otherwise = error instanceof ReadOtherwiseError
    if (!otherwise && !(error instanceof UnreadableTaskIdError)) throw error
    return {
      accepted: false,
      status: 400,
      title: 'Not a push notification',
      detail: otherwise
        ? `The body spells a field otherwise than A2A (${error.message}): send it as A2A spells it.`
        : 'The body names a task by an id that is not a string.',
    }
  }
  if (taskIds.length === 0) {
    return {
      accepted: false,
      status: 400,
      title: 'Not a push notification',
      detail: 'The body names no task: send a Task, a status update or an artifact update as JSON.',
    }
  }
  // A config given with a SendMessage is for the one task that call starts: the first it pushes for.
  const claiming = claimingCall(record)
  const configTask = record.taskId ?? (claiming ? taskIds[0] : undefined)
  const elsewhere = taskIds.find((taskId) => configTask !== undefined && taskId !== configTask)
  if (elsewhere !== undefined) return anotherTask(elsewhere)
  const delivery: PushDelivery = {
    deliveryId: randomUUID(),
    configId,
    body: body ?? '',
    contentType: jsonContentType(header('content-type')),
    taskId: taskIds[0],
    issuer: deps.issuer,
    secretHash: version.secretHash,
  }
  // Measured before anything is written (a held push's claim counted, at its longest).
  const claimAtMost =
    claiming && configTask !== undefined
      ? { claim: { taskId: configTask, until: Number.MAX_SAFE_INTEGER } }
      : {}
  const queued = queuedBytes({ ...delivery, ...claimAtMost })
  if (queued > maxQueuedPushBytes) {
    return tooLarge(
      `A push is queued as a JSON string, at most ${maxQueuedPushBytes} bytes with the delivery's other fields (each quote, backslash and line break of it escaped again), and this one would take ${queued}`,
    )
  }
  let claim: PushClaim | undefined
  if (claiming && configTask !== undefined) {
    const timeoutMs = agent.status === 'fulfilled' ? agent.value?.timeoutMs : undefined
    const claimed = await claimTask(record, claiming, configTask, timeoutMs, deps)
    if ('accepted' in claimed) return claimed
    claim = claimed.claim
  } else {
    for (const taskId of taskIds) {
      const owner = await deps.owners.ownerOf(record.agentId, taskId, record.agentCreatedAt)
      if (owner !== record.principal) return notTheSettersTask(taskId)
    }
  }
  await deps.queue.enqueue({ ...delivery, ...(claim ? { claim } : {}) })
  return { accepted: true, deliveryId: delivery.deliveryId }
}
