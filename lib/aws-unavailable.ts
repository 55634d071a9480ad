import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry'
import { DependencyUnavailableError, SwitchboardError } from './errors.ts'

type SdkError = Parameters<typeof isTransientError>[0]

/**
 * Whether `error` is an AWS service not serving a request: a timed-out attempt (the SDK's
 * `TimeoutError`, the lean DynamoDB path's too), a refused or reset connection, throttling, or a
 * 5xx of the service, or an error caused by one. The SDK's own classification, the one its
 * retries decide by, so what reaches a handler has been retried already.
 */
export const isAwsUnavailable = (error: unknown): boolean => {
  // A library's own error may wrap the SDK's (Powertools idempotency's persistence layer does).
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; depth++) {
    if (cause instanceof SwitchboardError) return false
    const sdkError = cause as SdkError
    if (isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError))
      return true
    cause = cause.cause
  }
  return false
}

/**
 * The error a failed request is answered for: an AWS service not serving it becomes a
 * `DependencyUnavailableError` (503, `Retry-After`), its cause kept for the log; any other
 * error is itself.
 *
 * @example
 * const answered = answeredError(request.error) // then toProblem(answered)
 */
export const answeredError = (error: unknown): unknown =>
  isAwsUnavailable(error) ? new DependencyUnavailableError({ cause: error }) : error
