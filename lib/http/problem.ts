import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency'
import { ZodError } from 'zod'
import { errorAnswerOf, SwitchboardError } from '../errors.ts'

/** An RFC 9457 problem details object. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  /** Per-field problems of an invalid request body. */
  errors?: { field: string; rule: string }[]
  [extension: string]: unknown
}

const typeBase = 'https://switchboard.dev/problems/'

const isHttpError = (
  error: unknown,
): error is { statusCode: number; message: string; expose?: boolean } =>
  typeof (error as { statusCode?: unknown })?.statusCode === 'number'

/**
 * The one mapping from errors to problem+json. Unknown errors become a 500 that
 * reveals nothing; the caller is told it was logged.
 */
export const toProblem = (error: unknown): Problem => {
  if (error instanceof ZodError) {
    const errors = error.issues.map((issue) => ({
      field: issue.path.join('.') || '(body)',
      rule: issue.message,
    }))
    return {
      type: `${typeBase}invalid-request`,
      title: 'Invalid request',
      status: 400,
      detail: errors.map(({ field, rule }) => `${field}: ${rule}`).join('; '),
      errors,
    }
  }
  if (error instanceof IdempotencyValidationError) {
    return {
      type: `${typeBase}idempotency-key-reused`,
      title: 'Idempotency-Key reused',
      status: 422,
      detail: 'This Idempotency-Key was already used with a different request body; use a new key.',
    }
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return {
      type: `${typeBase}request-in-progress`,
      title: 'Request in progress',
      status: 409,
      detail: 'A request with this Idempotency-Key is still being handled; retry shortly.',
    }
  }
  if (error instanceof SwitchboardError) {
    const { status, title, publicMessage } = errorAnswerOf(error)
    return {
      type: `${typeBase}${error.code}`,
      title,
      status,
      detail: publicMessage ?? error.message,
      ...error.problemExtensions,
    }
  }
  if (isHttpError(error) && error.statusCode < 500) {
    return {
      type: 'about:blank',
      title: error.message,
      status: error.statusCode,
      detail: error.message,
    }
  }
  return {
    type: 'about:blank',
    title: 'Internal Server Error',
    status: 500,
    detail: 'The gateway failed to handle this request; the error has been logged.',
  }
}

/** How a failure answered with a 5xx is logged: an error, unless its answer says it is expected. */
export const failureLogLevelOf = (error: unknown): 'error' | 'warn' =>
  error instanceof SwitchboardError ? (errorAnswerOf(error).logLevel ?? 'error') : 'error'

export const problemResponse = (problem: Problem, retryAfterSeconds?: number) => ({
  statusCode: problem.status,
  headers: {
    'content-type': 'application/problem+json',
    ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }),
  },
  body: JSON.stringify(problem),
})
