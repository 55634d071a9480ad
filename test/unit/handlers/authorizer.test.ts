import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { authorize } from '../../../lib/auth/authorize.ts'
import { KeySetUnavailableError } from '../../../lib/errors.ts'
import { startTokenIssuer } from '../../support/token-issuer.ts'

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

let handler: (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<unknown>
// The issuer's key set answers 404 (a wrong JWKS_URL, a deleted user pool).
const missingKeySet = createServer((_request, response) => response.writeHead(404).end())

beforeAll(async () => {
  await new Promise<void>((resolve) => missingKeySet.listen(0, '127.0.0.1', resolve))
  const { port } = missingKeySet.address() as AddressInfo
  vi.stubEnv('TOKEN_ISSUER', 'https://id.example.com')
  vi.stubEnv('JWKS_URL', `http://127.0.0.1:${port}/.well-known/jwks.json`)
  ;({ handler } = (await import('../../../handlers/authorizer.ts')) as never)
})
afterAll(() => new Promise((resolve) => missingKeySet.close(resolve)))

describe('the authorizer when its metrics cannot be recorded', () => {
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

describe('the authorizer when the issuer’s key set cannot be fetched', () => {
  it('throws, API Gateway’s 500, rather than answering 401, when the JWKS answers 404', async () => {
    // Prepare: the real decision, with a well-formed token it cannot check
    const { authorize: realAuthorize } = await vi.importActual<
      typeof import('../../../lib/auth/authorize.ts')
    >('../../../lib/auth/authorize.ts')
    decide.mockImplementationOnce(realAuthorize)
    const issuer = await startTokenIssuer()
    const token = await issuer.sign({ scope: 'switchboard/a:invoke' })
    await issuer.stop()

    // Act
    const error = await handler(
      { ...event, headers: { authorization: `Bearer ${token}` } },
      context,
    ).catch((caught: unknown) => caught)

    // Assess: no 'Unauthorized', which API Gateway answers 401 and counts as a denial
    expect(error).toBeInstanceOf(KeySetUnavailableError)
    expect((error as Error).message).toContain('/.well-known/jwks.json')
  })
})
