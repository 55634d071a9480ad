import { IdempotencyPersistenceLayerError } from '@aws-lambda-powertools/idempotency'
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { answeredError, isAwsUnavailable } from '../../../lib/aws-unavailable.ts'
import {
  BackendCredentialsError,
  DependencyUnavailableError,
  retryAfterOf,
} from '../../../lib/errors.ts'

const metadata = (httpStatusCode: number) => ({ httpStatusCode, attempts: 3 })
const timedOut = () =>
  Object.assign(new Error('a request has exceeded the configured 2000 ms requestTimeout.'), {
    name: 'TimeoutError',
    code: 'ETIMEDOUT',
    $metadata: { attempts: 3 },
  })

describe('isAwsUnavailable', () => {
  it.each([
    ['an attempt that timed out', timedOut()],
    [
      'a throttled request',
      new ThrottlingException({ message: 'Rate exceeded', $metadata: metadata(400) }),
    ],
    [
      'a table past its provisioned throughput',
      new ProvisionedThroughputExceededException({ message: 'slow', $metadata: metadata(400) }),
    ],
    [
      'a 500 of the service',
      new InternalServerError({ message: 'Internal', $metadata: metadata(500) }),
    ],
    [
      'a refused connection to the service',
      Object.assign(new Error('connect ECONNREFUSED'), {
        code: 'ECONNREFUSED',
        $metadata: { attempts: 3 },
      }),
    ],
    [
      'a timeout inside Powertools idempotency’s own error',
      new IdempotencyPersistenceLayerError('Failed to save in progress record', {
        cause: timedOut(),
      }),
    ],
  ])('is true of %s', (_name, error) => {
    expect(isAwsUnavailable(error)).toBe(true)
  })

  it.each([
    [
      'a condition that failed',
      new ConditionalCheckFailedException({ message: 'failed', $metadata: metadata(400) }),
    ],
    [
      'a missing table',
      new ResourceNotFoundException({ message: 'no table', $metadata: metadata(400) }),
    ],
    ['an error of the gateway’s own', new Error('undefined is not a function')],
    [
      'a domain error, even one caused by a timeout (it is answered as itself)',
      Object.assign(new BackendCredentialsError('secret could not be read'), { cause: timedOut() }),
    ],
    ['something not an error', 'TimeoutError'],
    [
      'a failed fetch of another host (a JWKS, a webhook): no AWS service',
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      }),
    ],
    ['a timeout of an AbortSignal', new DOMException('The operation timed out.', 'TimeoutError')],
    [
      'a quota reached (Secrets Manager’s LimitExceededException): a moment will not do',
      Object.assign(new Error('quota'), {
        name: 'LimitExceededException',
        $metadata: metadata(400),
      }),
    ],
    [
      'a domain error met deeper down, under a plain error',
      new Error('wrapped', {
        cause: Object.assign(new BackendCredentialsError('secret could not be read'), {
          cause: timedOut(),
        }),
      }),
    ],
  ])('is false of %s', (_name, error) => {
    expect(isAwsUnavailable(error)).toBe(false)
  })
})

describe('answeredError', () => {
  it('answers an AWS service that did not answer as a 503 to retry a second later, keeping the cause', () => {
    // Prepare
    const cause = timedOut()

    // Act
    const answered = answeredError(cause)

    // Assess
    expect(answered).toBeInstanceOf(DependencyUnavailableError)
    expect((answered as Error).cause).toBe(cause)
    expect(retryAfterOf(answered)).toBe(1)
  })

  it('leaves any other error as it is', () => {
    const error = new Error('undefined is not a function')
    expect(answeredError(error)).toBe(error)
  })
})
