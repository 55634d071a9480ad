import type { Readable } from 'node:stream'
import type { Binding } from '../a2a/agent-card.ts'
import {
  jsonRpcErrorCodeOf,
  jsonRpcEventsErrorCode,
  restEventsErrorCode,
} from '../a2a/agent-error-codes.ts'
import { type GatewayIdentity, rewriteCardAnswer } from '../a2a/card-rewrite.ts'
import type { SignCard } from '../a2a/card-signer.ts'
import { renderA2AFailure, streamFailureEvent } from '../a2a/errors.ts'
import { operations } from '../a2a/operations.ts'
import type { A2ACall } from '../a2a/request.ts'
import { isStreamAnswer } from '../a2a/sse.ts'
import { a2aStreamEnd, isA2ATask, mayEndA2AStream } from '../a2a/stream-end.ts'
import { VersionTranslationError } from '../a2a/versions.ts'
import { BackendUnavailableError, StreamTimeLimitError } from '../errors.ts'
import { maxUnaryAnswerBytes } from '../http/answer-size.ts'
import { loadOnce } from '../load-once.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import { type StreamWithdrawal, watchAgent } from './agent-watch.ts'
import { bodyText } from './body.ts'
import type { BackendCredentials } from './credentials.ts'
import {
  type BackendResponse,
  backendRequestFor,
  type ForwardFetch,
  forwardedHeaders,
  sendWithCredentials,
} from './forward.ts'
import { type CutOffReason, type RelayOutcome, relayToReadable } from './relay.ts'
import type { TranslatedCall } from './translation.ts'

export interface ForwardCallOptions {
  credentials: BackendCredentials
  /** The address-guarded fetch (guardedFetch) the agent is called with. */
  fetch: ForwardFetch
  /** The verified caller's principal, named to the agent. */
  caller: string
  /** The caller may read every caller's tasks on this call (`taskAccessHeader`). */
  readsAllTasks?: boolean
  /** The task the call names, as recorded (its creator and context): an AgentCore session's. */
  task?: { owner: string; contextId?: string | undefined } | undefined
  /** How the gateway presents this agent (for rewriting extended cards). */
  gateway: GatewayIdentity
  /** Signs an extended card as served (the gateway's signature replaces the agent's). */
  signCard: SignCard
  /** Unary calls; the agent's own `timeoutMs` wins. */
  defaultTimeoutMs: number
  streamKeepAliveMs: number
  streamIdleTimeoutMs: number
  /** The most one stream event may hold (MAX_STREAM_EVENT_BYTES). */
  maxStreamEventBytes: number
  /**
   * The most a request written anew for the agent may be (MAX_REQUEST_BYTES, as the caller's):
   * translated to its version or binding, a skill call made a SendMessage, or a message given a
   * contextId for an AgentCore session.
   */
  maxRequestBytes?: number
  /** Told why the gateway refused the agent's answer as invalid (-32006), in the caller's words. */
  onInvalidAnswer?: (reason: string) => void
  /** The W3C trace context (`traceparent`, `tracestate`) the call carries to the agent. */
  traceHeaders?: Record<string, string> | undefined
  /**
   * Told when a stream's agent is let go after its terminal event, once the caller's stream has
   * ended (so after `onEnd`): it sent more, or stayed open and quiet.
   */
  onCutOff?: (reason: CutOffReason) => void
  /** Told once the answer has been relayed, however it ended. */
  onEnd: (outcome: RelayOutcome & { statusCode: number }) => void
  /**
   * Asked every `everyMs` while an event stream is open; the stream ends with its error event
   * once the answer is a withdrawal (its agent deleted or deactivated, the caller's token revoked).
   */
  recheck?: { withdrawal: () => Promise<StreamWithdrawal | undefined>; everyMs: number }
  /**
   * When (`Date.now()`) the call must be over, shortly before the function's own time runs out, so
   * that it is logged and counted, not killed with the function: an event stream still open is
   * ended with its error event (`time-limit`); a unary call's timeout ends by then at the latest.
   */
  endsAt?: number
}

