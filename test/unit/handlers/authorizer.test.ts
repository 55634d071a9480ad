import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { authorize } from '../../../lib/auth/authorize.ts'

// The seams: the authorizer's decision, and Powertools Metrics' loading, which fails here.
const decide = vi.fn<typeof authorize>()
vi.mock('../../../lib/auth/authorize.ts', () => ({ authorize: decide }))
vi.mock('../../../lib/observability/metrics-sink-for.ts', () => {
  throw new Error('metrics could not load')
})

const event = {
  type: 'REQUEST',
  methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/POST/agents/weather',
  headers: { authorization: 'Bearer not-a-token' },
} as unknown as APIGatewayRequestAuthorizerEvent
const context = {
  awsRequestId: 'request-1',
  functionName: 'switchboard-authorizer',
  getRemainingTimeInMillis: () => 3_000,
} as unknown as Context

describe('the authorizer when its metrics cannot be recorded', () => {
  let handler: (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<unknown>

  beforeAll(async () => {
    vi.stubEnv('TOKEN_ISSUER', 'https://id.example.com')
    ;({ handler } = (await import('../../../handlers/authorizer.ts')) as never)
  })

  it('still answers a refused token with Unauthorized (API Gateway’s 401)', async () => {
    // Prepare
    decide.mockResolvedValueOnce({ allowed: false, reason: 'expired' } as never)

    // Act
    const error = await handler(event, context).catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('Unauthorized')
  })

  it('still throws the error that failed the call, not the metrics’ own', async () => {
    // Prepare
    const failure = new Error('permission store unavailable')
    decide.mockRejectedValueOnce(failure)

    // Act
    const error = await handler(event, context).catch((caught: unknown) => caught)

    // Assess
    expect(error).toBe(failure)
  })
})
