import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { requestTraceContext, type TraceContext } from '../lib/observability/tracing.ts'
import { checkOptions, optionRules } from '../lib/options.ts'

export interface TraceContextOptions {
  /** The handler's logger: every line of the request carries its `traceId`. */
  logger: { appendKeys(keys: Record<string, unknown>): void }
}

export type TraceContextContext = Context & { trace: TraceContext }

/**
 * Works out the W3C trace a request belongs to (`requestTraceContext`: the
 * caller's valid `traceparent`, else X-Ray's trace, else a fresh one) into
 * `context.trace`, for the calls it forwards, and appends its `traceId` to the
 * logger's keys.
 *
 * @example
 * middy().use(injectLambdaContext(logger)).use(traceContext({ logger }))
 */
export const traceContext = <
  TEvent extends { headers?: Record<string, string | undefined> | null },
>(
  options: TraceContextOptions,
): MiddlewareObj<TEvent, unknown, Error, TraceContextContext> => {
  checkOptions('traceContext', options, { logger: optionRules.methods('appendKeys') })
  const { logger } = options

  const traceContextMiddlewareBefore = (
    request: Request<TEvent, unknown, Error, TraceContextContext>,
  ) => {
    const trace = requestTraceContext(request.event.headers)
    request.context.trace = trace
    logger.appendKeys({ traceId: trace.traceId })
  }

  return { before: traceContextMiddlewareBefore }
}
