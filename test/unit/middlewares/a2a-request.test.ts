import { gzipSync } from 'node:zlib'
import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import { type A2ARequestContext, a2aRequest } from '../../../middlewares/a2a-request.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

const run = async (event: unknown, options?: Parameters<typeof a2aRequest>[0]) => {
  const handler = vi.fn(async (...args: unknown[]) => (args[1] as A2ARequestContext).a2a)
  const wrapped = middy().use(a2aRequest(options)).handler(handler)
  // Either the parsed request (handler ran) or the middleware's early answer.
  const response = (await invoke(wrapped, event)) as { statusCode: number; body: string }
  return { response, handler }
}

const sendMessageBody = (id: number) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'SendMessage',
    params: { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
  })

describe('a2aRequest middleware', () => {
  it('reads a JSON-RPC SendMessage into one A2A call', async () => {
    // Act
    const { response } = await run(sampleEvent('agents-jsonrpc-send-message.json'))

    // Assess
    expect(response).toMatchObject({
      kind: 'call',
      call: {
        agentId: 'calculator',
        operation: 'SendMessage',
        binding: 'JSONRPC',
        jsonRpcId: 1,
        stream: false,
      },
    })
  })

  it.each([
    ['its A2A-Version header, in any case', { 'A2A-VERSION': '0.3' }, undefined],
    ['its A2A-Version query parameter, without the header', {}, { 'A2A-Version': ['0.3'] }],
  ])(
    'refuses a 1.0 call whose version, by %s, says 0.3, as an invalid request naming both',
    async (_what, headers, query) => {
      // Prepare
      const event = {
        ...sampleEvent('agents-jsonrpc-send-message.json'),
        headers,
        multiValueHeaders: {},
        multiValueQueryStringParameters: query,
      }

      // Act
      const { response, handler } = await run(event)

      // Assess
      expect(handler).not.toHaveBeenCalled()
      expect(JSON.parse(response.body)).toMatchObject({
        id: 1,
        error: {
          code: -32600,
          message: expect.stringContaining(
            'A2A-Version says 0.3, but "SendMessage" is an A2A 1.0 method',
          ),
        },
      })
    },
  )

  it('reads the card route of an HTTP API (v2) event and a REST call of a function URL event', async () => {
    // Prepare
    const httpApiCard = {
      version: '2.0',
      routeKey: 'GET /agents/{agentId}/.well-known/agent-card.json',
      rawPath: '/agents/weather/.well-known/agent-card.json',
      rawQueryString: '',
      pathParameters: { agentId: 'weather' },
      requestContext: { http: { method: 'GET' } },
    }
    const functionUrlGetTask = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/agents/weather/tasks/t-1',
      rawQueryString: 'historyLength=2',
      requestContext: { http: { method: 'GET' } },
    }

    // Act
    const card = await run(httpApiCard)
    const getTask = await run(functionUrlGetTask)

    // Assess
    expect(card.response).toMatchObject({ kind: 'card', agentId: 'weather' })
    expect(getTask.response).toMatchObject({
      kind: 'call',
      call: { agentId: 'weather', operation: 'GetTask', binding: 'HTTP+JSON' },
    })
  })

  it.each([
    [
      'a REST event, which hands it over as the client sent it',
      {
        resource: '/agents/{agentId}/{proxy+}',
        httpMethod: 'GET',
        path: '/agents/weather/tasks/t%252D1',
        pathParameters: { agentId: 'weather', proxy: 'tasks/t%252D1' },
      },
    ],
    [
      'an HTTP API (v2) event, which hands it over decoded',
      {
        version: '2.0',
        routeKey: 'GET /agents/{agentId}/{proxy+}',
        rawPath: '/agents/weather/tasks/t%2D1',
        rawQueryString: '',
        pathParameters: { agentId: 'weather', proxy: 'tasks/t%2D1' },
        requestContext: { http: { method: 'GET' } },
      },
    ],
  ])(
    'reads a task id holding a literal `%2D` (sent `%252D`) as that id from %s',
    async (_shape, event) => {
      // Act
      const { response } = await run(event)

      // Assess: the task is `t%2D1`, not `t-1`, and the agent is asked for it so
      expect(response).toMatchObject({
        kind: 'call',
        call: { agentId: 'weather', operation: 'GetTask', restPath: '/tasks/t%252D1' },
      })
    },
  )

  it('answers a call to a path naming no agent with 404 saying where A2A calls go', async () => {
    // Prepare: a team's Lambda on a function URL, called at its root; an ALB, at /a2a.
    const sendMessage = sendMessageBody(7)
    const functionUrlRoot = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/',
      rawQueryString: '',
      requestContext: { http: { method: 'POST' } },
      body: sendMessage,
    }
    const albGetTask = { httpMethod: 'GET', path: '/a2a/tasks/t-1', headers: {}, body: null }

    // Act
    const rpc = await run(functionUrlRoot)
    const rest = await run(albGetTask)

    // Assess
    expect(rpc.handler).not.toHaveBeenCalled()
    expect(JSON.parse(rpc.response.body)).toMatchObject({
      id: 7,
      error: { code: -32050, message: expect.stringContaining('/agents/{agentId}') },
    })
    expect(rest.response.statusCode).toBe(404)
    expect(rest.response.body).toContain('The path /a2a/tasks/t-1 names no agent')
  })

  it('serves its one agent at any path of a function URL or ALB with options.agentId', async () => {
    // Prepare
    const sendMessage = sendMessageBody(7)
    const functionUrl = (method: string, rawPath: string, body?: string) => ({
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString: '',
      requestContext: { http: { method } },
      ...(body && { body }),
    })
    const options = { agentId: 'team-agent' }

    // Act
    const atRoot = await run(functionUrl('POST', '/', sendMessage), options)
    const task = await run({ httpMethod: 'GET', path: '/tasks/t-1', body: null }, options)
    const card = await run(functionUrl('GET', '/.well-known/agent-card.json'), options)
    const underAgents = await run(functionUrl('GET', '/agents/team-agent/tasks/t-2'), options)

    // Assess
    expect(atRoot.response).toMatchObject({
      kind: 'call',
      call: { agentId: 'team-agent', operation: 'SendMessage', binding: 'JSONRPC' },
    })
    expect(task.response).toMatchObject({
      kind: 'call',
      call: { agentId: 'team-agent', operation: 'GetTask', restPath: '/tasks/t-1' },
    })
    expect(card.response).toMatchObject({ kind: 'card', agentId: 'team-agent' })
    expect(underAgents.response).toMatchObject({
      call: { agentId: 'team-agent', restPath: '/tasks/t-2' },
    })
  })

  it('answers 404 for another agent named in the route or path of a Lambda serving one', async () => {
    // Prepare: a REST {proxy+} route, an HTTP API card route and a function URL, each naming `other`.
    const options = { agentId: 'team-agent' }
    const restGetTask = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      e.resource = '/agents/{agentId}/{proxy+}'
      e.path = '/agents/other/tasks/t1'
      e.httpMethod = 'GET'
      e.pathParameters = { agentId: 'other', proxy: 'tasks/t1' }
      e.body = null
    })
    const httpApiCard = {
      routeKey: 'GET /agents/{agentId}/.well-known/agent-card.json',
      rawPath: '/agents/other/.well-known/agent-card.json',
      pathParameters: { agentId: 'other' },
      requestContext: { http: { method: 'GET' } },
    }
    const functionUrlCall = {
      routeKey: '$default',
      rawPath: '/agents/other',
      requestContext: { http: { method: 'POST' } },
      body: sendMessageBody(4),
    }

    // Act
    const rest = await run(restGetTask, options)
    const card = await run(httpApiCard, options)
    const rpc = await run(functionUrlCall, options)

    // Assess
    for (const { handler } of [rest, card, rpc]) expect(handler).not.toHaveBeenCalled()
    expect(rest.response.statusCode).toBe(404)
    expect(rest.response.body).toContain('team-agent')
    expect(card.response.statusCode).toBe(404)
    expect(JSON.parse(rpc.response.body)).toMatchObject({ id: 4, error: { code: -32050 } })
  })

  it('keeps the query of an ALB without multi-value headers, and of a REST event with single values only', async () => {
    // Prepare: an ALB passes the query as the client sent it (encoded), API Gateway decodes it.
    const albGetTask = {
      httpMethod: 'GET',
      path: '/agents/team-agent/tasks/t1',
      queryStringParameters: { historyLength: '2' },
      requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:tg' } },
      headers: {},
      body: null,
    }
    const albListTasks = {
      ...albGetTask,
      path: '/agents/team-agent/tasks',
      queryStringParameters: { contextId: 'ctx%201%26more' },
    }
    const albMultiValue = {
      ...albListTasks,
      queryStringParameters: undefined,
      multiValueQueryStringParameters: { contextId: ['ctx%201%26more'] },
    }
    const restListTasks = sampleEvent('agents-rest-stream-message.json', (e) => {
      e.httpMethod = 'GET'
      e.body = null
      e.path = '/agents/weather/tasks'
      e.pathParameters = { agentId: 'weather', proxy: 'tasks' }
      e.queryStringParameters = { contextId: 'ctx 1&more' }
      e.multiValueQueryStringParameters = null
    })
    const contextIdOf = (response: unknown) => {
      const { restPath } = (response as { call: { restPath: string } }).call
      return new URLSearchParams(restPath.split('?')[1]).get('contextId')
    }

    // Act
    const got = await run(albGetTask)
    const listed = await Promise.all(
      [albListTasks, albMultiValue, restListTasks].map((e) => run(e)),
    )

    // Assess
    expect(got.response).toMatchObject({ call: { restPath: '/tasks/t1?historyLength=2' } })
    expect(listed.map(({ response }) => contextIdOf(response))).toEqual([
      'ctx 1&more',
      'ctx 1&more',
      'ctx 1&more',
    ])
  })

  it('passes on no access_token a caller put in the query, the token being read from the header alone', async () => {
    // Prepare: RFC 6750's query form, in a REST event and a function URL event.
    const listTasks = sampleEvent('agents-rest-stream-message.json', (e) => {
      e.httpMethod = 'GET'
      e.body = null
      e.path = '/agents/weather/tasks'
      e.pathParameters = { agentId: 'weather', proxy: 'tasks' }
      e.queryStringParameters = { pageSize: '2', access_token: 'eyJ.the.token' }
      e.multiValueQueryStringParameters = { pageSize: ['2'], access_token: ['eyJ.the.token'] }
    })
    const functionUrlGetTask = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/agents/weather/tasks/t-1',
      rawQueryString: 'access_token=eyJ.the.token',
      requestContext: { http: { method: 'GET' } },
    }

    const encoded = {
      ...functionUrlGetTask,
      rawQueryString: 'historyLength=1&access%5Ftoken=eyJ.the.token',
    }

    // Act
    const listed = (await run(listTasks)).response as unknown as { call: Record<string, unknown> }
    const got = (await run(functionUrlGetTask)).response as unknown as {
      call: Record<string, unknown>
    }
    const gotEncoded = (await run(encoded)).response as unknown as {
      call: Record<string, unknown>
    }

    // Assess
    expect(listed.call).toMatchObject({ operation: 'ListTasks', restPath: '/tasks?pageSize=2' })
    expect(got.call).toMatchObject({ operation: 'GetTask', restPath: '/tasks/t-1' })
    expect(gotEncoded.call).toMatchObject({ restPath: '/tasks/t-1?historyLength=1' })
    expect(JSON.stringify([listed, got, gotEncoded])).not.toContain('eyJ.the.token')
  })

  it('reads an HTTP+JSON stream request into the same shape', async () => {
    // Act
    const { response } = await run(sampleEvent('agents-rest-stream-message.json'))

    // Assess
    expect(response).toMatchObject({
      kind: 'call',
      call: {
        agentId: 'weather',
        operation: 'SendStreamingMessage',
        binding: 'HTTP+JSON',
        stream: true,
      },
    })
  })

  it.each([
    [
      'JSON-RPC',
      'agents-jsonrpc-send-message.json',
      (body: Record<string, unknown>) =>
        expect(body).toEqual({
          jsonrpc: '2.0',
          id: null,
          error: expect.objectContaining({
            code: -32005,
            message:
              'Unsupported Content-Type "application/x-www-form-urlencoded": send the body as application/json (or application/a2a+json).',
          }),
        }),
    ],
    [
      'HTTP+JSON',
      'agents-rest-stream-message.json',
      (body: Record<string, unknown>) =>
        expect(body).toMatchObject({
          error: {
            code: 400,
            message: expect.stringContaining('Unsupported Content-Type'),
          },
        }),
    ],
  ] as const)(
    'refuses a %s body sent as a form, before anything reads it, saying what to send',
    async (binding, sample, assessBody) => {
      // Prepare: what `curl -d` sends when no Content-Type is given.
      const event = sampleEvent(sample, (e) => {
        const { 'content-type': _json, ...others } = e.headers ?? {}
        e.headers = { ...others, 'Content-Type': 'application/x-www-form-urlencoded' }
        e.multiValueHeaders = {}
      })

      // Act
      const { response, handler } = await run(event)

      // Assess
      expect(handler).not.toHaveBeenCalled()
      assessBody(JSON.parse(response.body))
      // A JSON-RPC error travels in a 200, as every protocol error the gateway answers does.
      expect(response.statusCode).toBe(binding === 'JSON-RPC' ? 200 : 400)
    },
  )

  it.each([['multipart/form-data; boundary=x'], ['Application/X-WWW-Form-Urlencoded']])(
    'refuses a body sent as %s, which says it is a form',
    async (contentType) => {
      // Prepare
      const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
        const { 'content-type': _json, ...others } = e.headers ?? {}
        e.headers = { ...others, 'content-type': contentType }
        e.multiValueHeaders = {}
      })

      // Act
      const { response, handler } = await run(event)

      // Assess
      expect(handler).not.toHaveBeenCalled()
      expect(JSON.parse(response.body).error.code).toBe(-32005)
    },
  )

  it.each([
    [{ 'content-type': 'application/json; charset=utf-7' }],
    [{ 'Content-Type': 'application/json;CHARSET="UTF-16LE"' }],
    // A quoted pair: a media-type parser reads `utf-7`.
    [{ 'content-type': 'application/json; charset="utf\\-7"' }],
    [
      {
        'content-type': 'application/json; charset=utf-8',
        'Content-Type': 'application/json; charset=utf-7',
      },
    ],
  ])(
    'refuses a body whose Content-Type names a charset other than UTF-8, which an agent decodes by: %o',
    async (headers) => {
      // Prepare: express.json(), @a2a-js/sdk's server's reader, decodes by the charset named.
      const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
        const { 'content-type': _json, ...others } = e.headers ?? {}
        e.headers = { ...others, ...headers }
        e.multiValueHeaders = {}
      })

      // Act
      const { response, handler } = await run(event)

      // Assess
      expect(handler).not.toHaveBeenCalled()
      expect(JSON.parse(response.body).error).toMatchObject({
        code: -32005,
        // What was wrong (the charset, not the type), and both ways to mend it
        message: expect.stringMatching(
          /^Unsupported Content-Type ".*": its charset is not UTF-8; send the body as UTF-8, with charset=utf-8 or none\.$/,
        ),
      })
    },
  )

  it('refuses a body one of whose Content-Type values names another charset', async () => {
    // Prepare: API Gateway's `headers` keeps one value, `multiValueHeaders` all
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      e.multiValueHeaders = {
        ...e.multiValueHeaders,
        'Content-Type': ['application/json', 'application/json; charset=utf-7'],
      }
    })

    // Act
    const { response, handler } = await run(event)

    // Assess
    expect(handler).not.toHaveBeenCalled()
    expect(JSON.parse(response.body).error.code).toBe(-32005)
  })

  it.each([
    ['application/json; charset=utf-8'],
    ['application/json; charset="UTF-8"'],
    ['application/json;charset=utf8'],
    ['Application/A2A+JSON'],
    ['application/json, application/json'],
    // What fetch sends for a string body given no type; agents on a2a-python read it as JSON.
    ['text/plain;charset=UTF-8'],
    ['application/octet-stream'],
    [''],
    [undefined],
  ])('reads a body sent as %s', async (contentType) => {
    // Prepare
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      const { 'content-type': _json, ...others } = e.headers ?? {}
      e.headers = contentType === undefined ? others : { ...others, 'content-type': contentType }
      e.multiValueHeaders = {}
    })

    // Act
    const { response } = await run(event)

    // Assess
    expect(response).toMatchObject({ kind: 'call', call: { operation: 'SendMessage' } })
  })

  it.each([['gzip'], ['br'], ['GZIP'], ['identity, gzip']])(
    'refuses a body sent with Content-Encoding: %s, saying to send it uncompressed, not that it is no JSON',
    async (coding) => {
      // Prepare: what a client that compresses its requests sends (API Gateway decodes none).
      const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
        e.headers = { ...e.headers, 'Content-Encoding': coding }
        e.body = gzipSync(e.body ?? '').toString('latin1')
      })

      // Act
      const { response, handler } = await run(event)

      // Assess
      expect(handler).not.toHaveBeenCalled()
      expect(JSON.parse(response.body).error).toMatchObject({
        code: -32005,
        message: `Unsupported Content-Encoding "${coding}": send the body uncompressed.`,
      })
    },
  )

  it('reads a JSON body that says gzip, as API Gateway hands on one it decompressed', async () => {
    // Prepare
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      e.headers = { ...e.headers, 'content-encoding': 'gzip' }
    })

    // Act
    const { response } = await run(event)

    // Assess
    expect(response).toMatchObject({ kind: 'call', call: { operation: 'SendMessage' } })
  })

  it('reads a body sent with Content-Encoding: identity, which is no encoding', async () => {
    // Prepare
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      e.headers = { ...e.headers, 'content-encoding': 'identity' }
    })

    // Act
    const { response } = await run(event)

    // Assess
    expect(response).toMatchObject({ kind: 'call', call: { operation: 'SendMessage' } })
  })

  it('answers a body that is not JSON with a JSON-RPC parse error, before the handler', async () => {
    // Prepare
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      e.body = '{"jsonrpc":'
    })

    // Act
    const { response, handler } = await run(event)

    // Assess
    expect(handler).not.toHaveBeenCalled()
    expect(JSON.parse(response.body)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'The request body is not valid JSON.' },
    })
  })

  it('answers a 0.3 HTTP+JSON call it cannot read in 0.3’s error shape', async () => {
    // Prepare: a 0.3 send whose body names a key twice
    const event = sampleEvent('agents-rest-stream-message.json', (e) => {
      e.path = '/agents/weather/v1/message:send'
      e.pathParameters = { agentId: 'weather', proxy: 'v1/message:send' }
      e.headers['a2a-version'] = '0.3'
      e.multiValueHeaders['a2a-version'] = ['0.3']
      e.body = '{"message":{"messageId":"m","messageId":"n","role":"ROLE_USER","content":[]}}'
    })

    // Act
    const { response, handler } = await run(event)

    // Assess: 0.3's { code, message }, which a 0.3 client reads
    expect(handler).not.toHaveBeenCalled()
    expect(response.statusCode).toBe(400)
    expect(JSON.parse(response.body)).toEqual({
      code: -32600,
      message: 'The request body names "messageId" twice in one object; each key may appear once.',
    })
  })

  it('answers an unknown JSON-RPC method with method-not-found, echoing the id', async () => {
    // Prepare
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      e.body = JSON.stringify({ jsonrpc: '2.0', id: 'abc', method: 'tasks/explode', params: {} })
    })

    // Act
    const { response } = await run(event)

    // Assess
    expect(JSON.parse(response.body)).toMatchObject({ id: 'abc', error: { code: -32601 } })
  })

  it('answers an unknown HTTP+JSON path in the A2A 1.0 error shape', async () => {
    // Prepare
    const event = sampleEvent('agents-rest-stream-message.json', (e) => {
      e.path = '/agents/weather/message:shout'
      e.pathParameters = { agentId: 'weather', proxy: 'message:shout' }
    })

    // Act
    const { response } = await run(event)

    // Assess
    expect(response.statusCode).toBe(400)
    expect(JSON.parse(response.body).error).toMatchObject({
      code: 400,
      message: 'POST /message:shout is not an A2A HTTP+JSON operation.',
      details: [expect.objectContaining({ reason: 'UNSUPPORTED_OPERATION' })],
    })
  })

  it('answers invalid JSON-RPC params with -32602 naming each field, before the handler', async () => {
    // Prepare
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      e.body = JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'GetTask',
        params: { id: 't-1', historyLength: -1 },
      })
    })

    // Act
    const { response, handler } = await run(event)

    // Assess
    expect(handler).not.toHaveBeenCalled()
    expect(response.statusCode).toBe(200)
    expect(JSON.parse(response.body)).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: {
        code: -32602,
        message: 'params.historyLength must be a non-negative integer, got -1',
        data: [
          expect.objectContaining({ reason: 'INVALID_PARAMS' }),
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [
              { field: 'historyLength', description: 'must be a non-negative integer, got -1' },
            ],
          },
        ],
      },
    })
  })

  it('answers an object as the JSON-RPC id with -32600 and a null id', async () => {
    // Prepare
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      const body = JSON.parse(e.body as string)
      e.body = JSON.stringify({ ...body, id: { bad: 'type' } })
    })

    // Act
    const { response, handler } = await run(event)

    // Assess
    expect(handler).not.toHaveBeenCalled()
    expect(JSON.parse(response.body)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'The JSON-RPC id must be a string, a number or null.' },
    })
  })

  it('answers an invalid HTTP+JSON query parameter with 400 in the A2A error shape', async () => {
    // Prepare
    const event = sampleEvent('agents-rest-stream-message.json', (e) => {
      e.httpMethod = 'GET'
      e.body = null
      e.path = '/agents/weather/tasks'
      e.pathParameters = { agentId: 'weather', proxy: 'tasks' }
      e.queryStringParameters = { pageSize: 'abc' }
      e.multiValueQueryStringParameters = { pageSize: ['abc'] }
    })

    // Act
    const { response, handler } = await run(event)

    // Assess
    expect(handler).not.toHaveBeenCalled()
    expect(response.statusCode).toBe(400)
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'pageSize must be an integer from 1 to 100, got "abc"',
        details: [
          expect.objectContaining({ reason: 'INVALID_PARAMS' }),
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [
              { field: 'pageSize', description: 'must be an integer from 1 to 100, got "abc"' },
            ],
          },
        ],
      },
    })
  })
})
