import { ZodError } from 'zod'
import { errorAnswerOf, SwitchboardError } from '../errors.ts'
import { withThousands } from '../thousands.ts'

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

/**
 * Powertools idempotency's refusals, by the name its errors carry (`IdempotencyValidationError`,
 * `IdempotencyAlreadyInProgressError`). By name, not `instanceof`: importing the classes loaded the
 * idempotency package in every middleware that renders errors (the kit's `jwtAuth` and
 * `problemDetails` too), where only `idempotentRequest` uses it.
 */
const idempotencyProblems: Record<string, Problem> = {
  IdempotencyValidationError: {
    type: `${typeBase}idempotency-key-reused`,
    title: 'Idempotency-Key reused',
    status: 422,
    detail: 'This Idempotency-Key was already used with a different request body; use a new key.',
  },
  IdempotencyAlreadyInProgressError: {
    type: `${typeBase}request-in-progress`,
    title: 'Request in progress',
    status: 409,
    detail: 'A request with this Idempotency-Key is still being handled; retry shortly.',
  },
}

const idempotencyProblemOf = (error: unknown): Problem | undefined =>
  error instanceof Error && Object.hasOwn(idempotencyProblems, error.name)
    ? { ...(idempotencyProblems[error.name] as Problem) }
    : undefined

const isHttpError = (
  error: unknown,
): error is { statusCode: number; message: string; expose?: boolean } =>
  typeof (error as { statusCode?: unknown })?.statusCode === 'number'

/** The rule an unknown query parameter or body field breaks. */
const unknownKey = 'is not a field or parameter this request takes'

/**
 * The most unknown keys of one object a refusal names; the rest are counted. Named one by one
 * (in `errors` and again in `detail`), 1,000,000 of them in a 12 MB body to `/search`, which
 * every caller may send, were answered in 133 MB.
 */
const maxNamedUnknownKeys = 10

/**
 * How many more unknown keys an object has than are named. At the top they may be query
 * parameters as well as body fields, so the entry names the request, not its body.
 */
const moreUnknownKeys = (path: PropertyKey[], more: number) => {
  const count = withThousands(more)
  return path.length === 0
    ? {
        field: '(request)',
        rule: `has ${count} more ${more === 1 ? 'field or parameter' : 'fields or parameters'} it does not take`,
      }
    : {
        field: path.join('.'),
        rule: `has ${count} more ${more === 1 ? 'key' : 'keys'} it does not take`,
      }
}

/** An object's unknown keys, each by its own name (the first ten), then how many more. */
const unknownKeyErrors = (path: PropertyKey[], keys: string[]) => {
  const named = keys
    .slice(0, maxNamedUnknownKeys)
    .map((key) => ({ field: [...path, key].join('.'), rule: unknownKey }))
  const more = keys.length - named.length
  return more > 0 ? [...named, moreUnknownKeys(path, more)] : named
}

/**
 * A field left out, said as such: zod's own words for it ("Invalid input: expected string, received
 * undefined") read as a wrong value, where the caller forgot the field (`{}` to `PUT
 * /admin/scopes/{scope}`). Only zod's default message is reworded; a schema's own stays.
 */
const ruleOf = (issue: ZodError['issues'][number]) => {
  if (
    issue.code === 'invalid_type' &&
    issue.message === `Invalid input: expected ${issue.expected}, received undefined`
  ) {
    return `is required (${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected})`
  }
  return issue.message
}

/**
 * The one mapping from errors to problem+json. Unknown errors become a 500 that
 * reveals nothing; the caller is told it was logged.
 */
export const toProblem = (error: unknown): Problem => {
  if (error instanceof ZodError) {
    const errors = error.issues.flatMap((issue) =>
      // Each unknown key by its own name: at the top it is a query parameter as often as a body
      // field, and "(body): Unrecognized key" sent a caller of `?LIMIT=1` to look at its body.
      issue.code === 'unrecognized_keys'
        ? unknownKeyErrors(issue.path, issue.keys)
        : [{ field: issue.path.join('.') || '(body)', rule: ruleOf(issue) }],
    )
    return {
      type: `${typeBase}invalid-request`,
      title: 'Invalid request',
      status: 400,
      detail: errors.map(({ field, rule }) => `${field}: ${rule}`).join('; '),
      errors,
    }
  }
  const idempotency = idempotencyProblemOf(error)
  if (idempotency) return idempotency
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
