import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * A call the rate limit counted says so in its answer (IETF RateLimit headers), whatever the
 * answer: a success, or a refusal or failure that came after the count (README, Rate limits:
 * "Every answer carries the IETF `RateLimit-Policy` and `RateLimit` headers").
 */
describe('the RateLimit headers of every counted answer', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  const held: AbortController[] = []

  beforeAll(async () => {
    process.env.MAX_CONCURRENT_STREAMS = '1'
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, _body, response) => {
        if (request.url?.endsWith('message:stream')) {
          // A stream that stays open until the test lets go of it.
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.write(
            'data: {"task":{"id":"t-1","contextId":"c","status":{"state":"TASK_STATE_WORKING"}}}\n\n',
          )
          return
        }
        setTimeout(() => response.end('{}'), 2_000).unref()
      },
    })
    await registerAgents(stack, [
      {
        agentId: 'counted',
        backendUrl: `${agent.url}/rest`,
        agentCardUrl: agent.cardUrl,
        timeoutMs: 300,
      },
    ])
    await grantToDemoClient(['counted'], { requestsPerMinute: 1000 })
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    for (const stream of held) stream.abort()
    delete process.env.MAX_CONCURRENT_STREAMS
    await agent.stop()
    await stack.stop()
  })

  const call = (
    path: string,
    init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
  ) =>
    fetch(`${stack.url}${path}`, {
      method: init.method ?? 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    })
  const message = (text: string) => ({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })

  const expectCounted = (response: Response, policy: string) => {
    expect(response.headers.get('ratelimit-policy'), `status ${response.status}`).toContain(
      `"${policy}";q=`,
    )
    expect(response.headers.get('ratelimit')).toContain(`"${policy}";r=`)
  }

  it('on TaskNotFound for a task the caller does not hold', async () => {
    // Act
    const response = await call('/agents/counted/tasks/nobodys', { method: 'GET' })

    // Assess
    expect(response.status).toBe(404)
    expectCounted(response, 'per-caller-agent')
  })

  it('on the agent’s timeout (504)', async () => {
    // Act
    const response = await call('/agents/counted/message:send', { body: message('slow') })

    // Assess
    expect(response.status).toBe(504)
    expectCounted(response, 'per-caller-agent')
  })

  it('on a stream the concurrent-stream cap refuses', async () => {
    // Prepare: the one stream the cap allows, held open
    const first = new AbortController()
    held.push(first)
    const open = await call('/agents/counted/message:stream', {
      body: message('hold'),
      signal: first.signal,
    })
    expect(open.status).toBe(200)

    // Act
    const refused = await call('/agents/counted/message:stream', { body: message('more') })

    // Assess
    expect(refused.status).toBe(429)
    expect((await refused.json()).error.message).toContain('open stream')
    expectCounted(refused, 'per-caller-agent')
  })

  it('on /route’s refusal when no agent fits the message', async () => {
    // Act
    const response = await call('/route/message:send', {
      body: message('zqxv wplk jjjj qqqq'),
    })

    // Assess
    expect(response.status).toBe(422)
    expectCounted(response, 'per-caller-route')
  })
})
