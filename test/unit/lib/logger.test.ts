import { describe, expect, it } from 'vitest'
import { requestIdPath, valueAtPath } from '../../../lib/observability/logger.ts'

describe('the correlation id path', () => {
  it("reads API Gateway's request id from proxy and authorizer events, and nothing from others", () => {
    // Prepare
    const proxyEvent = { requestContext: { requestId: 'req-1', stage: 'prod' }, body: null }
    const authorizerEvent = { type: 'REQUEST', requestContext: { requestId: 'req-2' } }

    // Act
    const found = [proxyEvent, authorizerEvent, {}, { requestContext: null }, 'text'].map((event) =>
      valueAtPath(requestIdPath, event),
    )

    // Assess
    expect(found).toEqual(['req-1', 'req-2', undefined, undefined, undefined])
  })
})
