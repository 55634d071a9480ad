import type { Logger } from '@aws-lambda-powertools/logger'
import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { failureFromError, renderA2AFailure } from '../lib/a2a/errors.ts'
import { bindingOf } from '../lib/a2a/request.ts'

export interface A2AErrorsOptions {
  logger: Pick<Logger, 'error' | 'warn'>
}

/**
 * Answers an error thrown on an A2A route in the caller's binding: a JSON-RPC
 * error object for POSTs to the agent, A2A's HTTP+JSON error shape otherwise.
 */
export const a2aErrors = (options: A2AErrorsOptions): MiddlewareObj<APIGatewayProxyEvent> => {
  const { logger } = options

  const a2aErrorsMiddlewareOnError = (request: Request<APIGatewayProxyEvent>) => {
    if (request.response !== undefined && request.response !== null) return
    const { event, error } = request
    const failure = failureFromError(error)
    if (failure.kind === 'internal') logger.error('unhandled error on an A2A route', { error })
    else logger.warn('A2A request refused', { reason: failure.kind, detail: failure.message })
    const proxy = event.pathParameters?.proxy
    const binding = bindingOf(event.httpMethod, proxy ? `/${proxy}` : '')
    let jsonRpcId: string | number | null = null
    if (binding === 'JSONRPC') {
      try {
        const id = JSON.parse(event.body ?? '{}').id
        if (typeof id === 'string' || typeof id === 'number') jsonRpcId = id
      } catch {
        // A body that is not JSON has no id to echo.
      }
    }
    request.response = renderA2AFailure(failure, binding, jsonRpcId)
  }

  return { onError: a2aErrorsMiddlewareOnError }
}
