import { Transform } from 'node:stream'
import type middy from '@middy/core'
import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import type { HttpResponse } from '../lib/http/http-response.ts'
import type { LogMethods } from '../lib/log-methods.ts'
import type { ForwardReport } from '../lib/observability/call-recorder.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import { refusalOf } from './support/refusal.ts'
import { isNodeStream, passedThrough } from './support/response-body.ts'

/**
 * What a request was, as the handler's own middlewares read it (no secret, no
 * token), and for a call forwarded to an agent how the forward ended
 * (`agentStatus`, `agentErrorCode`, `agentErrorUncoded`, `invalidAnswer`, `agentMs`, `chunks`, `streamEnd`, `error`: the
 * call recorder's report).
 */
export interface AccessLogFields extends ForwardReport {
  principal?: string
  agent?: string
  operation?: string
  binding?: string
}

export interface AccessLogOptions<TContext extends Context> {
  /** The handler's logger: the line carries its keys (trace id, correlation id). */
  logger: LogMethods<'info' | 'warn'>
  /**
   * Principal, agent, operation and binding, read from the keys earlier middlewares own;
   * for a forwarded call also its outcome, complete by the time the line is written.
   */
  describe?: (
    request: Request<APIGatewayProxyEvent, unknown, Error, TContext, Record<string, unknown>>,
  ) => AccessLogFields
  /**
   * What a streamed answer's line waits for before it is written, when there is something (the
   * call's outcome, reported when its relay has closed, which can come after the answer has ended);
   * waited for at most `settleMs` (1 s), so a report that never comes costs a line its fields,
   * never the line.
   */
  settled?: (
    request: Request<APIGatewayProxyEvent, unknown, Error, TContext, Record<string, unknown>>,
  ) => Promise<unknown> | undefined
  settleMs?: number
  now?: () => number
}

/** `pending` settled, or `ms` gone by, whichever comes first (its timer never holds the process). */
const settledWithin = (pending: Promise<unknown>, ms: number) => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
    timer.unref()
  })
  return Promise.race([pending.then(noop, noop), timeout]).finally(() => clearTimeout(timer))
}
const noop = () => {}

const key = 'accessLog'

interface AccessState {
  started: number
  /** Bytes of a streamed body that have gone out so far. */
  streamedBytes?: number
}

/** The status the caller got: the answer's, or API Gateway's 502 for a function that failed. */
const statusOf = (response: HttpResponse | undefined) => response?.statusCode ?? 502

const wholeBytesOf = (response: (HttpResponse & { isBase64Encoded?: boolean }) | undefined) =>
  typeof response?.body === 'string'
    ? Buffer.byteLength(response.body, response.isBase64Encoded ? 'base64' : 'utf8')
    : 0

/**
 * One structured access-log line per request (`message: "access"`): method and
 * route, principal, agent, operation, binding, status, duration, bytes sent, and
 * the logger's keys (the trace id, `correlation_id` = API Gateway's request id);
 * for a call forwarded to an agent also the agent's status, the forward's
 * duration, a relayed body's chunks and the forward's error, if any. It is the
 * request's only line at INFO. Never a header, a body or a query string, so no
 * token or secret can reach it.
 *
 * Two halves, because Middy's `after` misses early answers (a 401, a 429) and a
 * stream's end: `plugin` (Middy's `requestStart`/`requestEnd` hooks) starts the
 * clock and writes the line once the answer is sent, a streamed one when the
 * stream has ended; `middleware` (first in the chain, so its `after` runs last)
 * counts a streamed body's bytes as they go out.
 *
 * @example
 * const access = accessLog({ logger, describe })
 * export const handler = middy(access.plugin).use(access.middleware).use(…)
 */
export const accessLog = <TContext extends Context = Context>(
  options: AccessLogOptions<TContext>,
) => {
  checkOptions('accessLog', options, {
    logger: optionRules.methods('info', 'warn'),
    describe: optionRules.function().optional(),
    settled: optionRules.function().optional(),
    // A Lambda lasts 15 minutes at most.
    settleMs: optionRules.integerFrom(0, 900_000).optional(),
    now: optionRules.function().optional(),
  })
  const { logger, describe = () => ({}), settled, settleMs = 1000, now = Date.now } = options
  type R = Request<APIGatewayProxyEvent, unknown, Error, TContext, Record<string, unknown>>
  /** What Middy hands a plugin hook: its request, untyped. */
  type AnyRequest = Request<unknown, unknown, Error, Context, Record<string, unknown>>

  const stateOf = (request: AnyRequest) => request.internal[key] as AccessState | undefined

  const accessLogPluginRequestStart = (request: AnyRequest) => {
    request.internal[key] = { started: now() } satisfies AccessState
  }

  const accessLogPluginRequestEnd = async (request: AnyRequest) => {
    const state = stateOf(request)
    const durationMs = state ? now() - state.started : undefined
    const response = request.response as HttpResponse | undefined
    // Only a streamed answer's report can come after it: a whole answer's is in already.
    const pending = isNodeStream(response?.body) ? settled?.(request as R) : undefined
    if (pending) await settledWithin(pending, settleMs)
    const { event } = request as R
    let fields: AccessLogFields = {}
    try {
      fields = describe(request as R)
    } catch (error) {
      logger.warn('access log: the request could not be described', { error })
    }
    logger.info('access', {
      method: event?.httpMethod,
      route: event?.resource,
      principal: fields.principal,
      agent: fields.agent,
      operation: fields.operation,
      binding: fields.binding,
      status: statusOf(response),
      durationMs,
      bytes: state?.streamedBytes ?? wholeBytesOf(response),
      agentStatus: fields.agentStatus,
      agentErrorCode: fields.agentErrorCode,
      agentErrorUncoded: fields.agentErrorUncoded,
      invalidAnswer: fields.invalidAnswer,
      spanId: fields.spanId,
      agentMs: fields.agentMs,
      chunks: fields.chunks,
      streamEnd: fields.streamEnd,
      error: fields.error,
      reason: refusalOf(request as R),
      // The logger's own key, set from the same field; given here too so that the
      // line names its request even where invocations share the logger (npm start).
      correlation_id: event?.requestContext?.requestId,
    })
  }

  const accessLogMiddlewareAfter = (request: R) => {
    const state = stateOf(request)
    const response = request.response as HttpResponse | undefined
    if (!state || !response || !isNodeStream(response.body)) return
    state.streamedBytes = 0
    const counted = new Transform({
      transform: (chunk: Buffer | string, _encoding, callback) => {
        state.streamedBytes = (state.streamedBytes ?? 0) + Buffer.byteLength(chunk)
        callback(null, chunk)
      },
    })
    // A body that fails, or an answer the caller abandons, ends the other.
    request.response = { ...response, body: passedThrough(response.body, counted) }
  }

  return {
    plugin: {
      requestStart: accessLogPluginRequestStart,
      requestEnd: accessLogPluginRequestEnd,
    } satisfies middy.PluginObject,
    middleware: { after: accessLogMiddlewareAfter } satisfies MiddlewareObj<
      APIGatewayProxyEvent,
      unknown,
      Error,
      TContext
    >,
  }
}
