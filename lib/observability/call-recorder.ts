import type { AgentErrorCode, UncodedError } from '../a2a/error-key.ts'
import {
  BackendUnavailableError,
  errorAnswerOf,
  StreamTimeLimitError,
  StreamWithheldError,
  SwitchboardError,
} from '../errors.ts'
import { type MetricsSink, recordCall } from './metrics.ts'

/** A refusal of the caller's own request on its way to the agent (a 4xx of ours): no failure of the agent's. */
const isCallersFault = (error: unknown) =>
  error instanceof SwitchboardError && errorAnswerOf(error).status < 500

/**
 * A stream the gateway withheld for a fault of its own (its database failing to record a task):
 * no failure of the agent's. Else the gateway's database trouble would raise the agent's failure
 * alarm, naming the agent. (A unary answer is counted here by the agent's status, before task
 * ownership reads it; one withheld for the agent's fault is counted as failed there, by its
 * `onAgentFault`.)
 */
const isGatewaysOwnFault = (error: unknown) =>
  (error instanceof StreamWithheldError && !error.agentsFault) ||
  // Ended at the time its function has: the agent was still at work.
  error instanceof StreamTimeLimitError

/**
 * The JSON-RPC error codes that say the agent failed, not the caller: JSON-RPC's internal error
 * (what an A2A SDK's agent answers when its handler throws, with HTTP 200) and A2A's
 * InvalidAgentResponse. Every other code is the caller's (a task not found, invalid params) or the
 * agent's own word on the request (a skill that could not do it).
 */
const agentFailureCodes = new Set([-32603, -32006])

/**
 * Whether an error an agent answered (`status`, the HTTP status it came with) says it failed: one
 * of those codes, or, from an HTTP+JSON stream's `error` event, a 5xx status; or an error with no
 * integer code (`UncodedError`) in a 2xx answer or event, which the caller's client takes for an
 * error all the same where no status says whose it is. A 4xx says it: a framework's own answer to
 * the caller's request names an `error` without a code (Fastify's `{"statusCode":413,"error":
 * "Payload Too Large",…}` past its 1 MiB bodyLimit, @fastify/rate-limit's 429), and counted, a
 * caller's large or many calls raised the agent's failure alarm.
 */
const isAgentFailureCode = (code: AgentErrorCode, status: number) =>
  typeof code !== 'number'
    ? status < 300
    : agentFailureCodes.has(code) || (code >= 500 && code <= 599)

/** How a forwarded call ended: streamed, whole, or thrown. */
export interface CallOutcome {
  statusCode?: number
  /**
   * A whole JSON-RPC answer's error code (its status is 200 whether or not it failed), or a
   * stream's last error event's; or why the error had none.
   */
  errorCode?: AgentErrorCode
  /** The forward's span: the parent id of the `traceparent` the agent got. */
  spanId?: string
  chunks?: number
  error?: unknown
  /** A relayed answer's reader ended it early (the relay's `endedByReader`). */
  endedByReader?: boolean
  /** The relay ended an event stream after its terminal event (the relay's `endedAtTerminalEvent`). */
  endedAtTerminalEvent?: boolean
  /** Why the gateway refused the agent's answer, or an event of it, as invalid (-32006). */
  invalidAnswer?: string
  /** The agent ended its event stream with no terminal event (the relay's `endedWithoutTerminalEvent`). */
  endedWithoutTerminalEvent?: boolean
}

/**
 * A relayed answer the caller walked away from: ended by its reader with the error its
 * closing gave, not one of the gateway's own (a middleware that withholds the rest of a
 * stream ends it with a StreamWithheldError). The agent did not fail it, so it is no
 * CallFailure: else any caller could raise the agent's failure alarm by opening streams and
 * closing them.
 */
const isCallerGone = (outcome: CallOutcome) =>
  outcome.endedByReader === true &&
  outcome.error !== undefined &&
  !(outcome.error instanceof SwitchboardError)

