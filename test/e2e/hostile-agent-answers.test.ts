import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * What an agent run by another team (or whoever controls it later) can do to its callers through
 * the HTTP of its answers: a red team played such an agent. Its answer's body is its own; what
 * the gateway hands on around it must not let it reach further.
 */
describe('an agent’s answer’s HTTP as its callers get it', () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let rpcOnly: Awaited<ReturnType<typeof startScriptedAgent>>
  let answer: (request: IncomingMessage, body: string, response: ServerResponse) => void = (
    _request,
    _body,
    response,
  ) => response.end()
  const respond = (request: IncomingMessage, body: string, response: ServerResponse) =>
    answer(request, body, response)

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({ answer: respond })
    rpcOnly = await startScriptedAgent({ bindings: ['JSONRPC'], answer: respond })
    await registerAgents(stack, [
      { agentId: 'shady', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
      { agentId: 'shady-rpc', backendUrl: `${rpcOnly.url}/rpc`, agentCardUrl: rpcOnly.cardUrl },
    ])
    await grantToDemoClient(['shady', 'shady-rpc'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent.stop()
    await rpcOnly.stop()
    await stack.stop()
  })

  /** A 1.0 answer in the binding the agent was called over, with the agent's headers. */
  const answerWith = (headers: Record<string, string>, status = 200) => {
    answer = (request, _body, response) => {
      const result = {
        task: { id: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } },
      }
      response.writeHead(status, { 'content-type': 'application/json', ...headers })
      response.end(
        JSON.stringify(request.url === '/rpc' ? { jsonrpc: '2.0', id: 1, result } : result),
      )
    }
  }
  const streamWith = (headers: Record<string, string>) => {
    answer = (_request, _body, response) => {
      const result = {
        task: { id: 't-2', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } },
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', ...headers })
      response.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result })}\n\n`)
    }
  }
  const sendJsonRpc = (agentId: string, method = 'SendMessage') =>
    postA2A(`${stack.url}/agents/${agentId}`, token, jsonRpc(method, textMessageParams('hi')))
  const sendJsonRpcWith = (agentId: string, method: string, params: unknown) =>
    postA2A(`${stack.url}/agents/${agentId}`, token, jsonRpc(method, params))
  const sendRest = (agentId: string) =>
    postA2A(`${stack.url}/agents/${agentId}/message:send`, token, textMessageParams('hi'))

  /** Headers an agent may send to have a shared cache keep, or a browser sniff, one caller's answer. */
  const leaky = {
    'cache-control': 'public, max-age=86400, s-maxage=86400',
    'content-type': 'text/html; charset=utf-8',
  }

  it.each([
    ['over JSON-RPC', () => sendJsonRpc('shady')],
    ['over HTTP+JSON', () => sendRest('shady')],
    ['translated for an HTTP+JSON caller', () => sendRest('shady-rpc')],
  ])(
    'hands a caller its answer as no-store and nosniff, whatever caching the agent asked for (%s)',
    async (_how, send) => {
      // Prepare
      answerWith(leaky)

      // Act
      const response = await send()

      // Assess: the answer arrives, but no shared cache may keep it for another caller.
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      await response.body?.cancel()
    },
  )

  it.each([
    ['over JSON-RPC', () => sendJsonRpc('shady')],
    ['over HTTP+JSON', () => sendRest('shady')],
    ['as a stream', () => sendJsonRpc('shady', 'SendStreamingMessage')],
  ])(
    'names an answer in another charset UTF-8, as the gateway read it, so no client decodes it otherwise (%s)',
    async (how, send) => {
      // Prepare: in Shift_JIS a lead byte takes the backslash after it, so a client decoding so
      // reads a string the gateway read as escaped as closed
      const streamed = how === 'as a stream'
      ;(streamed ? streamWith : answerWith)({
        'content-type': `${streamed ? 'text/event-stream' : 'application/json'}; charset=Shift_JIS`,
      })

      // Act
      const response = await send()

      // Assess
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(
        `${streamed ? 'text/event-stream' : 'application/json'}; charset=utf-8`,
      )
      await response.body?.cancel()
    },
  )

  it('hands a caller an event stream as no-store too', async () => {
    // Prepare
    streamWith({ 'cache-control': 'public, max-age=86400' })

    // Act
    const response = await sendJsonRpc('shady', 'SendStreamingMessage')

    // Assess
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await response.text()).toContain('"t-2"')
  })

  it.each([
    ['invalid params', () => sendJsonRpcWith('shady', 'GetTask', {})],
    [
      'an invalid HTTP+JSON body',
      () => postA2A(`${stack.url}/agents/shady/message:send`, token, []),
    ],
    ['a task the caller does not own', () => sendJsonRpcWith('shady', 'GetTask', { id: 'nobody' })],
    [
      'a skill call to the router',
      () => postA2A(`${stack.url}/route`, token, jsonRpc('get_weather', {})),
    ],
  ])(
    'refuses a call before it reaches the agent as no-store and nosniff too (%s)',
    async (_what, send) => {
      // Act: answered by a middleware before the handler, which Middy's `after` never sees.
      const response = await send()

      // Assess
      expect(await response.json()).toHaveProperty('error')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    },
  )

  it.each([['/agents/shady'], ['/route']])(
    'serves the card of %s for its caller alone, a minute, and nosniff',
    async (path) => {
      // Act
      const response = await fetch(`${stack.url}${path}/.well-known/agent-card.json`, {
        headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' },
      })

      // Assess: a card may sit in the caller's own cache; no shared cache keeps it.
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('private, max-age=60')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      await response.body?.cancel()
    },
  )

  it.each([
    [101, 'JSONRPC'],
    [999, 'JSONRPC'],
    [999, 'HTTP+JSON'],
  ] as const)(
    'answers an agent’s HTTP status %i, which is no final HTTP status, as the agent failing (%s)',
    async (status, binding) => {
      // Prepare
      answerWith({}, status)

      // Act
      const response = binding === 'JSONRPC' ? await sendJsonRpc('shady') : await sendRest('shady')

      // Assess: a 502 the caller's client can read, not a status that breaks it.
      expect(response.status).toBe(502)
      const body = await response.json()
      const message = binding === 'JSONRPC' ? body.error.message : body.error.message
      expect(message).toBe(
        `Agent 'shady' did not answer: it answered with HTTP status ${status}, which is no final answer.`,
      )
    },
  )

  /** The agent refuses what it was sent, as an agent behind its own auth does, challenging for a token. */
  const refuseWith = (status: 401 | 403 | 407) => {
    answer = (_request, _body, response) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'www-authenticate': 'Bearer realm="shady", error="invalid_token"',
      })
      response.end('{"error":"invalid_token"}')
    }
  }
  const streamJsonRpc = () =>
    postA2A(
      `${stack.url}/agents/shady`,
      token,
      jsonRpc('SendStreamingMessage', textMessageParams('hi')),
    )
  const streamRest = () =>
    postA2A(`${stack.url}/agents/shady/message:stream`, token, textMessageParams('hi'))

  it.each([
    [401, 'over JSON-RPC', 'shady', () => sendJsonRpc('shady')],
    [401, 'over HTTP+JSON', 'shady', () => sendRest('shady')],
    [401, 'translated for an HTTP+JSON caller', 'shady-rpc', () => sendRest('shady-rpc')],
    [401, 'a JSON-RPC stream, before any event', 'shady', streamJsonRpc],
    [401, 'an HTTP+JSON stream, before any event', 'shady', streamRest],
    [403, 'over JSON-RPC', 'shady', () => sendJsonRpc('shady')],
    [403, 'over HTTP+JSON', 'shady', () => sendRest('shady')],
    // A proxy before the agent asking the gateway for its credentials: relayed, fetch (undici, a
    // browser's) makes a 407 a network error, so the caller read nothing, and no failure counted.
    [407, 'over JSON-RPC', 'shady', () => sendJsonRpc('shady')],
    [407, 'translated for an HTTP+JSON caller', 'shady-rpc', () => sendRest('shady-rpc')],
  ] as const)(
    'answers an agent’s own HTTP %i as the agent refusing the gateway, never as the caller refused (%s)',
    async (status, _how, agentId, send) => {
      // Prepare: the caller's token never reaches an agent, so its refusal is of the gateway's
      // credentials (or of none): a caller's client taking it for its own would fetch a token for
      // nothing, or ask for a grant it has.
      refuseWith(status)

      // Act
      const response = await send()

      // Assess: the agent failing, in the caller's binding, with nobody's challenge.
      expect(response.status).toBe(502)
      expect(response.headers.get('www-authenticate')).toBeNull()
      expect(response.headers.get('x-amzn-remapped-www-authenticate')).toBeNull()
      const body = await response.json()
      expect(body.error.message).toBe(
        `Agent '${agentId}' did not answer: it refused the gateway's credentials for it (HTTP ${status}): callers' own tokens never reach an agent, so only the gateway's operator can mend this.`,
      )
    },
  )

  it.each([
    [
      'a JSON-RPC error in a 200, code 403 among them',
      () => sendJsonRpc('shady'),
      200,
      { jsonrpc: '2.0', id: 1, error: { code: 403, message: 'Not for this caller' } },
    ],
    [
      'an HTTP+JSON 403 refusing this caller (A2A §3.3.2)',
      () => sendRest('shady'),
      403,
      {
        error: {
          code: 403,
          status: 'PERMISSION_DENIED',
          message: 'Task t-9 belongs to another caller',
        },
      },
    ],
    [
      'a JSON-RPC error sent with HTTP 403',
      () => sendJsonRpc('shady'),
      403,
      { jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'Not for this caller' } },
    ],
    [
      'an HTTP+JSON 404 naming a task',
      () => sendRest('shady'),
      404,
      { error: { code: 404, status: 'NOT_FOUND', message: 'Task t-9 not found' } },
    ],
  ] as const)(
    'hands on the agent’s own A2A errors unchanged (%s)',
    async (_what, send, status, body) => {
      // Prepare
      answer = (_request, _body, response) => {
        response.writeHead(status, { 'content-type': 'application/json' })
        response.end(JSON.stringify(body))
      }

      // Act
      const response = await send()

      // Assess
      expect(response.status).toBe(status)
      expect(await response.json()).toEqual(body)
    },
  )
})
