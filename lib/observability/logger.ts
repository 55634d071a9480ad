import { Logger } from '@aws-lambda-powertools/logger'
import { correlationPaths, search } from '@aws-lambda-powertools/logger/correlationId'

/** Where API Gateway puts its request id, in proxy and authorizer events alike. */
export const requestIdPath = correlationPaths.API_GATEWAY_REST

/**
 * The gateway's JSON logger. With `injectLambdaContext(logger, { correlationIdPath:
 * requestIdPath })` every line of an invocation carries API Gateway's request id
 * as `correlation_id`, so a call's authorizer, handler and access-log lines join up.
 */
export const createLogger = () =>
  new Logger({ serviceName: 'switchboard', correlationIdSearchFn: search })