export interface ForwardedAnswer {
  statusCode: number
  headers: Record<string, string>
  body: Readable | string
}

const withRewrittenCard = async (
  response: BackendResponse,
  agentId: string,
  binding: Binding,
  gateway: GatewayIdentity,
  signCard: SignCard,
): Promise<BackendResponse> => {
  // An error status is the agent's error, handed on as it came: only a card is rewritten.
  if (response.statusCode >= 300) return response
  const text = await bodyText(response.body)
  const rewritten = await rewriteCardAnswer(text, binding, gateway, signCard)
  if (rewritten === undefined) {
    throw new BackendUnavailableError(agentId, 'its extended card answer is no card')
  }
  // Written anew, each number as JSON writes it (`1e20` as 21 digits), a card may grow past what
  // an answer carries: an agent's 2.5 MB of `1e20`s were served as 11 MB.
  const body = Buffer.from(rewritten)
  if (body.byteLength > maxUnaryAnswerBytes) {
    throw new BackendUnavailableError(
      agentId,
      `its extended card, rewritten and signed, passes the ${maxUnaryAnswerBytes} bytes an answer may carry`,
    )
  }
  return { ...response, body }
}

/**
 * The translation between versions and bindings, loaded on a call's first need of it: most calls
 * go to an agent of their own version and binding, byte for byte, and a cold start need not load
 * it (about 20 KiB of the agents function's start; issue 20's budget).
 */
const translation = loadOnce(() => import('./translation.ts'))

/** A skill call's own code, loaded on the first: few calls name a skill. */
const skillCalls = loadOnce(() => import('./call-skill.ts'))

/**
 * Sends an A2A call to its agent and brings the answer back in the caller's
 * binding and version: a skill call as a SendMessage; the same binding and
 * version byte for byte; the other binding, the other version (0.3 ⇄ 1.0) or
 * both translated both ways; with the agent's credentials; streams relayed
 * event by event, each ended after its terminal event (`a2aStreamEnd`), or the `Task` snapshot
 * A2A lets follow a terminal status update.
 */
