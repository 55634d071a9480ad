import type { Logger } from '@aws-lambda-powertools/logger'
import { recordCall } from './metrics.ts'

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
 * const finished = callRecorder(logger, { agentId, operation, binding, principal })
 * finished({ statusCode: 200 })
 */
export const callRecorder = (
  logger: Logger,
  call: { agentId: string; operation: string; binding: string; principal: string },
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
    recordCall({
      agentId: call.agentId,
      operation: call.operation,
      durationMs,
      failed: outcome.error !== undefined || (outcome.statusCode ?? 500) >= 500,
    })
  }
}
