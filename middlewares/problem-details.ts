import type { Logger } from '@aws-lambda-powertools/logger'
import type { MiddlewareObj, Request } from '@middy/core'
import { problemResponse, toProblem } from '../lib/http/problem.ts'

export interface ProblemDetailsOptions {
  logger: Pick<Logger, 'error' | 'info'>
}

/**
 * Answers errors as RFC 9457 `application/problem+json`, naming what was wrong.
 * Unexpected errors are logged in full and answered with a bare 500.
 */
export const problemDetails = (options: ProblemDetailsOptions): MiddlewareObj => {
  const { logger } = options

  const problemDetailsMiddlewareOnError = (request: Request) => {
    if (request.response !== undefined && request.response !== null) return
    const problem = toProblem(request.error)
    if (problem.status >= 500) logger.error('request failed', { error: request.error })
    else logger.info('request refused', { status: problem.status, type: problem.type })
    request.response = problemResponse(problem)
  }

  return { onError: problemDetailsMiddlewareOnError }
}
