import { jsonRpcErrorCodeOf } from '../a2a/agent-error-codes.ts'
import type { A2ACall } from '../a2a/request.ts'
import {
  type ForwardCallOptions,
  type ForwardedAnswer,
  forwardCall,
} from '../backend/forward-call.ts'
import type { CallOutcome } from '../observability/call-recorder.ts'
import { type TraceContext, type Tracing, traceHeaders } from '../observability/tracing.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

/** How a forwarded call is traced: the request's trace, and the tracing its span goes to. */
export interface CallTrace {
  context: TraceContext
  tracing: Pick<Tracing, 'span'>
}

/**
 * Forwards a call to its agent in a span of its own (annotated with `agentId`,
 * `operation`, `binding`, the W3C `traceId` and the answer's `status`), carrying the request's
 * trace with that span as parent (`traceparent`), and reports its end to
 * `finished` exactly once: a streamed answer when its relay ends, a whole one at
 * once, a thrown one before the error goes on. A stream's span ends when its
 * answer starts.
 *
 * @example
 * const answer = await forwardReported(record, call, incoming, options, trace, callRecorder(metrics, who, report))
 */
export const forwardReported = async (
  record: AgentRecord,
  call: A2ACall,
  incoming: { method: string; headers: Record<string, string | undefined>; body: string | null },
  options: Omit<ForwardCallOptions, 'onEnd' | 'traceHeaders'>,
  trace: CallTrace,
  finished: (outcome: CallOutcome) => void,
): Promise<ForwardedAnswer> => {
  const annotations = {
    agentId: record.agentId,
    operation: call.operation,
    binding: call.binding,
    // The W3C trace the agent joins: the caller's own, when it sent one, finds this X-Ray trace.
    traceId: trace.context.traceId,
  }
  // The span's id is the parent id of the `traceparent` the agent gets: the report names it, so an
  // agent's log line can be matched to this call even when callers reuse one trace.
  let spanId: string | undefined
  // Why the gateway refused the agent's answer, when it did: the caller's error says it, and so
  // must the call's report.
  let invalidAnswer: string | undefined
  const ended = (outcome: CallOutcome) =>
    finished({
      ...outcome,
      ...(spanId === undefined ? {} : { spanId }),
      ...(invalidAnswer === undefined ? {} : { invalidAnswer }),
    })
  const answer = await trace.tracing
    .span('forward to agent', annotations, async (span) => {
      spanId = span.id
      const forwarded = await forwardCall(record, call, incoming, {
        ...options,
        traceHeaders: traceHeaders(trace.context, span.id),
        onInvalidAnswer: (reason) => {
          invalidAnswer = reason
        },
        onEnd: ended,
      })
      span.annotate('status', forwarded.statusCode)
      return forwarded
    })
    .catch((error: unknown) => {
      ended({ error })
      throw error
    })
  // A streamed answer is finished by its relay; one already whole, here.
  if (typeof answer.body === 'string') {
    const errorCode = jsonRpcErrorCodeOf(call.binding, answer.body)
    ended({ statusCode: answer.statusCode, ...(errorCode === undefined ? {} : { errorCode }) })
  }
  return answer
}

/** A routed call's answer names the agent that answered (`x-switchboard-agent`). */
export const namingAgent = (answer: ForwardedAnswer, agentId: string): ForwardedAnswer => ({
  ...answer,
  headers: { ...answer.headers, 'x-switchboard-agent': agentId },
})
