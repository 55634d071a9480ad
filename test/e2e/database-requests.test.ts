import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * What a warm call costs in DynamoDB requests, counted at the local database
 * (issue 20): the authorizer's answer cached by API Gateway, the agent record in
 * the handler's cache. Counts, not times. Today a unary SendMessage writes its
 * rate-limit counter and its task's owner; a stream also takes and gives back its
 * stream slot; GetTask reads the task's owner and writes the rate-limit counter.
 */
describe('the DynamoDB requests of a warm call, through the local gateway', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let token: string

  const taskOf = (id: string) => ({
    id,
    contextId: 'c-1',
    status: { state: 'TASK_STATE_COMPLETED' },
  })

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url}/agents/counted${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    })
    const text = await response.text()
    expect(response.status, text).toBe(200)
    return text
  }

  const send = (kind: 'send' | 'stream') =>
    call('POST', `/message:${kind}`, {
      message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hi' }] },
    })

  /** The requests `act` caused, per operation, run right after a warm-up call of its own kind. */
  const requestsOf = async (act: () => Promise<unknown>) => {
    await act()
    const before = stack.databaseRequests()
    await act()
    const after = stack.databaseRequests()
    return Object.fromEntries(
      Object.entries(after)
        .map(([operation, count]) => [operation, count - (before[operation] ?? 0)] as const)
        .filter(([, count]) => count > 0),
    )
  }

  beforeAll(async () => {
    agent = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, _body, response) => {
        const task = taskOf(randomUUID())
        if (request.url?.endsWith('/message:stream')) {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.end(`data: ${JSON.stringify({ task })}\n\n`)
          return
        }
        const read = /\/tasks\/([^/]+)$/.exec(request.url ?? '')
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(read ? taskOf(read[1] as string) : { task }))
      },
    })
    stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 300 })
    await registerAgents(stack, [
      { agentId: 'counted', backendUrl: `${agent.url}/rest`, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['counted'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await stack?.stop()
    await agent?.stop()
  })

  it('a warm unary SendMessage costs two writes: its rate-limit counter and its task owner', async () => {
    // Prepare: the warm-up is inside requestsOf

    // Act
    const requests = await requestsOf(() => send('send'))

    // Assess
    expect(requests).toEqual({ UpdateItem: 2 })
  })

  it('a warm streaming SendMessage costs four writes: rate limit, task owner, stream slot taken and given back', async () => {
    // Prepare: the warm-up is inside requestsOf

    // Act
    const requests = await requestsOf(() => send('stream'))

    // Assess
    expect(requests).toEqual({ UpdateItem: 4 })
  })

  it("a warm GetTask costs one read of the task's owner and one rate-limit write", async () => {
    // Prepare
    const taskId = JSON.parse(await send('send')).task.id as string

    // Act
    const requests = await requestsOf(() => call('GET', `/tasks/${taskId}`))

    // Assess
    expect(requests).toEqual({ GetItem: 1, UpdateItem: 1 })
  })
})
