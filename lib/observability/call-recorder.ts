import type { Logger } from '@aws-lambda-powertools/logger'
import { type MetricsSink, recordCall } from './metrics.ts'

/** How a forwarded call ended: streamed, whole, or thrown. */
export interface CallOutcome {
  statusCode?: number
  bytes?: number
  chunks?: number
  error?: unknown
}

/**
 * Starts timing a forwarded call and returns the function that logs (`call forwarded`)
 * and counts it (`recordCall`) once it ends, however it ended.
 *
 * @example
 * const finished = callRecorder(logger, metrics, { agentId, operation, binding, principal, stream })
 * finished({ statusCode: 200 })
 */
export const callRecorder = (
  logger: Logger,
  metrics: MetricsSink,
  call: {
    agentId: string
    operation: string
    binding: string
    principal: string
    /** A streaming operation: its answer is a stream, counted and timed as one. */
    stream: boolean
  },
  now: () => number = Date.now,
) => {
  const started = now()
  return (outcome: CallOutcome) => {
    const durationMs = now() - started
    logger.info('call forwarded', {
      agentId: call.agentId,
      operation: call.operation,
      binding: call.binding,
      principal: call.principal,
      status: outcome.statusCode,
      durationMs,
      bytes: outcome.bytes,
      chunks: outcome.chunks,
      ...(outcome.error ? { error: String(outcome.error) } : {}),
    })
    const failed = outcome.error !== undefined || (outcome.statusCode ?? 500) >= 500
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
