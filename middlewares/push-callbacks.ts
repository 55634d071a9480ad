import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { renderA2AFailure } from '../lib/a2a/errors.ts'
import type { A2ACall } from '../lib/a2a/request.ts'
import { maxUnaryAnswerBytes } from '../lib/http/answer-size.ts'
import type { HttpResponse } from '../lib/http/http-response.ts'
import { parseAnswer } from '../lib/json-object.ts'
import type { LogMethods } from '../lib/log-methods.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import {
  linkAnsweredId,
  type PushConfigRecord,
  type PushConfigStore,
  versionPresented,
} from '../lib/push/push-configs.ts'
import {
  configDeletedBy,
  confirmSetting,
  deleteConfig,
  refuseSetting,
  type SetPushConfigDeps,
  withGatewayCallback,
} from '../lib/push/set-push-config.ts'
import {
  AnswerTooDeepError,
  maxCallbacksShown,
  maxShownDepth,
  ShownTooLargeError,
  TooManyCallbacksError,
  withClientWebhooks,
} from '../lib/push/webhook-config.ts'
import type { AgentRecord } from '../lib/registry/agent-record.ts'
import { namedTask } from '../lib/tasks/task-calls.ts'
import { type A2ARequestContext, a2aOf, type RoutedContext } from './a2a-request.ts'
import { refused } from './support/refusal.ts'
import { requires } from './support/requires.ts'
import { bodyText } from './support/response-body.ts'
import type { CallerContext } from './verified-caller.ts'

type PushCallbacksContext = A2ARequestContext &
  CallerContext &
  RoutedContext & { agent?: Pick<AgentRecord, 'createdAt'> }
type PushCallbacksRequest = Request<APIGatewayProxyEvent, unknown, Error, PushCallbacksContext>

export interface PushCallbacksOptions {
  configs: Pick<PushConfigStore, 'put' | 'get' | 'delete' | 'link' | 'markDeleted' | 'deleteInline'>
  /**
   * Told when a setting the agent took could not be marked so (the setting before it then stays
   * valid, as if the two had crossed); the call is answered either way. And why an agent's answer
   * was withheld (`agent answer withheld`, as `taskOwnership`'s are logged).
   */
  logger?: LogMethods<'warn'>
  addressPolicy: SetPushConfigDeps['addressPolicy']
  /** The gateway's base URL for this request (the callback's origin). */
  baseUrl: (event: APIGatewayProxyEvent) => string
  /**
   * The most a call may be once its config is rewritten (MAX_REQUEST_BYTES, as the caller's;
   * 6 MiB when not given): past it the caller's 413, and no webhook kept.
   */
  maxRequestBytes?: number
  /**
   * Told when an answer is withheld for what the agent answered (no JSON, nested too deep, naming
   * more callbacks than are looked up, too large once shown): the call was counted by the agent's
   * status before this read it, so the handler counts it as the agent's failure here, as
   * `taskOwnership`'s are.
   */
  onAgentFault?: (call: A2ACall) => void
}

/** The push-config operations whose answers show configs. */
const showsConfigs = new Set([
  'CreateTaskPushNotificationConfig',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
])

/** Whether a JSON-RPC answer is an error (or no answer a client could read as a result). */
const isJsonRpcError = (text: string | undefined) => {
  try {
    const answer = parseAnswer(text ?? '')
    return typeof answer !== 'object' || answer === null || 'error' in answer
  } catch {
    return true
  }
}

/**
 * Agents never learn a client's webhook. Before the call: a call setting a
 * push config has its webhook checked (a refused address is -32602 / 400) and
 * kept, and goes on carrying the gateway's callback and secret instead; the
 * call in `context.a2a` is replaced by that safe one (the one write this
 * middleware makes outside its own concern, so that forwarding has a single
 * call to read). After it: configs in Create/Get/List answers are shown as
 * the client set them (an answer so shown past 10 MiB is refused), a config
 * the agent deleted has its record deleted (its callback refuses pushes from
 * then on), a config given inline for that task and id with it
 * (`deleteConfig`), and a setting a Create's answer confirms the agent took is
 * marked so (`confirmSetting`), withdrawing the setting before it when that
 * one was confirmed first. Runs after `taskOwnership` (a config is set only on
 * the caller's own task) and `agentLookup` (a config names the registration
 * it was set under).
 *
 * @example
 * middy()
 *   .use(a2aRequest())
 *   .use(verifiedCaller())
 *   .use(pushCallbacks({ configs: pushConfigs, addressPolicy, baseUrl: baseUrlOf }))
 *   .handler(forward)
 */
