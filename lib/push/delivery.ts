import { createHash, randomUUID } from 'node:crypto'
import { base64url } from 'jose'
import type { BackendFetch } from '../backend/guarded-fetch.ts'
import { refusedAddress } from '../backend/guarded-fetch.ts'
import type { PermissionStore } from '../permissions/permission-store.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import type { GatewayKey } from '../signing/gateway-key.ts'
import type { TaskOwners } from '../tasks/task-owners.ts'
import type { DeadLetters } from './dead-letters.ts'
import {
  agentNotServed,
  bindInlineConfig,
  type PushConfigRecord,
  type PushConfigStore,
  settingRevoked,
  settingUngranted,
  versionHashed,
} from './push-configs.ts'

/** One push an agent made, accepted at the callback, to be delivered to the client. */
export interface PushDelivery {
  deliveryId: string
  configId: string
  /** The push body exactly as the agent sent it. */
  body: string
  contentType: string
  taskId?: string
  /** The gateway's base URL as the agent reached it: the JWT's issuer (its JWKS is below it). */
  issuer: string
  /** The hash of the secret the push came with: which setting of the config it goes to. */
  secretHash?: string
  /** Held until its task is on record as the config's setter's (`PushClaim`). */
  claim?: PushClaim
  /**
   * Attempts an earlier delivery made before it queued the push again to wait (`requeue`): they
   * count against the attempts, and the queue's delay was the wait before the next.
   */
  attemptsMade?: number
}

/**
 * A push through a config given with a SendMessage, for the task that call starts, taken before
 * the call's answer recorded the task (the agent pushed first): delivered only once the task is on
 * record as the config's setter's, by `until` (epoch ms: what the call can last), and the config
 * then bound to it. A push never records a task's owner: an agent that keeps no callers apart in
 * its pushes could otherwise hand one caller's new task to another's config.
 */
export interface PushClaim {
  taskId: string
  until: number
}

/** The header a client's own `token` travels in (as @a2a-js/sdk's push sender sends it). */
export const notificationTokenHeader = 'x-a2a-notification-token'

/**
 * The header naming the push (its `deliveryId`), the same on every attempt: a
 * retry after a 2xx the gateway never saw is the same push, and a client
 * de-duplicates on this (or the JWT's `delivery_id`, which is signed).
 */
export const deliveryIdHeader = 'x-switchboard-delivery-id'

/** How long a delivery JWT is valid. */
const jwtLifetimeSeconds = 300

const encoder = new TextEncoder()

/**
 * The JWT that authenticates one delivery to the client (A2A push-notification
 * auth): ES256 by the gateway's key (`kid` in its JWKS), `iss` the gateway,
 * `aud` the webhook, a short `exp`, a unique `jti` (so a client can refuse a
 * replay of this token), `delivery_id` (the push, the same on every attempt, so
 * a client can tell a retry from a new push), the task and the SHA-256 of the
 * exact body (so a client can tell the body was not altered).
 */
