import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

describe('A2A 1.0 requests checked at the gateway, the agent untouched', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  const received: { method: string; url: string; body: string }[] = []

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    // An agent that takes anything: whatever reaches it gets an empty task list.
    const noTasks = { tasks: [], nextPageToken: '', pageSize: 10, totalSize: 0 }
    agent = await startScriptedAgent({
      answer: (request, body, response) => {
        received.push({ method: request.method ?? '', url: request.url ?? '', body })
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify(
            request.url === '/rpc'
              ? { jsonrpc: '2.0', id: JSON.parse(body).id ?? null, result: noTasks }
              : noTasks,
          ),
        )
      },
    })
    await registerAgents(stack, [
      { agentId: 'lenient', backendUrl: agent.url, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['lenient'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent.stop()
    await stack.stop()
  })

  const get = (path: string) =>
    fetch(`${stack.url}/agents/lenient${path}`, {
      headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' },
      signal: AbortSignal.timeout(10_000),
    })

  it.each([
    [
      'a negative historyLength',
      jsonRpc('GetTask', { id: 't-1', historyLength: -1 }, 'r-1'),
      'r-1',
      -32602,
      'params.historyLength must be a non-negative integer, got -1',
    ],
    [
      'a timestamp that is not RFC 3339',
      jsonRpc('ListTasks', { statusTimestampAfter: '-1' }, 'r-2'),
      'r-2',
      -32602,
      'params.statusTimestampAfter must be an RFC 3339 timestamp such as 2023-10-27T10:00:00Z, got "-1"',
    ],
    [
      'a message without parts, messageId or role',
      jsonRpc('SendMessage', { message: { kind: 'message' } }, 'r-3'),
      'r-3',
      -32602,
      'params.message.messageId is required; params.message.role is required; params.message.parts is required',
    ],
    [
      'an object as the id',
      jsonRpc('SendMessage', textMessageParams('hi'), { bad: 'type' } as never),
      null,
      -32600,
      'The JSON-RPC id must be a string, a number or null.',
    ],
  ])('answers JSON-RPC %s itself', async (_what, body, id, code, message) => {
    // Prepare
    const before = received.length

    // Act
    const response = await postA2A(`${stack.url}/agents/lenient`, token, body)

    // Assess
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id, error: { code, message } })
    expect(received.length).toBe(before)
  })

  it.each([
    [
      'GET /tasks?pageSize=abc',
      () => get('/tasks?pageSize=abc'),
      'pageSize must be an integer from 1 to 100, got "abc"',
    ],
    [
      'GET /tasks/t-1?historyLength=-1',
      () => get('/tasks/t-1?historyLength=-1'),
      'historyLength must be a non-negative integer, got "-1"',
    ],
    [
      'a message whose part is of no A2A 1.0 kind',
      () =>
        postA2A(`${stack.url}/agents/lenient/message:send`, token, {
          message: {
            messageId: 'm-1',
            role: 'ROLE_USER',
            parts: [{ kind: 'file', file: { uri: 'https://x' } }],
          },
        }),
      'message.parts[0] must carry exactly one of text, raw, url or data, got an object with kind, file',
    ],
  ])('answers HTTP+JSON %s with 400 itself', async (_what, send, message) => {
    // Prepare
    const before = received.length

    // Act
    const response = await send()

    // Assess
    expect(response.status).toBe(400)
    expect((await response.json()).error).toMatchObject({ status: 'INVALID_ARGUMENT', message })
    expect(received.length).toBe(before)
  })

  it.each([
    ['refused as it was read (params invalid)', 'GetTask', '{"id":"t-1","historyLength":-1}'],
    ['refused as no task of the caller’s (taskOwnership)', 'GetTask', '{"id":"t-1"}'],
    ['naming no skill of the agent (a thrown error)', 'no_such_skill', '{}'],
  ])(
    'answers a call %s under its id as the client wrote it, an integer past 2^53',
    async (_what, method, params) => {
      // Prepare: a client holding 64-bit ids (Go's, Java's) matches the answer by its id
      const body = `{"jsonrpc":"2.0","id":12345678901234567890,"method":"${method}","params":${params}}`
      const before = received.length

      // Act
      const response = await fetch(`${stack.url}/agents/lenient`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
        },
        body,
      })

      // Assess: `12345678901234567000` until the 29th session
      expect(await response.text()).toMatch(/^\{"jsonrpc":"2\.0","id":12345678901234567890,"error"/)
      expect(received.length).toBe(before)
    },
  )

  it('forwards a valid JSON-RPC call byte for byte', async () => {
    // Prepare
    const body = `{"jsonrpc":"2.0","id":3,"method":"ListTasks","params":{ "pageSize" : 10, "status":"TASK_STATE_WORKING"}}`

    // Act
    const response = await fetch(`${stack.url}/agents/lenient`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    })

    // Assess
    expect(await response.json()).toMatchObject({ id: 3, result: { tasks: [] } })
    expect(received.at(-1)).toEqual({ method: 'POST', url: '/rpc', body })
  })

  it('forwards a valid HTTP+JSON read with its query as it came', async () => {
    // Act
    const response = await get('/tasks?pageSize=10&includeArtifacts=true&trace=on')

    // Assess
    expect(response.status).toBe(200)
    expect(received.at(-1)).toMatchObject({
      method: 'GET',
      url: '/rest/tasks?pageSize=10&includeArtifacts=true&trace=on',
    })
  })
})