export const forwardCall = async (
  record: AgentRecord,
  call: A2ACall,
  incoming: { method: string; headers: Record<string, string | undefined>; body: string | null },
  options: ForwardCallOptions,
): Promise<ForwardedAnswer> => {
  const timeoutMs = Math.min(
    record.timeoutMs ?? options.defaultTimeoutMs,
    // An agent may be given 15 minutes, all the function has.
    options.endsAt === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(0, options.endsAt - Date.now()),
  )
  const headers = forwardedHeaders(incoming.headers)
  if (call.skill) {
    return (await skillCalls()).callSkill(
      record,
      { ...call, skill: call.skill },
      {
        extensions: headers['a2a-extensions'],
        timeoutMs,
        credentials: options.credentials,
        fetch: options.fetch,
        caller: options.caller,
        traceHeaders: options.traceHeaders,
        maxRequestBytes: options.maxRequestBytes,
        onInvalidAnswer: options.onInvalidAnswer,
      },
    )
  }
  const limits = {
    maxEventBytes: options.maxStreamEventBytes,
    ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
    ...(options.onInvalidAnswer === undefined ? {} : { onInvalidAnswer: options.onInvalidAnswer }),
  }
  let translated: TranslatedCall | undefined
  try {
    // A call of the agent's own version needs none (`versionedCall` answers undefined).
    if (call.version !== record.protocolVersion) {
      translated = (await translation()).versionedCall(call, record, headers, limits)
    }
  } catch (error) {
    if (!(error instanceof VersionTranslationError)) throw error
    const message = `Agent '${record.agentId}' speaks A2A ${record.protocolVersion}: ${error.message}`
    return renderA2AFailure(
      { kind: error.kind, message },
      call.binding,
      call.jsonRpcId,
      call.version,
    )
  }
  // Same version: the same binding byte for byte, or the other binding translated.
  const direct = translated ? undefined : backendRequestFor(call, record, incoming)
  if (!translated && !direct) {
    translated = (await translation()).translatedCall(call, record, headers, limits)
  }
  const request = direct ?? translated?.request
  if (!request) {
    const served = Object.keys(record.endpoints).join(', ')
    return renderA2AFailure(
      {
        kind: 'unsupported-operation',
        message: `Agent '${record.agentId}' serves only ${served}; call it over that binding.`,
      },
      call.binding,
      call.jsonRpcId,
      call.version,
    )
  }
  const backendCall = new AbortController()
  const sent = await sendWithCredentials(record, request, {
    credentials: options.credentials,
    fetch: options.fetch,
    caller: options.caller,
    readsAllTasks: options.readsAllTasks ?? false,
    task: options.task,
    traceHeaders: options.traceHeaders,
    safeToRepeat: operations[call.operation].safeToRepeat ?? false,
    streaming: operations[call.operation].streaming,
    timeoutMs,
    signal: backendCall.signal,
    maxRequestBytes: options.maxRequestBytes,
  })
  const answered = translated ? await translated.answer(sent) : sent
  const response =
    call.operation === 'GetExtendedAgentCard' && answered.body
      ? await withRewrittenCard(
          answered,
          record.agentId,
          call.binding,
          options.gateway,
          options.signCard,
        )
      : answered
  if (!response.body)
    return { statusCode: response.statusCode, headers: response.headers, body: '' }
  // Only a streaming call's answer is relayed as events: a client reads any other whole,
  // whatever its Content-Type says, and so must every check of it.
  const isEventStream =
    operations[call.operation].streaming &&
    isStreamAnswer(response.statusCode, response.headers['content-type'])
  // A whole JSON-RPC answer is 200 whether or not it failed: its error code tells.
  const errorCode =
    isEventStream || !(response.body instanceof Uint8Array)
      ? undefined
      : jsonRpcErrorCodeOf(call.binding, response.body)
  const watch =
    isEventStream && options.recheck
      ? watchAgent(options.recheck.withdrawal, options.recheck.everyMs, backendCall)
      : undefined
  const limit =
    isEventStream && options.endsAt !== undefined
      ? setTimeout(
          () => backendCall.abort(new StreamTimeLimitError(record.agentId)),
          Math.max(0, options.endsAt - Date.now()),
        )
      : undefined
  // The agent's open request keeps the process up while the stream lasts.
  limit?.unref()
  const timedOut = () => backendCall.signal.reason instanceof StreamTimeLimitError
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    body: relayToReadable(response.body, {
      backendRequest: backendCall,
      onEnd: (outcome) => {
        watch?.stop()
        clearTimeout(limit)
        options.onEnd({
          ...outcome,
          statusCode: response.statusCode,
          ...(errorCode === undefined ? {} : { errorCode }),
        })
      },
      ...(isEventStream
        ? {
            events: {
              keepAliveMs: options.streamKeepAliveMs,
              idleTimeoutMs: options.streamIdleTimeoutMs,
              maxEventBytes: options.maxStreamEventBytes,
              errorCodeOf:
                call.binding === 'JSONRPC' ? jsonRpcEventsErrorCode : restEventsErrorCode,
              // In the caller's binding and version: what the caller's client reads, translated or not.
              terminalEvent: {
                endOf: a2aStreamEnd(call.binding, call.version),
                isSnapshot: isA2ATask(call.binding, call.version),
                mayBeIn: mayEndA2AStream,
                ...(options.onCutOff ? { onCutOff: options.onCutOff } : {}),
              },
              failureEvent: (reason) =>
                streamFailureEvent(
                  call,
                  record.agentId,
                  watch?.withdrawn() ?? (timedOut() ? 'time-limit' : reason),
                  options.maxStreamEventBytes,
                ),
            },
          }
        : {}),
    }),
  }
}
