import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

describe('backend failures through the local gateway', () => {
  let stack: RunningStack
  let token: string
  let sleepy: Awaited<ReturnType<typeof startScriptedAgent>>
  let gone: Awaited<ReturnType<typeof startScriptedAgent>>

  beforeAll(async () => {
    process.env.MAX_REQUEST_BYTES = String(64 * 1024)
    stack = await startThrowawayStack()
    sleepy = await startScriptedAgent({
      answer: (_request, _body, response) => {
        setTimeout(() => response.end('{}'), 2_000).unref()
      },
    })
    gone = await startScriptedAgent({
      answer: (_request, _body, response) => {
        response.end('{}')
      },
    })
    await registerAgents(stack, [
      { agentId: 'sleepy', backendUrl: sleepy.url, agentCardUrl: sleepy.cardUrl, timeoutMs: 300 },
      { agentId: 'gone', backendUrl: gone.url, agentCardUrl: gone.cardUrl },
    ])
    await gone.stop()
    await grantToDemoClient(['sleepy', 'gone'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await sleepy.stop()
    await stack.stop()
  })

  const message = { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] }
  const call = (agentId: string, binding: 'JSONRPC' | 'HTTP+JSON', body?: unknown) =>
    fetch(`${stack.url}/agents/${agentId}${binding === 'JSONRPC' ? '' : '/message:send'}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify(
        body ??
          (binding === 'JSONRPC'
            ? { jsonrpc: '2.0', id: 3, method: 'SendMessage', params: { message } }
            : { message }),
      ),
    })

  it('answers 502 naming the agent when its backend is down, over JSON-RPC', async () => {
    // Act
    const response = await call('gone', 'JSONRPC')

    // Assess
    expect(response.status).toBe(502)
    const body = await response.json()
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: 3,
      error: {
        code: -32052,
        message: "Agent 'gone' did not answer: connection failed (ECONNREFUSED).",
      },
    })
    expect(JSON.stringify(body)).not.toContain(gone.url)
  })

  it('answers 502 in the A2A error shape over HTTP+JSON', async () => {
    // Act
    const response = await call('gone', 'HTTP+JSON')

    // Assess
    expect(response.status).toBe(502)
    expect((await response.json()).error).toMatchObject({ code: 502, status: 'UNAVAILABLE' })
  })

  it('answers 504 when the backend sleeps past the agent’s timeout, in both bindings', async () => {
    // Act
    const jsonRpc = await call('sleepy', 'JSONRPC')
    const rest = await call('sleepy', 'HTTP+JSON')

    // Assess
    expect([jsonRpc.status, rest.status]).toEqual([504, 504])
    expect((await jsonRpc.json()).error).toEqual({
      code: -32054,
      message: "Agent 'sleepy' did not answer within 300 ms.",
      data: [expect.objectContaining({ reason: 'BACKEND_TIMEOUT' })],
    })
    expect((await rest.json()).error).toMatchObject({ code: 504, status: 'DEADLINE_EXCEEDED' })
  })

  it('refuses a body over the configured limit with 413, before any backend hears of it', async () => {
    // Act
    const response = await call('calculator', 'HTTP+JSON', {
      message: { ...message, parts: [{ text: 'x'.repeat(70 * 1024) }] },
    })

    // Assess
    expect(response.status).toBe(413)
    expect((await response.json()).error.message).toBe(
      'The request body is larger than the 65536-byte limit.',
    )
  })
})
