import {
  IdempotencyAlreadyInProgressError,
  IdempotencyItemAlreadyExistsError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
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

  it('names an unknown query parameter or field by its name, not as "(body)"', () => {
    // Prepare: `GET /admin/agents?LIMIT=1`, and a body with a misspelt field inside `auth`.
    const query = z.strictObject({ limit: z.string().optional() })
    const body = z.strictObject({ auth: z.strictObject({ type: z.string() }) })

    // Act
    const unknownParameter = toProblem(query.safeParse({ LIMIT: '1', Cursor: 'x' }).error)
    const unknownField = toProblem(body.safeParse({ auth: { type: 'none', tokenURL: 'u' } }).error)

    // Assess
    expect(unknownParameter.errors).toEqual([
      { field: 'LIMIT', rule: 'is not a field or parameter this request takes' },
      { field: 'Cursor', rule: 'is not a field or parameter this request takes' },
    ])
    expect(unknownParameter.detail).toBe(
      'LIMIT: is not a field or parameter this request takes; Cursor: is not a field or parameter this request takes',
    )
    expect(unknownField.errors).toEqual([
      { field: 'auth.tokenURL', rule: 'is not a field or parameter this request takes' },
    ])
  })

  it('names the first ten unknown keys and counts the rest, so a refusal stays far smaller than its request', () => {
    // Prepare: POST /search, open to every caller, with 200,000 unknown keys (2 MB). Named one
    // by one, twice (errors and detail), the answer was 11 times the request.
    const search = z.strictObject({ query: z.string() })
    const body = Object.fromEntries(Array.from({ length: 200_000 }, (_, index) => [`k${index}`, 0]))

    // Act
    const problem = toProblem(search.safeParse({ query: 'weather', ...body }).error)

    // Assess
    expect(problem.errors).toHaveLength(11)
    expect(problem.errors?.[9]).toEqual({
      field: 'k9',
      rule: 'is not a field or parameter this request takes',
    })
    expect(problem.errors?.[10]).toEqual({
      field: '(request)',
      rule: 'has 199,990 more fields or parameters it does not take',
    })
    expect(JSON.stringify(problem).length).toBeLessThan(2048)
  })
  it('counts the unknown query parameters past the tenth without sending their caller to a body, and one more in the singular', () => {
    // Prepare: `GET /agents?k0=1&…&k10=1`, eleven unknown query parameters and no body; and an
    // object inside a body with eleven unknown keys.
    const query = z.strictObject({ limit: z.string().optional() })
    const body = z.strictObject({ auth: z.strictObject({ type: z.string() }) })
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`k${index}`, '1']))

    // Act
    const parameters = toProblem(query.safeParse(eleven).error)
    const nested = toProblem(body.safeParse({ auth: { type: 'none', ...eleven } }).error)

    // Assess
    expect(parameters.errors?.[10]).toEqual({
      field: '(request)',
      rule: 'has 1 more field or parameter it does not take',
    })
    expect(parameters.detail).not.toContain('(body)')
    expect(nested.errors?.[10]).toEqual({ field: 'auth', rule: 'has 1 more key it does not take' })
  })

  it('says a field left out is required, with what it takes, where zod would say "received undefined"', () => {
    // Prepare: `PUT /admin/scopes/{scope}` and `POST /admin/clients` sent `{}`; a field with its own message.
    const body = z.object({
      description: z.string(),
      scopes: z.array(z.string()),
      limit: z.number(),
      auth: z.object({ type: z.string() }),
      name: z.string({ error: 'must be the client’s name' }),
    })

    // Act
    const problem = toProblem(body.safeParse({ limit: 'ten', auth: {} }).error)

    // Assess
    expect(problem.errors).toEqual([
      { field: 'description', rule: 'is required (a string)' },
      { field: 'scopes', rule: 'is required (an array)' },
      { field: 'limit', rule: 'Invalid input: expected number, received string' },
      { field: 'auth.type', rule: 'is required (a string)' },
      { field: 'name', rule: 'must be the client’s name' },
    ])
  })
})
