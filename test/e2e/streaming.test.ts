import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startThrowawayStack } from '../../local/stack.ts'
import { gatewayClient, textMessage, textMessageParams, textsOf } from '../support/a2a-client.ts'
import { startGatedAgent } from '../support/gated-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

describe('streaming through the gateway', () => {
  let stack: Awaited<ReturnType<typeof startThrowawayStack>>
  let backend: Awaited<ReturnType<typeof startGatedAgent>>
  /** An agent that answers only once released: a caller may leave before it has. */
  let slow: Awaited<ReturnType<typeof startGatedAgent>>
  let token: string

  beforeAll(async () => {
    process.env.MAX_CONCURRENT_STREAMS = '1'
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    backend = await startGatedAgent()
    slow = await startGatedAgent(2, { holdHeaders: true })
    await registerAgents(stack, [
      { agentId: 'gated', backendUrl: backend.url, agentCardUrl: backend.cardUrl },
      { agentId: 'slow', backendUrl: slow.url, agentCardUrl: slow.cardUrl },
    ])
    await grantToDemoClient(['gated', 'slow'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await slow.stop()
    await backend.stop()
    await stack.stop()
  })

  /** A SendStreamingMessage over HTTP+JSON, as raw HTTP: the test reads (or leaves) it itself. */
  const streamFrom = (agentId: string, signal?: AbortSignal) =>
    fetch(`${stack.url}/agents/${agentId}/message:stream`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'a2a-version': '1.0',
        'content-type': 'application/json',
      },
      body: JSON.stringify(textMessageParams('go')),
      ...(signal ? { signal } : {}),
    })

  it('delivers each event while the agent is still holding back the next', async () => {
    // Prepare
    const client = await gatewayClient(`${stack.url}/agents/gated/`, token, 'HTTP+JSON')

    // Act
    const received: string[] = []
    for await (const event of client.sendMessageStream(textMessage('go'))) {
      received.push(...textsOf(event))
      backend.release()
    }

    // Assess
    expect(received).toEqual(['step 0', 'step 1', 'step 2'])
  })

  it('passes A2A headers to the agent but never the caller’s credentials', async () => {
    // Act
    const response = await fetch(`${stack.url}/agents/gated/message:stream`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        cookie: 'session=secret',
        'a2a-version': '1.0',
        'a2a-extensions': 'https://example.com/ext/v1',
        'content-type': 'application/json',
      },
      body: JSON.stringify(textMessageParams('go')),
    })
    const reader = response.body?.getReader()
    await reader?.read()
    backend.release()
    backend.release()
    while (!(await reader?.read())?.done) backend.release()

    // Assess
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(backend.headers()).toMatchObject({
      'a2a-version': '1.0',
      'a2a-extensions': 'https://example.com/ext/v1',
    })
    expect(backend.headers()).not.toHaveProperty('authorization')
    expect(backend.headers()).not.toHaveProperty('cookie')
  })

  it('stops the agent’s stream when the caller goes away', async () => {
    // Prepare
    const controller = new AbortController()
    const response = await streamFrom('gated', controller.signal)
    await response.body?.getReader().read()

    // Act
    controller.abort()
    const deadline = Date.now() + 5_000
    while (!backend.aborted() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    // Assess
    expect(backend.aborted()).toBe(true)
  })

  it('stops the agent’s stream and frees its slot when the caller leaves before the agent has answered', async () => {
    // Prepare
    const controller = new AbortController()
    const open = (signal?: AbortSignal) => streamFrom('slow', signal)
    const left = open(controller.signal).catch(() => undefined)
    await new Promise((resolve) => setTimeout(resolve, 300))

    // Act: the caller leaves; then the agent answers.
    controller.abort()
    await left
    await new Promise((resolve) => setTimeout(resolve, 100))
    slow.release()
    const deadline = Date.now() + 5_000
    while (!slow.aborted() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
    // The agent moves on one release at a time, whichever request waits: released until answered.
    let answered = false
    const releasing = setInterval(() => !answered && slow.release(), 50)
    const answer = await open()
    await answer.text()
    answered = true
    clearInterval(releasing)

    // Assess: the agent's request was ended, and the cap of one let the next stream in.
    expect(slow.aborted()).toBe(true)
    expect(answer.status).toBe(200)
  })

  it('refuses a second open stream past the cap with 429, and allows one once the first ends', async () => {
    // Prepare
    const open = () => streamFrom('gated')
    const first = await open()
    const reader = first.body?.getReader()
    await reader?.read()

    // Act
    const second = await open()
    backend.release()
    backend.release()
    while (!(await reader?.read())?.done) backend.release()
    await new Promise((resolve) => setTimeout(resolve, 100))
    const third = await open()
    await third.body?.cancel()

    // Assess
    expect(second.status).toBe(429)
    expect((await second.json()).error.message).toBe(
      'You already hold 1 open stream to this agent; close it first.',
    )
    expect(third.status).toBe(200)
  })
})
