import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { authorize } from '../../../lib/auth/authorize.ts'
import { captureOutput } from '../../support/captured-output.ts'

// The seam: the authorizer's decision (a refusal, as for any bad token).
const decide = vi.fn<typeof authorize>()
vi.mock('../../../lib/auth/authorize.ts', () => ({ authorize: decide }))

const bearer = 'eyJhbGciOiJSUzI1NiJ9.a-callers-access-token.signature'
const event = {
  type: 'REQUEST',
  methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/POST/agents/weather',
  headers: { authorization: `Bearer ${bearer}` },
  requestContext: { requestId: 'req-1' },
} as unknown as APIGatewayRequestAuthorizerEvent
const context = {
  awsRequestId: 'request-1',
  functionName: 'switchboard-authorizer',
  getRemainingTimeInMillis: () => 3_000,
} as unknown as Context

describe('the authorizer’s log under Powertools’ own logging settings', () => {
  let handler: (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<unknown>
  let written: string[] = []

  beforeAll(async () => {
    // What an operator sets on the function to see why calls are refused: INFO lines, and
    // Powertools' POWERTOOLS_LOGGER_LOG_EVENT.
    vi.stubEnv('TOKEN_ISSUER', 'https://id.example.com')
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO')
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true')
    written = captureOutput()
    ;({ handler } = (await import('../../../handlers/authorizer.ts')) as never)
  })
  afterAll(() => {
    vi.restoreAllMocks()
    vi.unstubAllEnvs()
  })

  it('never writes the caller’s bearer token to the log, whatever POWERTOOLS_LOGGER_LOG_EVENT says', async () => {
    // Prepare
    decide.mockResolvedValueOnce({ allowed: false, reason: 'ERR_JWT_EXPIRED' } as never)

    // Act
    await handler(event, context).catch(() => undefined)

    // Assess: the refusal is logged (INFO), the token it refused is not.
    const output = written.join('')
    expect(output).toContain('"message":"token rejected"')
    expect(output).not.toContain(bearer)
  })

  it('names the route a refused token asked for, not its path: a path is the caller’s to make as long as it likes', async () => {
    // Prepare: anyone can send any path with any token; the authorizer runs before the route's
    // handler could refuse the id
    const path = `/agents/${'a'.repeat(7_000)}/message:send`
    decide.mockResolvedValueOnce({ allowed: false, reason: 'ERR_JWS_INVALID' } as never)
    written.length = 0

    // Act
    await handler(
      {
        ...event,
        methodArn: `arn:aws:execute-api:eu-west-1:123456789012:api/prod/POST${path}`,
        resource: '/agents/{agentId}/{proxy+}',
        path,
        httpMethod: 'POST',
      },
      context,
    ).catch(() => undefined)

    // Assess: the access line's fields, a line of its usual size
    const line = JSON.parse(written.join('').trim().split('\n').at(-1) as string)
    expect(line).toMatchObject({
      message: 'token rejected',
      reason: 'ERR_JWS_INVALID',
      method: 'POST',
      route: '/agents/{agentId}/{proxy+}',
    })
    expect(JSON.stringify(line)).not.toContain('a'.repeat(100))
  })
})