/**
 * What the request's access line tells of its forwarded call, once the call has
 * ended: the agent's status (not the caller's: a failed forward is the caller's
 * 502), how long the forward took, a relayed body's chunks and why it failed.
 */
export interface ForwardReport {
  agentStatus?: number
  /** The JSON-RPC error an answer of HTTP 200 carried. */
  agentErrorCode?: number
  /**
   * Why the error the agent answered (a JSON-RPC `error`, an HTTP+JSON `error` event) has no
   * integer code: it counts as the agent's failure, relayed to the caller as it came.
   */
  agentErrorUncoded?: UncodedError
  /**
   * Why the gateway refused the agent's answer, or one of its stream events, as invalid (-32006):
   * the words the caller got (a translation that passes what an answer may carry, an answer that
   * is no JSON). `agentErrorCode` alone cannot tell it from an agent's own -32006.
   */
  invalidAnswer?: string
  /** The parent id of the `traceparent` the agent got, to find its own log line of the call. */
  spanId?: string
  agentMs?: number
  chunks?: number
  error?: string
  /**
   * How an event stream ended: `terminal-event`, the gateway ended it after the event that ends an
   * A2A stream (an error, the task's end), whatever the agent sent after it; `no-terminal-event`,
   * the agent ended it whole before any such event (no failure: A2A lets a stream end at
   * `auth-required`, say; but a client waiting for its task's end did not see it).
   */
  streamEnd?: 'terminal-event' | 'no-terminal-event'
}

/**
 * Starts timing a forwarded call and returns the function that, once the call
 * ends however it ended, counts it (`recordCall`) and writes its outcome into
 * `report`, which the request's access line reads. No log line of its own: the
 * access line is the request's one line.
 *
 * @example
 * const report: ForwardReport = {}
 * const finished = callRecorder(metrics, { agentId, operation, stream }, report)
 * finished({ statusCode: 200 }) // report: { agentStatus: 200, agentMs: … }
 */
export const callRecorder = (
  metrics: MetricsSink,
  call: {
    agentId: string
    operation: string
    /** A streaming operation: its answer is a stream, counted and timed as one. */
    stream: boolean
  },
  report: ForwardReport,
  now: () => number = Date.now,
) => {
  const started = now()
  return (outcome: CallOutcome) => {
    const durationMs = now() - started
    // An answer the gateway withheld (the agent's 401 or 403) still tells its status.
    report.agentStatus =
      outcome.statusCode ??
      (outcome.error instanceof BackendUnavailableError ? outcome.error.agentStatus : undefined)
    if (typeof outcome.errorCode === 'number') report.agentErrorCode = outcome.errorCode
    else if (outcome.errorCode !== undefined) report.agentErrorUncoded = outcome.errorCode
    if (outcome.invalidAnswer !== undefined) report.invalidAnswer = outcome.invalidAnswer
    if (outcome.spanId !== undefined) report.spanId = outcome.spanId
    report.agentMs = durationMs
    report.chunks = outcome.chunks
    if (outcome.endedAtTerminalEvent) report.streamEnd = 'terminal-event'
    else if (outcome.endedWithoutTerminalEvent) report.streamEnd = 'no-terminal-event'
    const callerGone = isCallerGone(outcome)
    if (callerGone) report.error = 'the caller went away'
    else if (outcome.error !== undefined) report.error = String(outcome.error)
    const failed =
      outcome.error !== undefined && !callerGone
        ? !isCallersFault(outcome.error) && !isGatewaysOwnFault(outcome.error)
        : (outcome.statusCode ?? 500) >= 500 ||
          (outcome.errorCode !== undefined &&
            isAgentFailureCode(outcome.errorCode, outcome.statusCode ?? 500))
    recordCall(metrics, {
      agentId: call.agentId,
      operation: call.operation,
      durationMs,
      failed,
      // A stream is one the agent opened: relayed to its end (or broken off mid-way).
      streamed: call.stream && outcome.chunks !== undefined,
    })
  }
}
