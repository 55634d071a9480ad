import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

const task = { id: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_COMPLETED' } }

describe('the agent learns who is calling through the gateway', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let token: string
  const seen: { path: string | undefined; caller: string | string[] | undefined }[] = []

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    // HTTP+JSON only, so JSON-RPC calls reach it translated.
    agent = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, _body, response) => {
        seen.push({ path: request.url, caller: request.headers['x-switchboard-caller'] })
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify(
            request.url?.endsWith('message:send')
              ? { task: { ...task, artifacts: [{ artifactId: 'a', parts: [{ text: 'ok' }] }] } }
              : task,
          ),
        )
      },
    })
    await registerAgents(stack, [
      { agentId: 'audited', backendUrl: `${agent.url}/rest`, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['audited'])
    token = await stack.token('demo-client')
    // The gateway serves a task only to its creator: demo-client creates t-1.
    const created = await call({
      path: '/message:send',
      body: { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
    })
    expect((await created.json()).task.id).toBe('t-1')
  })

  afterAll(async () => {
    await agent.stop()
    await stack.stop()
  })

  const call = (init: { path?: string; method?: string; body?: unknown; caller?: string }) =>
    fetch(`${stack.url}/agents/audited${init.path ?? ''}`, {
      method: init.method ?? 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'a2a-version': '1.0',
        'content-type': 'application/json',
        ...(init.caller ? { 'x-switchboard-caller': init.caller } : {}),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    })

  it('names the verified caller on a call in the agent’s own binding', async () => {
    // Act
    const response = await call({ path: '/tasks/t-1', method: 'GET' })

    // Assess
    expect(response.status).toBe(200)
    expect(seen.at(-1)).toEqual({ path: '/rest/tasks/t-1', caller: 'demo-client' })
  })

  it('names it on a call translated from JSON-RPC and on a skill call', async () => {
    // Act
    const translated = await call({
      body: { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't-1' } },
    })
    const skill = await call({ body: { jsonrpc: '2.0', id: 2, method: 'echo', params: {} } })

    // Assess
    expect((await translated.json()).result).toMatchObject({ id: 't-1' })
    expect((await skill.json()).error).toBeUndefined()
    expect(seen.slice(-2)).toEqual([
      { path: '/rest/tasks/t-1', caller: 'demo-client' },
      { path: '/rest/message:send', caller: 'demo-client' },
    ])
  })

  it('never passes on a caller’s claim to be someone else', async () => {
    // Act
    const response = await call({ path: '/tasks/t-1', method: 'GET', caller: 'admin-client' })

    // Assess
    expect(response.status).toBe(200)
    expect(seen.at(-1)?.caller).toBe('demo-client')
  })
})
