import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { challengeFor } from '../lib/auth/resource-metadata.ts'
import { answeredError } from '../lib/aws-unavailable.ts'
import { retryAfterOf } from '../lib/errors.ts'
import { failureLogLevelOf, problemResponse, toProblem } from '../lib/http/problem.ts'
import type { LogMethods } from '../lib/log-methods.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import { withAnswerHeaders } from './support/answer-headers.ts'

export interface ProblemDetailsOptions {
  logger: LogMethods<'error' | 'warn' | 'info'>
  /** The gateway's base URL for a request: a 401's `WWW-Authenticate` names its metadata document. */
  gatewayUrl?: (event: APIGatewayProxyEvent) => string
}

/**
 * Answers errors as RFC 9457 `application/problem+json`, naming what was wrong.
 * Unexpected errors are logged in full and answered with a bare 500; an AWS service that
 * timed out, throttled or failed, with a 503 and `Retry-After` (lib/aws-unavailable.ts). A 5xx is
 * logged as an error, unless it is an expected outcome (a change that met
 * another, `logLevel` in lib/errors.ts): a warning.
 *
 * @example
 * middy().use(problemDetails({ logger, gatewayUrl: baseUrlOf })).use(jsonBody()).handler(register)
 */
export const problemDetails = (options: ProblemDetailsOptions): MiddlewareObj => {
  checkOptions('problemDetails', options, {
    logger: optionRules.methods('error', 'warn', 'info'),
    gatewayUrl: optionRules.function().optional(),
  })
  const { logger, gatewayUrl } = options

  const problemDetailsMiddlewareOnError = (request: Request) => {
    if (request.response !== undefined && request.response !== null) return
    const error = answeredError(request.error)
    const problem = toProblem(error)
    if (problem.status >= 500)
      logger[failureLogLevelOf(error)]('request failed', { error: request.error })
    else logger.info('request refused', { status: problem.status, type: problem.type })
    const response = problemResponse(problem, retryAfterOf(error))
    const challenge =
      gatewayUrl && challengeFor(request.error, gatewayUrl(request.event as APIGatewayProxyEvent))
    request.response = withAnswerHeaders(
      request,
      challenge
        ? { ...response, headers: { ...response.headers, 'www-authenticate': challenge } }
        : response,
    )
  }

  return { onError: problemDetailsMiddlewareOnError }
}
