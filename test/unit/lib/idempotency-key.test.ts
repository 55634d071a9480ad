import { search } from '@aws-lambda-powertools/jmespath'
import { describe, expect, it } from 'vitest'
import {
  adminIdempotencyKeyOf,
  adminIdempotencyKeyPath,
  adminPayloadFunctions,
  idempotencyKeyOf,
} from '../../../lib/http/idempotency-key.ts'

describe('the Idempotency-Key of an admin request', () => {
  const authorizer = { principal: 'ops-admin', clientId: 'ops-console', scopes: 'admin' }

  it.each([
    ['no header', {}, undefined],
    ['an empty header', { 'idempotency-key': '' }, undefined],
    ['a key', { 'idempotency-key': 'deploy-42' }, '["ops-admin","ops-console","deploy-42"]'],
  ])('is the same for the callers API and for Powertools with %s', (_name, headers, key) => {
    // Prepare
    const event = { headers, requestContext: { authorizer } }

    // Act
    const read = adminIdempotencyKeyOf(event)?.ofAdmin
    // Powertools skips idempotency for a selection of null or undefined, and hashes the JSON of
    // any other.
    const selected = search(adminIdempotencyKeyPath, event) ?? undefined

    // Assess
    expect(adminIdempotencyKeyOf(event)?.key).toBe(idempotencyKeyOf(headers))
    expect(read).toBe(key)
    expect(selected === undefined ? undefined : JSON.stringify(selected)).toBe(key)
  })

  it('is another key for another admin, by principal or by client', () => {
    // Prepare
    const headers = { 'idempotency-key': 'deploy-42' }
    const keyOf = (admin: Record<string, string>) =>
      adminIdempotencyKeyOf({
        headers,
        requestContext: { authorizer: { ...authorizer, ...admin } },
      })

    // Act
    const keys = [keyOf({}), keyOf({ principal: 'other-admin' }), keyOf({ clientId: 'other-app' })]

    // Assess
    expect(new Set(keys).size).toBe(3)
  })

  it('selects the path parameters of a payload as the route reads them, each decoded once', () => {
    // Prepare
    const read = (pathParameters: Record<string, string> | null) =>
      search(
        'decoded_path_parameters(pathParameters)',
        { pathParameters },
        {
          customFunctions: adminPayloadFunctions,
        },
      )

    // Act
    const selected = [
      read({ scope: 'weather%3Ainvoke' }),
      read({ scope: 'weather:invoke' }),
      read({ scope: 'weather%253Ainvoke' }),
      read(null),
    ]

    // Assess
    expect(selected).toEqual([
      { scope: 'weather:invoke' },
      { scope: 'weather:invoke' },
      { scope: 'weather%3Ainvoke' },
      null,
    ])
  })
})
