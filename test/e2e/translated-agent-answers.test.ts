import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * What an agent answers, translated to the caller's binding or version. An answer that is none
 * its binding defines: the caller is told the agent answered wrongly, never handed an empty
 * result the gateway made up, nor told the agent broke off a stream it never began. The agent's
 * own errors reach the caller as the agent gave them.
 */
describe('an agent’s answers translated for the caller', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let restAgent: Awaited<ReturnType<typeof startScriptedAgent>>
  let legacyAgent: Awaited<ReturnType<typeof startScriptedAgent>>
  let answer: {
    status: number
    type: string
    body: string
    location?: string
    headers?: Record<string, string>
  } = {
    status: 200,
    type: 'application/json',
    body: '',
  }
  const respond = (_request: IncomingMessage, _body: string, response: ServerResponse) => {
    response.writeHead(answer.status, {
      'content-type': answer.type,
      ...(answer.location ? { location: answer.location } : {}),
      ...answer.headers,
    })
    response.end(answer.body)
  }

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    agent = await startScriptedAgent({
      bindings: ['JSONRPC'],
      answer: respond,
    })
    restAgent = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: respond,
    })
    legacyAgent = await startScriptedAgent({
      bindings: ['JSONRPC'],
      protocolVersion: '0.3',
      answer: respond,
    })
    await registerAgents(stack, [
      {
        agentId: 'legacy',
        backendUrl: `${legacyAgent.url}/rpc`,
        agentCardUrl: legacyAgent.cardUrl,
      },
      { agentId: 'odd', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
      { agentId: 'odd-rest', backendUrl: `${restAgent.url}/rest`, agentCardUrl: restAgent.cardUrl },
    ])
    await grantToDemoClient(['odd', 'odd-rest', 'legacy'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent.stop()
    await restAgent.stop()
    await legacyAgent.stop()
    await stack.stop()
  })

  const send = (path: string) =>
    postA2A(`${stack.url}/agents/odd/${path}`, token, textMessageParams('hi'))

  /** A2A's InvalidAgentResponseError in HTTP+JSON (500, as A2A maps it), saying what was wrong. */
  const invalidAnswer = (message: string) => ({
    code: 500,
    status: 'INTERNAL',
    message,
    details: [expect.objectContaining({ reason: 'INVALID_AGENT_RESPONSE' })],
  })
  const expectInvalidAnswer = async (response: Response, message: string) => {
    const text = await response.text()
    expect(response.status, text).toBe(500)
    expect(JSON.parse(text).error).toMatchObject(invalidAnswer(message))
  }

  it.each([
    ['an object with neither result nor error', '{"oops":1}'],
    ['null', 'null'],
    ['an array', '[{"jsonrpc":"2.0","id":1,"result":{}}]'],
    ['a string', '"done"'],
  ])('answers a unary call with %s as the agent’s invalid answer', async (_, body) => {
    // Prepare
    answer = { status: 200, type: 'application/json', body }

    // Act and assess
    await expectInvalidAnswer(
      await send('message:send'),
      'The agent answered with something other than a JSON-RPC response.',
    )
  })

  it.each([
    ['a string', '"hello"'],
    ['a list', '[1,2]'],
    ['null', 'null'],
  ])(
    'answers a unary call whose JSON-RPC result is %s as the agent’s invalid answer',
    async (_, result) => {
      // Prepare
      answer = {
        status: 200,
        type: 'application/json',
        body: `{"jsonrpc":"2.0","id":1,"result":${result}}`,
      }

      // Act and assess
      await expectInvalidAnswer(
        await send('message:send'),
        'The agent answered with a result that is no JSON object.',
      )
    },
  )

  it('answers a unary call whose answer nests too deep to translate as the agent’s invalid answer, not the gateway’s 500', async () => {
    // Prepare: about 40 KB of lists 20,000 deep
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`
    answer = {
      status: 200,
      type: 'application/json',
      body: `{"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","metadata":{"x":${deep}}}}}`,
    }

    // Act and assess
    await expectInvalidAnswer(
      await send('message:send'),
      'The agent answered with JSON nested deeper than 128 levels.',
    )
  })

  it('answers a unary call with text that is no JSON as the agent’s invalid answer', async () => {
    // Prepare
    answer = { status: 200, type: 'application/json', body: 'OK' }

    // Act and assess
    await expectInvalidAnswer(
      await send('message:send'),
      'The agent answered with something other than JSON.',
    )
  })

  it('ends a stream whose event is no JSON-RPC response with an error saying so', async () => {
    // Prepare
    answer = { status: 200, type: 'text/event-stream', body: 'data: {"oops":1}\n\n' }

    // Act
    const response = await send('message:stream')

    // Assess: the stream had begun (200), so the fault is its one error event
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).not.toContain('data: {}')
    expect(text).toMatch(/^event: error\ndata: /)
    expect(JSON.parse(text.replace(/^event: error\ndata: /, '')).error).toMatchObject(
      invalidAnswer('The agent answered with something other than a JSON-RPC response.'),
    )
  })

  it('answers a stream call failed with an error status and an event-stream type as an error, read whole', async () => {
    // Prepare: a server that set its SSE headers before its handler failed
    answer = { status: 500, type: 'text/event-stream', body: 'Internal Server Error' }

    // Act
    const response = await send('message:stream')

    // Assess
    expect(response.headers.get('content-type')).not.toContain('text/event-stream')
    await expectInvalidAnswer(
      response,
      'The agent answered HTTP 500 with something other than JSON.',
    )
  })

  const rpc = (agentId: string, method: string) =>
    postA2A(`${stack.url}/agents/${agentId}`, token, jsonRpc(method, textMessageParams('hi'), 7))

  it.each([
    ['text that is no JSON', 'OK', 'The agent answered with something other than JSON.'],
    ['an array', '[]', 'The agent answered with something other than a JSON object.'],
  ])(
    'answers a JSON-RPC caller of an HTTP+JSON agent that answered %s with the agent’s invalid answer',
    async (_, body, message) => {
      // Prepare
      answer = { status: 200, type: 'application/json', body }

      // Act
      const response = await rpc('odd-rest', 'SendMessage')

      // Assess
      expect(await response.json()).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: expect.objectContaining({ code: -32006, message }),
      })
    },
  )

  it.each([
    [
      'one byte-order mark',
      '\uFEFF',
      { result: { message: expect.objectContaining({ messageId: 'r' }) } },
    ],
    [
      'two byte-order marks',
      '\uFEFF\uFEFF',
      { error: { code: -32006, message: 'The agent answered with something other than JSON.' } },
    ],
  ])(
    'reads an HTTP+JSON agent’s answer opened by %s for a JSON-RPC caller as the agent’s own client reads it',
    async (_, marks, expected) => {
      // Prepare: fetch's `json()` and Python's `json.loads` of bytes pass over one mark, not two
      const message = '{"message":{"messageId":"r","role":"ROLE_AGENT","parts":[{"text":"ok"}]}}'
      answer = { status: 200, type: 'application/json', body: `${marks}${message}` }

      // Act
      const response = await rpc('odd-rest', 'SendMessage')

      // Assess: until the 30th session two marks were read as one, a valid answer to the caller
      expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 7, ...expected })
    },
  )

  it('answers a JSON-RPC caller of an HTTP+JSON agent whose 4xx page is no JSON with its status, as the agent refusing the request', async () => {
    // Prepare: a proxy in front of the agent answered
    answer = { status: 404, type: 'text/html', body: '<h1>Not Found</h1>' }

    // Act
    const response = await rpc('odd-rest', 'SendMessage')

    // Assess: what went wrong, not a gateway failure; the agent's 4xx, as a same-version call relays
    // it (until the 30th session HTTP 200 and -32006, the agent's invalid answer and its failure)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: {
        code: -32600,
        message: 'The agent answered HTTP 404 with something other than JSON.',
      },
    })
  })

  it('hands a JSON-RPC caller of a JSON-RPC agent the agent’s error status and answer whole, not a broken-off stream', async () => {
    // Prepare
    answer = { status: 500, type: 'text/event-stream', body: 'Internal Server Error' }

    // Act
    const response = await rpc('odd', 'SendStreamingMessage')

    // Assess
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('Internal Server Error')
  })

  it('hands a 1.0 caller of a 0.3 agent the error the agent streamed, not a broken-off stream', async () => {
    // Prepare
    answer = {
      status: 200,
      type: 'text/event-stream',
      body: 'data: {"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"Task not found: t-9"}}\n\n',
    }

    // Act
    const response = await rpc('legacy', 'SendStreamingMessage')

    // Assess
    const text = await response.text()
    expect(text).toMatch(/^data: /)
    expect(JSON.parse(text.replace(/^data: /, ''))).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32001, message: 'Task not found: t-9' },
    })
  })

  it.each([
    ['nothing (a 204)', 204, ''],
    ['nothing (an empty 200)', 200, ''],
  ])(
    'answers a JSON-RPC caller of an HTTP+JSON agent that sent a message and got %s with the agent’s invalid answer',
    async (_, status, body) => {
      // Prepare
      answer = { status, type: 'application/json', body }

      // Act
      const response = await rpc('odd-rest', 'SendMessage')

      // Assess
      expect(await response.json()).toEqual({
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32006, message: 'The agent answered with nothing.' },
      })
    },
  )

  it.each([
    ['a JSON-RPC caller of a JSON-RPC agent', 'odd', 'JSONRPC'],
    ['a JSON-RPC caller of an HTTP+JSON agent', 'odd-rest', 'JSONRPC'],
    ['an HTTP+JSON caller of a JSON-RPC agent', 'odd', 'HTTP+JSON'],
  ] as const)(
    'answers %s that was redirected with the agent’s 502 saying so',
    async (_, agentId, binding) => {
      // Prepare
      answer = { status: 307, type: 'text/plain', body: '', location: 'http://elsewhere.test/rpc' }

      // Act
      const response =
        binding === 'JSONRPC' ? await rpc(agentId, 'SendMessage') : await send('message:send')

      // Assess
      const reason = `Agent '${agentId}' did not answer: it answered with a redirect (HTTP 307), which the gateway does not follow.`
      expect(response.status).toBe(502)
      const body = await response.json()
      expect(body.error.message).toBe(reason)
    },
  )

  const extendedCard = (agentId: string) =>
    fetch(`${stack.url}/agents/${agentId}/extendedAgentCard`, {
      headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' },
    })

  it.each([
    ['an HTML page', 'text/html', '<h1>Internal Server Error</h1>'],
    ['a JSON body that is no A2A error', 'application/json', '{"detail":"boom"}'],
  ])(
    'hands on an extended card call’s error status with %s as the agent gave it, never signed as a card',
    async (_, type, body) => {
      // Prepare
      answer = { status: 500, type, body }

      // Act
      const response = await extendedCard('odd-rest')

      // Assess
      expect(response.status).toBe(500)
      expect(await response.text()).toBe(body)
    },
  )

  it('answers an extended card that is no JSON with the agent’s 502 saying so', async () => {
    // Prepare
    answer = { status: 200, type: 'application/json', body: 'card' }

    // Act
    const response = await extendedCard('odd-rest')

    // Assess
    expect(response.status).toBe(502)
    expect((await response.json()).error.message).toBe(
      "Agent 'odd-rest' did not answer: its extended card answer is no card.",
    )
  })

  it('keeps the extensions the agent activated, and when to retry, on an answer translated to the caller’s binding', async () => {
    // Prepare
    answer = {
      status: 200,
      type: 'application/json',
      body: '{"jsonrpc":"2.0","id":1,"result":{"message":{"messageId":"a","role":"ROLE_AGENT","parts":[{"text":"ok"}]}}}',
      headers: { 'a2a-extensions': 'https://ext.example/v1', 'retry-after': '7' },
    }

    // Act
    const response = await send('message:send')

    // Assess
    expect(response.status).toBe(200)
    expect(response.headers.get('a2a-extensions')).toBe('https://ext.example/v1')
    expect(response.headers.get('retry-after')).toBe('7')
  })

  it('hands on an agent’s Retry-After with its 503', async () => {
    // Prepare
    answer = {
      status: 503,
      type: 'application/json',
      body: '{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"busy"}}',
      headers: { 'retry-after': '30' },
    }

    // Act
    const response = await rpc('odd', 'SendMessage')

    // Assess
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('30')
  })
})
