import { Logger } from '@aws-lambda-powertools/logger'
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types'

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
 * Powertools' logger that never logs the whole invocation event, whatever
 * `POWERTOOLS_LOGGER_LOG_EVENT` or a middleware option says: an event holds the
 * caller's `Authorization` header and the request body (an admin body may hold
 * an agent's inline secret), and no line may hold a token or a secret.
 */
class GatewayLogger extends Logger {
  public override shouldLogEvent(): boolean {
    return false
  }

  /** A child (`createChild`) is one of these too, as Powertools' docs show for a subclass. */
  protected override createLogger(options?: ConstructorOptions): GatewayLogger {
    return new GatewayLogger(options)
  }
}

/**
 * The gateway's JSON logger. With `injectLambdaContext(logger, { correlationIdPath:
 * requestIdPath })` every line of an invocation carries API Gateway's request id
 * as `correlation_id`, so a call's authorizer, handler and access-log lines join up.
 */
export const createLogger = (): Logger =>
  new GatewayLogger({ serviceName: 'switchboard', correlationIdSearchFn: valueAtPath })
