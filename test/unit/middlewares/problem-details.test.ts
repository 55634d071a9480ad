import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import {
  AgentCardUnreachableError,
  BackendCredentialsError,
  ChangeInProgressError,
  TokenExpiredError,
} from '../../../lib/errors.ts'
import { agentConfigSchema } from '../../../lib/registry/agent-config.ts'
import { problemDetails } from '../../../middlewares/problem-details.ts'
import { invoke } from '../../support/events.ts'

const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn() }
const failingWith = (error: unknown) =>
  middy()
    .use(problemDetails({ logger }))
    .handler(async () => {
      throw error
    })

describe('problemDetails middleware', () => {
  it('answers a backend credentials failure with 502 and the public message, not the secret it names', async () => {
    // Act
    const response = await invoke(
      failingWith(new BackendCredentialsError('secret arn:aws:secretsmanager:x could not be read')),
      {},
    )

    // Assess
    expect(response.statusCode).toBe(502)
    const problem = JSON.parse(response.body)
    expect(problem.type).toBe('https://switchboard.dev/problems/backend-credentials')
    expect(problem.detail).toBe('The gateway could not get credentials for this agent.')
  })

  it('answers a change that waited too long for another with 503, saying nothing changed, and when to retry', async () => {
    // Act
    const response = await invoke(
      failingWith(new ChangeInProgressError('the scopes and clients')),
      {},
    )

    // Assess
    expect(response.statusCode).toBe(503)
    expect(response.headers).toMatchObject({ 'retry-after': '2' })
    const problem = JSON.parse(response.body)
    expect(problem.type).toBe('https://switchboard.dev/problems/change-in-progress')
    expect(problem.detail).toContain('nothing was changed')
  })

  it('answers an AWS request that timed out on every attempt 503 with Retry-After, and logs the timeout as an error', async () => {
    // Prepare: what the SDK's Node handler throws once its attempts are spent.
    const timedOut = Object.assign(
      new Error('a request has exceeded the configured 2000 ms requestTimeout.'),
      { name: 'TimeoutError', code: 'ETIMEDOUT', $metadata: { attempts: 3, totalRetryDelay: 180 } },
    )
    logger.error.mockClear()

    // Act
    const response = await invoke(failingWith(timedOut), {})

    // Assess
    expect(response.statusCode).toBe(503)
    expect(response.headers).toMatchObject({ 'retry-after': '1' })
    const problem = JSON.parse(response.body)
    expect(problem).toMatchObject({
      type: 'https://switchboard.dev/problems/dependency-unavailable',
      title: 'Service unavailable',
      status: 503,
    })
    expect(problem.detail).toContain('retry in a moment')
    expect(problem.detail).not.toContain('requestTimeout')
    expect(logger.error).toHaveBeenCalledWith('request failed', { error: timedOut })
  })

  it('answers a condition that failed as before: a 500, not a service to wait for', async () => {
    // Prepare: a client fault of DynamoDB's (4xx) is no outage; a retry would fail the same.
    const refused = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    })

    // Act
    const response = await invoke(failingWith(refused), {})

    // Assess
    expect(response.statusCode).toBe(500)
    expect(response.headers).not.toHaveProperty('retry-after')
  })

  it('logs a change that met another as a warning, not an error: it is no fault to page on', async () => {
    // Prepare
    const error = new ChangeInProgressError('the scopes and clients')
    logger.error.mockClear()
    logger.warn.mockClear()

    // Act
    await invoke(failingWith(error), {})

    // Assess
    expect(logger.warn).toHaveBeenCalledWith('request failed', { error })
    expect(logger.error).not.toHaveBeenCalled()
  })

  it('answers an expired token 401 with a Bearer challenge naming the metadata and invalid_token', async () => {
    // Prepare
    const handler = middy()
      .use(problemDetails({ logger, gatewayUrl: () => 'https://gw.example.com/prod' }))
      .handler(async () => {
        throw new TokenExpiredError()
      })

    // Act
    const response = await invoke(handler, {})

    // Assess
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="https://gw.example.com/prod/.well-known/oauth-protected-resource", error="invalid_token", error_description="Your access token has expired; get a new token and retry."',
    )
  })

  it('answers a validation failure with 400 problem+json naming each field and rule', async () => {
    // Prepare
    const invalid = agentConfigSchema.safeParse({ agentId: 'Bad_ID', backendUrl: 'ftp://x' })

    // Act
    const response = await invoke(failingWith(invalid.error), {})

    // Assess
    expect(response.statusCode).toBe(400)
    expect(response.headers['content-type']).toBe('application/problem+json')
    const problem = JSON.parse(response.body)
    expect(problem.errors.map((entry: { field: string }) => entry.field)).toEqual([
      'agentId',
      'backendUrl',
      'agentCardUrl',
    ])
  })

  it('says which card could not be fetched and why', async () => {
    // Act
    const response = await invoke(
      failingWith(new AgentCardUnreachableError('http://127.0.0.1:9/card.json', 'ECONNREFUSED')),
      {},
    )

    // Assess
    expect(response.statusCode).toBe(422)
    expect(JSON.parse(response.body)).toMatchObject({
      type: 'https://switchboard.dev/problems/agent-card-unreachable',
      detail: 'The agent card at http://127.0.0.1:9/card.json could not be fetched: ECONNREFUSED.',
    })
  })

  it('names a card URL without the values of its query, where a key may be', async () => {
    // Act
    const response = await invoke(
      failingWith(
        new AgentCardUnreachableError('https://f.example/card.json?code=KEY-1', 'HTTP 401'),
      ),
      {},
    )

    // Assess
    expect(JSON.parse(response.body).detail).toBe(
      'The agent card at https://f.example/card.json?code=[redacted] could not be fetched: HTTP 401.',
    )
    const logged = [logger.info, logger.warn, logger.error].map((level) => level.mock.calls)
    expect(JSON.stringify(logged)).not.toContain('KEY-1')
    expect(
      JSON.stringify(new AgentCardUnreachableError('https://f.example/c?code=KEY-1', 'HTTP 401')),
    ).not.toContain('KEY-1')
  })

  it('reveals nothing of an unexpected error and logs it as an error', async () => {
    // Prepare
    const error = new Error('password=hunter2')
    logger.error.mockClear()

    // Act
    const response = await invoke(failingWith(error), {})

    // Assess
    expect(response.statusCode).toBe(500)
    expect(response.body).not.toContain('hunter2')
    expect(logger.error).toHaveBeenCalledWith('request failed', { error })
  })

  it('logs a 5xx that is a fault, such as an agent whose credentials cannot be had, as an error', async () => {
    // Prepare
    const error = new BackendCredentialsError('secret arn:aws:secretsmanager:x could not be read')
    logger.error.mockClear()
    logger.warn.mockClear()

    // Act
    await invoke(failingWith(error), {})

    // Assess
    expect(logger.error).toHaveBeenCalledWith('request failed', { error })
    expect(logger.warn).not.toHaveBeenCalled()
  })

  it('refuses to be built without a logger, naming the option', () => {
    // Act
    const build = () => problemDetails({ logger: { error: vi.fn() } as never })

    // Assess
    expect(build).toThrow('problemDetails: options.logger must have error() and warn() and info()')
  })
})