export const pushCallbacks = (
  options: PushCallbacksOptions,
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, PushCallbacksContext> => {
  checkOptions('pushCallbacks', options, {
    configs: optionRules.methods('put', 'get', 'delete', 'link', 'markDeleted', 'deleteInline'),
    logger: optionRules.methods('warn').optional(),
    addressPolicy: optionRules.object(),
    baseUrl: optionRules.function(),
    maxRequestBytes: optionRules.positiveInteger().optional(),
    onAgentFault: optionRules.function().optional(),
  })
  const {
    configs,
    addressPolicy,
    baseUrl,
    logger,
    maxRequestBytes,
    onAgentFault = () => undefined,
  } = options

  const callOf = ({ context }: PushCallbacksRequest) => {
    const a2a = a2aOf(context, 'pushCallbacks')
    return a2a.kind === 'call' && !a2a.call.skill ? a2a.call : undefined
  }
  const principalOf = ({ context }: PushCallbacksRequest) =>
    requires(context, 'caller', 'pushCallbacks').principal

  /** The setting each call made, by its request's context, until its answer is known. */
  const settingsMade = new WeakMap<object, PushConfigRecord>()

  const pushCallbacksMiddlewareBefore = async (request: PushCallbacksRequest) => {
    const call = callOf(request)
    if (!call) return
    const caller = requires(request.context, 'caller', 'pushCallbacks')
    const setter = {
      principal: caller.principal,
      setWith: {
        clientId: caller.clientId,
        issuedAt: caller.issuedAt,
        scopes: caller.scopes,
        operation: call.operation,
      },
      get agentCreatedAt() {
        return requires(request.context, 'agent', 'pushCallbacks').createdAt
      },
    }
    const outcome = await withGatewayCallback(call, setter, {
      configs,
      addressPolicy,
      baseUrl: baseUrl(request.event),
      maxRequestBytes,
    })
    if ('failure' in outcome) {
      return refused(outcome.failure, (failure) =>
        renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
    }
    const { context } = request
    // Only a Create's answer is read for the agent's yes: a SendMessage's is the agent's work.
    if (outcome.written && call.operation === 'CreateTaskPushNotificationConfig') {
      settingsMade.set(context, outcome.written)
    }
    if (context.routed) context.routed = { ...context.routed, call: outcome.call }
    else context.a2a = { kind: 'call', call: outcome.call }
  }

  /** Best effort: the setting before stays valid whether or not this is written. */
  const markRefused = (made: PushConfigRecord) =>
    refuseSetting(made, configs).catch((error: unknown) =>
      logger?.warn('push config setting not marked refused', { configId: made.configId, error }),
    )

  const pushCallbacksMiddlewareAfter = async (request: PushCallbacksRequest) => {
    const call = callOf(request)
    const response = request.response as HttpResponse | undefined
    if (!call || !response) return
    const made = settingsMade.get(request.context)
    if (response.statusCode >= 400) {
      if (made) await markRefused(made)
      return
    }
    const deleted = configDeletedBy(call, principalOf(request))
    if (!showsConfigs.has(call.operation) && !deleted) return
    const text = await bodyText(response.body)
    if (text !== undefined) request.response = { ...response, body: text }
    // Over HTTP+JSON any 2xx is the agent's yes (an SDK's REST server answers a Delete 204, no
    // body); over JSON-RPC an error comes with a 200, so only an answer that is no error is.
    const agreed = call.binding !== 'JSONRPC' || !isJsonRpcError(text)
    if (deleted) {
      if (agreed) await deleteConfig(deleted, configs)
      return
    }
    // An empty answer (a Create an HTTP+JSON agent answers with none) holds no secret to withhold.
    if (text === undefined || text === '') return
    /**
     * The answer refused in the caller's binding, for an agent's answer that `what`; counted as
     * the agent's failure unless the caller's own configs may have made it so (`agentsFault`).
     */
    const refuse = (what: string, agentsFault = true) => {
      request.response = refused(
        {
          kind: 'backend-unavailable',
          message: `Agent '${call.agentId}' answered ${call.operation} with ${what}; the gateway does not pass it on.`,
        },
        (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
      // For the operator: the access line's reason says `backend-unavailable`, not which of these.
      logger?.warn('agent answer withheld', {
        agentId: call.agentId,
        operation: call.operation,
        reason: what,
      })
      if (agentsFault) onAgentFault(call)
    }
    let answer: unknown
    try {
      // Read as a client reads it, a byte-order mark passed over (`parseAnswer`).
      answer = parseAnswer(text)
    } catch {
      // Not passed on unread: a client that reads what the gateway cannot would see the callbacks'
      // secrets. Until a review in the 30th session an answer opened by a byte-order mark, which
      // fetch's `json()` and Python's `json.loads` pass over, went on as it came, secrets and all.
      refuse('something other than JSON')
      return
    }
    const principal = principalOf(request)
    let shown: unknown
    try {
      const named = namedTask(call)
      const taskId = named && 'taskId' in named ? named.taskId : undefined
      // Each config the answer names is read once and linked once (by the first id it is shown
      // under, as an agent shows a config once): an agent's answer naming one config under
      // thousands of ids costs one read and one write, not a write (and a 30-day link item) each.
      const records = new Map<string, Promise<PushConfigRecord | undefined>>()
      const linking = new Map<string, Promise<'linked' | 'unchanged' | 'gone'>>()
      const once = <T>(made: Map<string, Promise<T>>, configId: string, make: () => Promise<T>) => {
        const known = made.get(configId)
        if (known) return known
        const making = make()
        made.set(configId, making)
        return making
      }
      // What the webhooks add is held to what the answer may carry beside the agent's own text.
      const room = maxUnaryAnswerBytes - Buffer.byteLength(text)
      shown = await withClientWebhooks(
        answer,
        async (configId, { token, id }) => {
          const record = await once(records, configId, () => configs.get(configId))
          // The caller's own config with this agent alone: another agent's answer naming it (an id
          // that agent was never given) is shown nothing and links nothing.
          if (record?.principal !== principal || record.agentId !== call.agentId) return undefined
          if (
            taskId &&
            id &&
            (await once(linking, configId, () => linkAnsweredId(record, taskId, id, configs))) ===
              'gone'
          ) {
            return undefined
          }
          // The setting whose secret the agent holds, which may not be the last one set.
          return ((token !== undefined && versionPresented(record, token)) || record).webhook
        },
        room,
      )
    } catch (error) {
      if (
        !(
          error instanceof AnswerTooDeepError ||
          error instanceof ShownTooLargeError ||
          error instanceof TooManyCallbacksError
        )
      )
        throw error
      refuse(
        error instanceof AnswerTooDeepError
          ? `JSON nested deeper than ${maxShownDepth} levels`
          : error instanceof TooManyCallbacksError
            ? `configs naming more than ${maxCallbacksShown} callbacks, not all of them your configs`
            : `configs that, shown as their clients set them, would pass the ${maxUnaryAnswerBytes} bytes an answer may carry`,
        // The webhooks' sizes are their clients': a caller's own 750 configs of 14 KB pass it, so
        // counting it would let a caller raise its agent's alarm at will.
        !(error instanceof ShownTooLargeError),
      )
      return
    }
    // The answer is written anew, and each number with it as JSON writes it (`1e20` as 21 digits):
    // 2.5 MB of them from an agent were shown as 11 MB until a review on 7 December 2026. The
    // webhooks' count above keeps the building small; the answer built is measured, as a
    // translated one is.
    const body = JSON.stringify(shown)
    if (Buffer.byteLength(body) > maxUnaryAnswerBytes) {
      refuse(
        `configs that, shown to its caller, would pass the ${maxUnaryAnswerBytes} bytes an answer may carry`,
      )
      return
    }
    if (made && agreed) {
      await confirmSetting(made, configs).catch((error: unknown) =>
        logger?.warn('push config setting not confirmed', { configId: made.configId, error }),
      )
    }
    if (made && !agreed) await markRefused(made)
    request.response = { ...response, body }
  }

  return { before: pushCallbacksMiddlewareBefore, after: pushCallbacksMiddlewareAfter }
}
