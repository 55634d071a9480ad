import {
  IdempotencyAlreadyInProgressError,
  IdempotencyItemAlreadyExistsError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency'
import { describe, expect, it } from 'vitest'
import { toProblem } from '../../../lib/http/problem.ts'

describe('toProblem', () => {
  it('answers Powertools idempotency’s refusals 422 and 409, and its other errors as a bare 500', () => {
    // Act
    const reused = toProblem(new IdempotencyValidationError('payload differs'))
    const inProgress = toProblem(new IdempotencyAlreadyInProgressError('still running'))
    const other = toProblem(new IdempotencyItemAlreadyExistsError('exists'))

    // Assess
    expect([reused.status, reused.type]).toEqual([
      422,
      'https://switchboard.dev/problems/idempotency-key-reused',
    ])
    expect([inProgress.status, inProgress.type]).toEqual([
      409,
      'https://switchboard.dev/problems/request-in-progress',
    ])
    expect([other.status, other.type]).toEqual([500, 'about:blank'])
  })
})
