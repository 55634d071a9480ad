import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { failureFromError, type RenderedError, renderA2AFailure } from '../lib/a2a/errors.ts'
import { renderA2AFailureIn } from '../lib/a2a/event-address.ts'
import { challengeFor } from '../lib/auth/resource-metadata.ts'
import { answeredError } from '../lib/aws-unavailable.ts'
import { BackendCredentialsError, retryAfterOf } from '../lib/errors.ts'
import type { LogMethods } from '../lib/log-methods.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import type { A2ARequestContext } from './a2a-request.ts'
import { withAnswerHeaders } from './support/answer-headers.ts'

export interface A2AErrorsOptions {
  /** A refusal of the caller's request goes to `info` when the logger has one, else `warn`. */
  logger: LogMethods<'error' | 'warn'> & Partial<LogMethods<'info'>>
  /** The gateway's base URL for a request: a 401's `WWW-Authenticate` names its metadata document. */
  gatewayUrl?: (event: APIGatewayProxyEvent) => string
}

/** The context as `a2aErrors` finds it: `a2aRequest` may not have read the request yet. */
type A2AErrorsContext = Context & Partial<Pick<A2ARequestContext, 'a2a'>>

/**
 * Answers an error thrown on an A2A route in the caller's binding: a JSON-RPC
 * error object, with the request's id, for POSTs to the agent; A2A's HTTP+JSON
 * error shape otherwise. Both come from `a2aRequest`'s reading of the request
 * (`context.a2a`), never from the body again; an error before that reading is
 * answered in the binding its method and path speak (any event type: REST, HTTP
 * API, function URL, ALB), a JSON-RPC one under the id of the body.
 *
 * @example
 * middy()
 *   .use(a2aErrors({ logger, gatewayUrl: (event) => baseUrlOf(event) }))
 *   .use(a2aRequest())
 *   .handler(forward)
 */
export const a2aErrors = (
  options: A2AErrorsOptions,
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, A2AErrorsContext> => {
  checkOptions('a2aErrors', options, {
    logger: optionRules.methods('error', 'warn'),
    gatewayUrl: optionRules.function().optional(),
  })
  const { logger, gatewayUrl } = options

  /**
   * A 401 carries the Bearer challenge (RFC 6750, RFC 9728), a refusal a retry soon may pass its
   * `Retry-After`; and every error the headers kept for every answer (a counted call's
   * `RateLimit`).
   */
  const withHeaders = (
    rendered: RenderedError,
    error: unknown,
    request: Request<APIGatewayProxyEvent, unknown, Error, A2AErrorsContext>,
  ): RenderedError => {
    const challenge = gatewayUrl && challengeFor(error, gatewayUrl(request.event))
    const retryAfter = retryAfterOf(error)
    return withAnswerHeaders(request, {
      ...rendered,
      headers: {
        ...rendered.headers,
        ...(challenge ? { 'www-authenticate': challenge } : {}),
        ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
      },
    })
  }

  const a2aErrorsMiddlewareOnError = (
    request: Request<APIGatewayProxyEvent, unknown, Error, A2AErrorsContext>,
  ) => {
    if (request.response !== undefined && request.response !== null) return
    const { event, context } = request
    const error = answeredError(request.error)
    const failure = failureFromError(error)
    if (failure.kind === 'internal')
      logger.error('unhandled error on an A2A route', { error: request.error })
    else if (
      failure.kind === 'service-unavailable' ||
      failure.kind === 'search-unavailable' ||
      (error instanceof BackendCredentialsError && error.gatewaysOwn)
    )
      logger.error('a service the gateway needs failed an A2A call', { error: request.error })
    // The agent failing is worth a look; a caller refused (a deactivated agent, a missing grant)
    // is the gateway doing its job, and its access line says so too.
    else if (failure.kind === 'backend-unavailable' || failure.kind === 'backend-timeout')
      logger.warn('agent call failed', {
        reason: failure.kind,
        detail: failure.message,
        // What the caller is not told (AWS's own text when its front door refused the gateway).
        ...(request.error?.cause instanceof Error ? { cause: request.error.cause.message } : {}),
      })
    else
      (logger.info ?? logger.warn).call(logger, 'A2A request refused', {
        reason: failure.kind,
        detail: failure.message,
      })
    const { a2a } = context
    if (a2a) {
      const call = a2a.kind === 'call' ? a2a.call : undefined
      request.response = withHeaders(
        renderA2AFailure(
          failure,
          call?.binding ?? 'HTTP+JSON',
          call?.jsonRpcId ?? null,
          call?.version,
        ),
        error,
        request,
      )
      return
    }
    request.response = withHeaders(renderA2AFailureIn(event, failure), error, request)
  }

  return { onError: a2aErrorsMiddlewareOnError }
}