export const deliveryJwt = async (
  key: GatewayKey,
  claims: {
    issuer: string
    webhookUrl: string
    deliveryId: string
    taskId?: string
    body: string
    now: number
  },
): Promise<string> => {
  const iat = Math.floor(claims.now / 1000)
  const header = { alg: key.alg, kid: key.kid, typ: 'JWT' }
  const payload = {
    iss: claims.issuer,
    aud: claims.webhookUrl,
    iat,
    exp: iat + jwtLifetimeSeconds,
    jti: randomUUID(),
    delivery_id: claims.deliveryId,
    ...(claims.taskId ? { taskId: claims.taskId } : {}),
    request_body_sha256: createHash('sha256').update(claims.body).digest('hex'),
  }
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`
  return `${input}.${base64url.encode(await key.sign(encoder.encode(input)))}`
}

export interface DeliveryDeps {
  configs: Pick<PushConfigStore, 'get' | 'bindTask' | 'link' | 'deleteInline'>
  /** Who created each task: a held push (`PushClaim`) waits for its task's record. */
  owners: Pick<TaskOwners, 'ownerOf'>
  /** The agent's record as it stands (a cached read, as the callback's). */
  agents: { get(agentId: string): Promise<Pick<AgentRecord, 'status' | 'createdAt'> | undefined> }
  /** When the client's tokens were last revoked (a cached read, as for a caller's token). */
  issuedBefore: (clientId: string) => Promise<number | undefined>
  /** The permissions of a setting's scopes (a cached read, as the registry's). */
  permissions: Pick<PermissionStore, 'forScopes'>
  deadLetters: DeadLetters
  /** The guarded fetch: webhooks are held to the backend address policy at connect time. */
  fetch: BackendFetch
  key: () => Promise<GatewayKey>
  /** Attempts in all, the first included. */
  attempts: number
  /** The wait before the second attempt; it doubles after each. */
  retryBaseMs: number
  /** The limit on one attempt: no answer by then is a failed attempt. */
  timeoutMs: number
  /**
   * When (epoch ms) the last attempt must have ended, if anything bounds the
   * delivery (the push-delivery function's time): no wait runs past it, and an
   * attempt is cut to what is left.
   */
  deadline?: number
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  /**
   * Queues a push again (SQS on AWS), after `delaySeconds`: a held push when the delivery's time
   * ends before its hold's (handed back instead, it would wait out the queue's 30-minute
   * visibility timeout), and one that failed an attempt, to wait there for its next (a wait spent
   * in the function held every other push of its batch too). Should queueing fail, a wait that
   * fits the delivery's time is spent in the function after all, and a longer one thrown. None (a
   * laptop): a hold past the delivery's time is thrown (`DeliveryOutOfTimeError`), for the queue
   * to hand it out again, and every wait is spent in the process.
   */
  requeue?: (delivery: PushDelivery, delaySeconds?: number) => Promise<void>
}

export type DeliveryOutcome =
  | { outcome: 'delivered'; attempts: number }
  | { outcome: 'dead-lettered'; attempts: number; reason: string }
  /** Nothing stands to deliver to: the config is gone, its setting replaced or withdrawn, or revoked. */
  | { outcome: 'dropped'; reason: string }
  /** A held push whose hold outlasted this delivery's time, queued again to wait on (`requeue`). */
  | { outcome: 'requeued'; reason: string }

type Attempt =
  | { ok: true }
  /** `retryAfterMs`: how long the webhook asked to be left before the next attempt. */
  | { ok: false; reason: string; retry: boolean; retryAfterMs?: number }

/**
 * The longest wait a webhook's `Retry-After` is honoured for: no delivery outlives a Lambda's 15
 * minutes, nor a push SQS's longest delay.
 */
const longestAskedWaitMs = 15 * 60_000

/**
 * How long a webhook asked to be left alone (`Retry-After`, RFC 9110 §10.2.3): whole seconds,
 * or an HTTP date (IMF-fixdate, or the two obsolete forms a recipient must read too), in ms from
 * `now`; undefined when it did not say, or said it in a form neither.
 *
 * @example
 * retryAfterMs('120', Date.now()) // 120_000
 */
export const retryAfterMs = (value: string | null, now: number): number | undefined => {
  const text = value?.trim()
  if (!text) return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // Date.parse reads far more than HTTP dates ("1 2" is a date to it): only those are asked of it.
  const httpDate =
    /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text) ||
    /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/.test(text) ||
    /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/.test(text)
  const at = httpDate ? Date.parse(text.endsWith('GMT') ? text : `${text} GMT`) : Number.NaN
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** A wait a webhook asked for, in a dead letter's words: seconds, unless too many to read. */
const askedInWords = (ms: number): string => {
  const seconds = Math.ceil(ms / 1000)
  // A digit string past 2^53 reads as 1e+30 s, or Infinity s, a number no one can act on.
  return Number.isSafeInteger(seconds) ? `${seconds} s` : 'more than 15 minutes'
}

/**
 * A push whose deadline passed before its first attempt: the gateway's own
 * steps (reading the config, signing) used the time up, so it is the gateway's
 * failure, for the queue to try again, not the webhook's to be dead-lettered.
 */
export class DeliveryOutOfTimeError extends Error {
  readonly deliveryId: string
  constructor(deliveryId: string) {
    super(`push ${deliveryId}: no attempt was made before the delivery's deadline`)
    this.name = 'DeliveryOutOfTimeError'
    this.deliveryId = deliveryId
  }
}

