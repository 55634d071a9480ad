import { Logger } from '@aws-lambda-powertools/logger'

/** Where API Gateway puts its request id, in proxy and authorizer events alike. */
export const requestIdPath = 'requestContext.requestId'

/**
 * Reads a dotted path of an event (`requestContext.requestId`). The one path
 * the gateway correlates by needs no JMESPath: Powertools' `search` would load
 * 24 KiB of it into every cold start.
 *
 * @example
 * valueAtPath('requestContext.requestId', { requestContext: { requestId: 'r1' } }) // 'r1'
 */
export const valueAtPath = (path: string, data: unknown): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined,
      data,
    )

/**
 * The gateway's JSON logger. With `injectLambdaContext(logger, { correlationIdPath:
 * requestIdPath })` every line of an invocation carries API Gateway's request id
 * as `correlation_id`, so a call's authorizer, handler and access-log lines join up.
 */
export const createLogger = () =>
  new Logger({ serviceName: 'switchboard', correlationIdSearchFn: valueAtPath })
