import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'

describe('GET /health and GET /health/ready, for load balancers and uptime checks', () => {
  let stack: RunningStack
  let token: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    token = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  it('answers /health with 200 without a token', async () => {
    // Act
    const response = await fetch(`${stack.url}/health`)

    // Assess
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('answers /health/ready with 200 without a token while the database answers', async () => {
    // Act
    const response = await fetch(`${stack.url}/health/ready`)

    // Assess
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      status: 'ready',
      dependencies: { database: 'ok' },
    })
    // A cache in front (a CDN keeps an answer without Cache-Control for its default TTL) must
    // never answer a probe with an earlier state.
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it.each([
    '/health',
    '/health/ready',
    '/openapi.json',
    '/.well-known/agent-card-jwks.json',
    '/.well-known/oauth-protected-resource',
  ])(
    'answers HEAD %s without a token as its GET, headers and all, without the body (uptime monitors and `curl -I` probe with HEAD)',
    async (path) => {
      // Act
      const get = await fetch(`${stack.url}${path}`)
      const getBody = await get.text()
      const head = await fetch(`${stack.url}${path}`, { method: 'HEAD' })

      // Assess
      expect(head.status).toBe(200)
      expect(head.status).toBe(get.status)
      for (const name of ['content-type', 'content-length', 'cache-control']) {
        expect(head.headers.get(name), name).toBe(get.headers.get(name))
      }
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(getBody)))
      expect(await head.text()).toBe('')
    },
  )

  it('is never rate-limited: more readiness checks than a minute of calls allows all answer 200', async () => {
    // Act: RATE_LIMIT_PER_MINUTE is 60 by default.
    const statuses = new Set<number>()
    for (let i = 0; i < 65; i++) {
      const response = await fetch(`${stack.url}/health/ready`)
      await response.arrayBuffer()
      statuses.add(response.status)
    }

    // Assess
    expect([...statuses]).toEqual([200])
  })

  it('answers /health/ready with a 503 problem naming the database once it is stopped, /health still 200', async () => {
    // Prepare
    await stack.stopDatabase()

    // Act
    const ready = await fetch(`${stack.url}/health/ready`)
    const live = await fetch(`${stack.url}/health`)

    // Assess
    expect(ready.status).toBe(503)
    expect(ready.headers.get('content-type')).toBe('application/problem+json')
    expect(ready.headers.get('cache-control')).toBe('no-store')
    const problem = await ready.json()
    expect(problem).toMatchObject({
      status: 503,
      title: 'Not ready',
      failed: ['database'],
      dependencies: { database: 'failed' },
    })
    expect(problem.detail).toMatch(/^Not ready: database did not answer/)
    expect(live.status).toBe(200)
  })

  it('counts an authorizer that could not check a token while the database is down as an authorizer error', async () => {
    // Act: the database was stopped by the test before; the token itself is good.
    const call = await postA2A(
      `${stack.url}/agents/calculator`,
      token,
      jsonRpc('SendMessage', textMessageParams('1+1')),
    )
    await call.arrayBuffer()
    const metrics = await (await fetch(`${stack.url}/metrics`)).text()

    // Assess: API Gateway's 500, never a 401 that looks like bad credentials.
    expect(call.status).toBe(500)
    expect(metrics).toMatch(/^switchboard_authorizer_errors_total [1-9]/m)
  })
})