/** Why an attempt was abandoned: it had no answer within its time. */
class AttemptTimeoutError extends Error {
  readonly timeoutMs: number
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`)
    this.name = 'AttemptTimeoutError'
    this.timeoutMs = timeoutMs
  }
}

const attemptOnce = async (
  delivery: PushDelivery,
  record: PushConfigRecord,
  jwt: string,
  fetch: BackendFetch,
  timeoutMs: number,
  now: () => number,
): Promise<Attempt> => {
  // A timer of our own rather than AbortSignal.timeout: it is cleared as soon as the answer is
  // in, and a test's fake clock drives it like the waits.
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs)
  try {
    const response = await fetch(record.webhook.url, {
      method: 'POST',
      headers: {
        'content-type': delivery.contentType,
        authorization: `Bearer ${jwt}`,
        [deliveryIdHeader]: delivery.deliveryId,
        ...(record.webhook.token ? { [notificationTokenHeader]: record.webhook.token } : {}),
      },
      body: delivery.body,
      redirect: 'manual',
      signal: controller.signal,
    })
    await response.body?.cancel()
    if (response.status >= 200 && response.status < 300) return { ok: true }
    // A client error will not change by retrying, except timeouts and rate limits.
    const retry = response.status >= 500 || response.status === 408 || response.status === 429
    const asked = retry ? retryAfterMs(response.headers.get('retry-after'), now()) : undefined
    return {
      ok: false,
      reason: `the webhook answered ${response.status}`,
      retry,
      ...(asked === undefined ? {} : { retryAfterMs: asked }),
    }
  } catch (error) {
    const refused = refusedAddress(error)
    if (refused)
      return { ok: false, reason: `the webhook is ${refused.callerReason}`, retry: false }
    if (controller.signal.reason instanceof AttemptTimeoutError)
      return { ok: false, reason: `the webhook did not answer within ${timeoutMs} ms`, retry: true }
    return { ok: false, reason: `the webhook could not be reached (${String(error)})`, retry: true }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The setting a push goes to as it stands now, or why it goes nowhere: the config deleted or
 * lapsed, its setting replaced or withdrawn since the push came, set with a token since
 * revoked, its agent deactivated, deleted or registered again, or its scopes no longer granting
 * the call that set it (a push queued before included).
 */
const settingStanding = async (
  delivery: PushDelivery,
  deps: Pick<DeliveryDeps, 'configs' | 'agents' | 'issuedBefore' | 'permissions'>,
): Promise<{ record: PushConfigRecord } | { dropped: string }> => {
  const config = await deps.configs.get(delivery.configId)
  if (!config) return { dropped: 'the push config is gone' }
  const version = versionHashed(config, delivery.secretHash)
  if (!version) {
    return { dropped: 'the setting the push came under was replaced or withdrawn since' }
  }
  // A refusal either read makes stands whatever the other met; a failed read is thrown only
  // when neither refuses.
  const checks = await Promise.allSettled([
    settingRevoked(config, version, deps.issuedBefore),
    deps.agents.get(config.agentId),
    settingUngranted(config, version, deps.permissions),
  ])
  const [revoked, agent, ungranted] = checks
  if (revoked.status === 'fulfilled' && revoked.value) {
    return { dropped: "the push config's client was deleted or had its tokens revoked" }
  }
  // A push the agent sent while served, still queued when it was deactivated or deleted.
  const notServed =
    agent.status === 'fulfilled'
      ? agentNotServed(config.agentId, agent.value, config.agentCreatedAt)
      : undefined
  if (notServed) return { dropped: notServed }
  if (ungranted.status === 'fulfilled' && ungranted.value) {
    return { dropped: "the push config's scopes no longer grant the call that set it" }
  }
  const failed = checks.find((check) => check.status === 'rejected')
  if (failed) throw failed.reason
  return { record: { ...config, webhook: version.webhook } }
}

/** The first wait for a held push's task, doubling to `longestClaimPollMs`. */
const firstClaimPollMs = 250
const longestClaimPollMs = 2_000

/**
 * A held push (`PushClaim`) once its task is on record as the config's setter's and the config
 * bound to it, or why it goes nowhere: the task another caller's, the config bound to another
 * task or gone, or the call's time over with the task on no record. Asked again at doubling
 * waits; when the delivery's own time ends first, queued again (`requeue`) to wait on in the next
 * delivery, or without one thrown (`DeliveryOutOfTimeError`), for the queue to hand it out again.
 */
const awaitClaim = async (
  delivery: PushDelivery & { claim: PushClaim },
  record: PushConfigRecord,
  deps: Pick<DeliveryDeps, 'owners' | 'configs' | 'requeue'>,
  clock: { now: () => number; sleep: (ms: number) => Promise<void>; deadline: number },
): Promise<{ dropped?: string; requeued?: string }> => {
  const { taskId, until } = delivery.claim
  for (let wait = firstClaimPollMs; ; wait = Math.min(wait * 2, longestClaimPollMs)) {
    const owner = await deps.owners.ownerOf(record.agentId, taskId, record.agentCreatedAt)
    if (owner === record.principal) {
      const bound = await bindInlineConfig(record, taskId, deps.configs)
      if (bound === 'bound') return {}
      return {
        dropped:
          bound === 'gone'
            ? 'the push config is gone'
            : 'the push config was bound to another task of its setter since',
      }
    }
    if (owner !== undefined) {
      return { dropped: "the task is another caller's: its call's answer recorded it so" }
    }
    const left = Math.min(until, clock.deadline) - clock.now()
    if (left <= 0) {
      if (until > clock.deadline) {
        if (!deps.requeue) throw new DeliveryOutOfTimeError(delivery.deliveryId)
        await deps.requeue(delivery)
        return { requeued: "held for its task's record past the delivery's time: queued again" }
      }
      return {
        dropped:
          "the task was not recorded as its setter's while the call that set the config could run",
      }
    }
    await clock.sleep(Math.min(wait, left))
  }
}

/**
 * Delivers one push to the client's webhook: bounded attempts of at most `timeoutMs` each,
 * waiting `retryBaseMs`, then twice that, and so on, between them, or as long as a retried
 * answer's `Retry-After` asks when that is longer. Where there is a queue (`requeue`), each
 * wait is spent back on it, up to its longest delay (a batch's pushes are delivered together, and
 * one waiting in the function held the rest: a webhook that never answers held its batch some
 * 65 s, one asking `Retry-After: 69` some 276 s); without one, the waits are spent here and a
 * wait past the `deadline` ends the attempts. A refused address or a 4xx answer (but 408 and
 * 429) ends them at once. The config is read again before each retry, so one deleted or revoked
 * meanwhile ends them too, the push dropped (`settingStanding`). When they end without a 2xx the push is recorded as a dead letter
 * (and the outcome says so): a failed delivery is an outcome, not an exception. Only a failure
 * of the gateway's own (the store, the key, or time it used up before any attempt:
 * `DeliveryOutOfTimeError`) throws, so that the queue may try it again.
 *
 * @example
 * const outcome = await deliverPush(delivery, { configs, issuedBefore, deadLetters, fetch, key, attempts: 5, retryBaseMs: 1000, timeoutMs: 10_000, deadline: Date.now() + 280_000 })
 */
export const deliverPush = async (
  delivery: PushDelivery,
  deps: DeliveryDeps,
): Promise<DeliveryOutcome> => {
  const standing = await settingStanding(delivery, deps)
  if ('dropped' in standing) return { outcome: 'dropped', reason: standing.dropped }
  let { record } = standing
  const now = deps.now ?? Date.now
  const sleep = deps.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const deadline = deps.deadline ?? Number.POSITIVE_INFINITY
  if (delivery.claim) {
    const claimed = await awaitClaim({ ...delivery, claim: delivery.claim }, record, deps, {
      now,
      sleep,
      deadline,
    })
    if (claimed.dropped) return { outcome: 'dropped', reason: claimed.dropped }
    if (claimed.requeued) return { outcome: 'requeued', reason: claimed.requeued }
    // The hold may have lasted minutes: a config deleted, revoked or replaced meanwhile, or its
    // agent deactivated, gets no attempt, as after a retry's wait.
    const still = await settingStanding(delivery, deps)
    if ('dropped' in still) return { outcome: 'dropped', reason: still.dropped }
    record = still.record
  }
  let last: Attempt = { ok: false, reason: 'no attempt was made', retry: false }
  let attempts = delivery.attemptsMade ?? 0
  /** Attempts this delivery made: before its first, the queue may hand the push out again. */
  let attemptsHere = 0
  let outOfTime = false
  /** The wait the webhook asked for (`Retry-After`) that would have run past the delivery's time. */
  let askedTooLong: number | undefined
  /**
   * After an attempt, the gateway's own step failing (reading the setting again, signing) ends
   * the push as a dead letter saying so: handed back to the queue, it would start its attempts
   * over, and a webhook that took a timed-out one would get it again.
   */
  const gatewayFailed = (step: string, error: unknown): Attempt => ({
    ok: false,
    reason: `${last.ok ? '' : `${last.reason}; `}${step} (${error instanceof Error ? error.message : String(error)})`,
    retry: false,
  })
  while (attempts < deps.attempts) {
    // After an attempt here (a queued-again push's wait was the queue's delay).
    if (attemptsHere > 0) {
      // The longer of the doubling wait and the one the webhook asked for, if it asked.
      const asked = last.ok ? undefined : last.retryAfterMs
      const wait = Math.max(deps.retryBaseMs * 2 ** (attempts - 1), asked ?? 0)
      if (deps.requeue && wait <= longestAskedWaitMs) {
        // Its claim, if it was held, is settled: the task is bound.
        const { claim: _settled, ...again } = delivery
        const queued = await deps
          .requeue({ ...again, attemptsMade: attempts }, Math.ceil(wait / 1000))
          .then(
            () => true,
            (error: unknown) => {
              // The queue failing (SQS throttled or down a moment): a wait that fits is spent here,
              // as without a queue; a longer one hands the push back (its next receive 30 minutes
              // on, its attempt made again), as a failure of the gateway's own.
              if (now() + wait >= deadline) throw error
              return false
            },
          )
        if (queued) {
          const why =
            asked === wait
              ? `it asked to wait ${askedInWords(wait)} (Retry-After)`
              : `its next attempt is ${askedInWords(wait)} away`
          return {
            outcome: 'requeued',
            reason: `${last.ok ? '' : `${last.reason}; `}${why}: queued again for then, after ${attempts} of ${deps.attempts} attempts`,
          }
        }
      }
      if (now() + wait >= deadline || wait > longestAskedWaitMs) {
        outOfTime = true
        if (asked !== undefined && asked === wait) askedTooLong = asked
        break
      }
      await sleep(wait)
      // Read again after each wait: a config deleted or revoked meanwhile gets no more attempts.
      let still: Awaited<ReturnType<typeof settingStanding>>
      try {
        still = await settingStanding(delivery, deps)
      } catch (error) {
        last = gatewayFailed("the push's setting could not be checked again", error)
        break
      }
      if ('dropped' in still) return { outcome: 'dropped', reason: still.dropped }
      record = still.record
    }
    let jwt: string
    try {
      jwt = await deliveryJwt(await deps.key(), {
        issuer: delivery.issuer,
        webhookUrl: record.webhook.url,
        deliveryId: delivery.deliveryId,
        taskId: delivery.taskId,
        body: delivery.body,
        now: now(),
      })
    } catch (error) {
      // Before any attempt, the queue may try the push again as it is.
      if (attemptsHere === 0) throw error
      last = gatewayFailed('the delivery could not be signed', error)
      break
    }
    // Signing may have been slow (KMS): what is left is measured after it.
    const left = deadline - now()
    if (left <= 0) {
      outOfTime = true
      break
    }
    attempts++
    attemptsHere++
    last = await attemptOnce(delivery, record, jwt, deps.fetch, Math.min(deps.timeoutMs, left), now)
    if (last.ok) return { outcome: 'delivered', attempts }
    if (!last.retry) break
  }
  if (outOfTime && attemptsHere === 0) throw new DeliveryOutOfTimeError(delivery.deliveryId)
  const lastReason = last.ok ? '' : last.reason
  const reason = !outOfTime
    ? lastReason
    : askedTooLong !== undefined
      ? `${lastReason}; it asked to wait ${askedInWords(askedTooLong)} (Retry-After), past the delivery's time, after ${attempts} of ${deps.attempts} attempts`
      : `${lastReason}; the delivery's time ran out after ${attempts} of ${deps.attempts} attempts`
  await deps.deadLetters.record({
    deliveryId: delivery.deliveryId,
    configId: delivery.configId,
    agentId: record.agentId,
    ...(delivery.taskId ? { taskId: delivery.taskId } : {}),
    attempts,
    reason,
    failedAt: new Date(now()).toISOString(),
  })
  return { outcome: 'dead-lettered', attempts, reason }
}
