import { search } from '@aws-lambda-powertools/jmespath'
import { describe, expect, it } from 'vitest'
import { idempotencyKeyOf, idempotencyKeyPath } from '../../../lib/http/idempotency-key.ts'

describe('the Idempotency-Key of an admin request', () => {
  it.each([
    ['no header', {}, undefined],
    ['an empty header', { 'idempotency-key': '' }, undefined],
    ['a key', { 'idempotency-key': 'deploy-42' }, 'deploy-42'],
  ])('is the same for the callers API and for Powertools with %s', (_name, headers, key) => {
    // Act
    const read = idempotencyKeyOf(headers)
    // Powertools skips idempotency for a selection of null or undefined.
    const selected = search(idempotencyKeyPath, { headers }) ?? undefined

    // Assess
    expect(read).toBe(key)
    expect(selected).toBe(key)
  })
})
