import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningAgent } from '../../agents/serve.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'

describe('per-operation grants through the local gateway', () => {
  let stack: RunningStack
  let calculator: RunningAgent
  let readOnly: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    calculator = stack.agents.find((agent) => agent.agentId === 'calculator') as RunningAgent
    // auditor-client holds tasks:read = GetTask and ListTasks on the weather agent and the calculator.
    readOnly = await stack.token('auditor-client')
  })
  afterAll(() => stack.stop())

  const message = { messageId: 'm', role: 'ROLE_USER', parts: [{ text: '1+1' }] }
  const call = (path: string, init: { method: string; body?: unknown; a2aVersion?: string }) =>
    fetch(`${stack.url}${path}`, {
      method: init.method,
      headers: {
        authorization: `Bearer ${readOnly}`,
        'content-type': 'application/json',
        'a2a-version': init.a2aVersion ?? '1.0',
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })

  it('refuses SendMessage over JSON-RPC with a 403 JSON-RPC error naming the operation', async () => {
    // Prepare
    const before = calculator.requestCount()

    // Act
    const response = await call('/agents/calculator', {
      method: 'POST',
      body: { jsonrpc: '2.0', id: 7, method: 'SendMessage', params: { message } },
    })

    // Assess
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({
      id: 7,
      error: { message: "Your grant for agent 'calculator' does not include SendMessage." },
    })
    expect(calculator.requestCount()).toBe(before)
  })

  it('refuses SendMessage over HTTP+JSON with a 403 in the A2A error shape', async () => {
    // Prepare
    const before = calculator.requestCount()

    // Act
    const response = await call('/agents/calculator/message:send', {
      method: 'POST',
      body: { message },
    })

    // Assess
    expect(response.status).toBe(403)
    expect((await response.json()).error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' })
    expect(calculator.requestCount()).toBe(before)
  })

  it('refuses the 0.3 spelling of SendMessage just the same', async () => {
    // Act
    const response = await call('/agents/calculator', {
      method: 'POST',
      body: { jsonrpc: '2.0', id: 8, method: 'message/send', params: { message } },
      a2aVersion: '0.3',
    })

    // Assess
    expect(response.status).toBe(403)
  })

  it('lets GetTask through on both bindings: the agent answers, not the gateway', async () => {
    // Prepare
    const before = calculator.requestCount()

    // Act
    const rest = await call('/agents/calculator/tasks/no-such-task', { method: 'GET' })
    const jsonRpc = await call('/agents/calculator', {
      method: 'POST',
      body: { jsonrpc: '2.0', id: 9, method: 'GetTask', params: { id: 'no-such-task' } },
    })

    // Assess
    expect(rest.status).toBe(404)
    expect(JSON.stringify(await rest.json())).toContain('TASK_NOT_FOUND')
    expect((await jsonRpc.json()).error.code).toBe(-32001)
    expect(calculator.requestCount()).toBe(before + 2)
  })
})
