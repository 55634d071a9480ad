import type { Request } from '@middy/core'
import type { Context } from 'aws-lambda'

/**
 * The Middy request a middleware is used with: its event and context are the
 * chain's, which the middleware's callbacks (`subject`, `limitedResponse`) read;
 * the middleware itself touches only `internal` and `response`.
 */
export type ChainRequest<TEvent, TContext extends Context> = Request<
  TEvent,
  unknown,
  Error,
  TContext,
  Record<string, unknown>
>
