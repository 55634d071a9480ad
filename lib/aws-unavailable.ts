import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry'
import { DependencyUnavailableError, SwitchboardError } from './errors.ts'

type SdkError = Parameters<typeof isTransientError>[0]

/** A quota the account has reached (Secrets Manager's): throttling by the SDK's list, yet a moment will not do. */
const quotaReached = 'LimitExceededException'

/** Whether one error, not what caused it, is an AWS service not serving a request. */
const isUnavailableItself = (error: Error): boolean => {
  // An error of the SDK's, or of the lean DynamoDB path, which builds its own alike.
  if (!('$metadata' in error) || error.name === quotaReached) return false
  const { name, $metadata, $retryable } = error as SdkError
  const { code } = error as { code?: string }
  // The SDK's classifiers follow `cause` themselves: this one error only.
  const itself = { name, message: error.message, code, $metadata, $retryable } as SdkError
  return isThrottlingError(itself) || isTransientError(itself) || isServerError(itself)
}

/**
 * Whether `error` is an AWS service not serving a request, after the SDK's retries: a timed-out
 * attempt (the SDK's `TimeoutError`, the lean DynamoDB path's too), a refused or reset
 * connection, throttling, or a 5xx of the service, or an error caused by one (Powertools
 * idempotency's persistence layer wraps the SDK's). Only an error the SDK made counts (it
 * carries `$metadata`): a failed `fetch` of another host is not an AWS service. The SDK's own
 * classification, the one its retries decide by; a quota reached is not included, nor is
 * anything under an error the gateway answers as its own (a SwitchboardError).
 */
export const isAwsUnavailable = (error: unknown): boolean => {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; depth++) {
    if (cause instanceof SwitchboardError) return false
    if (isUnavailableItself(cause)) return true
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
