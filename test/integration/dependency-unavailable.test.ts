import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { invoke, sampleEvent } from '../support/events.ts'
import { localHandlerEnv } from '../support/handler-env.ts'
import { startSilentService } from '../support/silent-service.ts'

/**
 * A handler as on AWS, wired from configuration alone, whose database has stopped answering:
 * the caller hears a 503 to retry shortly once the SDK's attempts are spent, each cut off at
 * AWS_REQUEST_TIMEOUT_MS, where it used to wait for as long as the function may run.
 */
describe('GET /agents while DynamoDB does not answer', () => {
  let silent: Awaited<ReturnType<typeof startSilentService>>
  let handler: (event: never, context: never) => Promise<unknown>
  const saved = { ...process.env }

  beforeAll(async () => {
    silent = await startSilentService()
    Object.assign(process.env, {
      ...localHandlerEnv(silent.url, 'silent-'),
      AWS_REQUEST_TIMEOUT_MS: '100',
      EMBEDDER: 'hashing',
      EMBEDDING_DIMENSION: '64',
      VECTOR_INDEX: 'local',
    })
    // The handler reads its configuration once, at import.
    vi.resetModules()
    handler = (await import('../../handlers/discovery.ts')).handler as never
  })
  afterAll(async () => {
    process.env = saved
    await silent?.stop()
  })

  it('answers 503 with Retry-After and a problem saying to retry, naming no AWS detail', async () => {
    // Prepare
    const event = sampleEvent('discovery-list-agents.json', (listing) => {
      listing.requestContext.requestId = crypto.randomUUID()
    })

    // Act
    const response = (await invoke(handler, event)) as {
      statusCode: number
      headers: Record<string, string>
      body: string
    }

    // Assess
    expect(response.statusCode).toBe(503)
    expect(response.headers['retry-after']).toBe('1')
    expect(JSON.parse(response.body)).toMatchObject({
      type: 'https://switchboard.dev/problems/dependency-unavailable',
      status: 503,
      detail: expect.stringContaining('retry in a moment'),
    })
    expect(response.body).not.toMatch(/requestTimeout|TimeoutError|DynamoDB/)
    expect(silent.requests()).toBeGreaterThan(0)
  })
})
