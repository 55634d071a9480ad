import type { MiddlewareObj } from '@middy/core'
import { tracing as processTracing, type Tracing } from '../lib/observability/tracing.ts'

/**
 * Powertools Tracer's `captureLambdaHandler` (the `## handler` subsegment, the
 * cold start and service annotations, an error recorded) when tracing is on;
 * nothing when it is off (on a laptop, or POWERTOOLS_TRACE_ENABLED=false).
 * First in the chain, so the subsegment covers every middleware.
 *
 * @example
 * middy().use(tracedHandler()).use(injectLambdaContext(logger))
 */
export const tracedHandler = <TEvent, TResult, TContext>(
  tracing: Pick<Tracing, 'handlerMiddleware'> = processTracing,
): MiddlewareObj<TEvent, TResult, Error, TContext> =>
  tracing.handlerMiddleware() as MiddlewareObj<TEvent, TResult, Error, TContext>
