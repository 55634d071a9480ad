import { fromRestErrorBody, RequestMalformedError } from '@a2a-js/sdk/errors'
import { describe, expect, it } from 'vitest'
import {
  jsonRpcErrorCodeOf,
  jsonRpcEventsErrorCode,
  restEventsErrorCode,
} from '../../../lib/a2a/agent-error-codes.ts'
import { jsonRpcParamsFor } from '../../../lib/a2a/rest-call-params.ts'
import {
  answerFor,
  eventFor,
  jsonRpcAnswerAsRest,
  jsonRpcEventAsRest,
  outcomeOf,
  restAnswerAsJsonRpc,
  restEventAsJsonRpc,
  restRequestFor,
} from '../../../lib/a2a/translate.ts'
import { MissingPathParamError } from '../../../lib/errors.ts'
import { a2aCall } from '../../support/a2a-call.ts'

const call = a2aCall

describe('binding translation', () => {
  it('turns JSON-RPC params into the HTTP+JSON path, query and body', () => {
    // Assess
    expect(restRequestFor(call({ params: { id: 't 1', historyLength: 2 } }))).toEqual({
      method: 'GET',
      path: '/tasks/t%201?historyLength=2',
    })
    expect(
      restRequestFor(
        call({
          operation: 'DeleteTaskPushNotificationConfig',
          params: { taskId: 't', id: 'c', tenant: 'acme' },
        }),
      ),
    ).toEqual({ method: 'DELETE', path: '/acme/tasks/t/pushNotificationConfigs/c' })
    expect(
      restRequestFor(
        call({
          operation: 'CreateTaskPushNotificationConfig',
          params: { taskId: 't', url: 'https://h' },
        }),
      ),
    ).toEqual({
      method: 'POST',
      path: '/tasks/t/pushNotificationConfigs',
      body: { url: 'https://h' },
    })
  })

  it('reads a param spelled by its proto name into the path, as the agent would read it', () => {
    // Assess
    expect(
      restRequestFor(
        call({
          operation: 'CreateTaskPushNotificationConfig',
          params: { task_id: 't', url: 'https://h' },
        }),
      ),
    ).toEqual({
      method: 'POST',
      path: '/tasks/t/pushNotificationConfigs',
      body: { url: 'https://h' },
    })
    expect(
      restRequestFor(
        call({ operation: 'ListTaskPushNotificationConfigs', params: { task_id: 't' } }),
      ),
    ).toEqual({ method: 'GET', path: '/tasks/t/pushNotificationConfigs' })
  })

  it('refuses to build a path from a task id that is missing or no string, rather than send undefined', () => {
    // Assess
    expect(() =>
      restRequestFor(call({ operation: 'ListTaskPushNotificationConfigs', params: {} })),
    ).toThrow(MissingPathParamError)
    expect(() => restRequestFor(call({ operation: 'GetTask', params: { id: 7 } }))).toThrow(
      MissingPathParamError,
    )
  })

  it('turns an HTTP+JSON path back into JSON-RPC params, tenant and query included', () => {
    // Assess
    expect(
      jsonRpcParamsFor(
        call({
          binding: 'HTTP+JSON',
          operation: 'GetTask',
          restPath: '/acme/tasks/t-1?historyLength=3',
          tenant: 'acme',
        }),
      ),
    ).toEqual({ id: 't-1', historyLength: 3, tenant: 'acme' })
    expect(
      jsonRpcParamsFor(
        call({
          binding: 'HTTP+JSON',
          operation: 'ListTasks',
          restPath: '/tasks?pageSize=5&includeArtifacts=true',
        }),
      ),
    ).toEqual({ pageSize: 5, includeArtifacts: true })
  })

  it('leaves out a query param that is no field of the operation', () => {
    // Assess: an HTTP+JSON server ignores it; as JSON-RPC it would be a param of the call
    expect(
      jsonRpcParamsFor(
        call({
          binding: 'HTTP+JSON',
          operation: 'SendMessage',
          restPath: '/message:send?foo=bar&historyLength=2',
          params: { message: { messageId: 'm' } },
        }),
      ),
    ).toEqual({ message: { messageId: 'm' } })
    expect(
      jsonRpcParamsFor(
        call({
          binding: 'HTTP+JSON',
          operation: 'GetTask',
          restPath: '/tasks/t-1?historyLength=3&pageSize=9',
        }),
      ),
    ).toEqual({ id: 't-1', historyLength: 3 })
  })

  it('reads query params spelled by their proto names as what they are: numbers and booleans', () => {
    // Assess: `include_artifacts=false` must not reach a JSON-RPC agent as the string "false"
    expect(
      jsonRpcParamsFor(
        call({
          binding: 'HTTP+JSON',
          operation: 'ListTasks',
          restPath: '/tasks?page_size=5&include_artifacts=false',
        }),
      ),
    ).toEqual({ page_size: 5, include_artifacts: false })
    expect(
      jsonRpcParamsFor(
        call({
          binding: 'HTTP+JSON',
          operation: 'GetTask',
          restPath: '/tasks/t-1?history_length=3',
        }),
      ),
    ).toEqual({ id: 't-1', history_length: 3 })
  })

  it('reads an enum given in the query by its number as that number, by its name as that name', () => {
    // Assess: a JSON-RPC agent's ProtoJSON reader refuses the string "5" for an enum
    expect(
      jsonRpcParamsFor(
        call({ binding: 'HTTP+JSON', operation: 'ListTasks', restPath: '/tasks?status=5' }),
      ),
    ).toEqual({ status: 5 })
    expect(
      jsonRpcParamsFor(
        call({
          binding: 'HTTP+JSON',
          operation: 'ListTasks',
          restPath: '/tasks?status=TASK_STATE_WORKING',
        }),
      ),
    ).toEqual({ status: 'TASK_STATE_WORKING' })
  })

  it('writes a query param under its JSON name, the one an SDK server reads, whichever name it came by', () => {
    // Assess
    expect(restRequestFor(call({ params: { id: 't', history_length: 2 } }))).toEqual({
      method: 'GET',
      path: '/tasks/t?historyLength=2',
    })
    // Given by both names, it is read as a ProtoJSON reader reads it: the JSON name's.
    expect(
      restRequestFor(call({ params: { id: 't', history_length: 5, historyLength: 2 } })),
    ).toEqual({ method: 'GET', path: '/tasks/t?historyLength=2' })
  })

  it("carries an agent's A2A error across, by its reason", () => {
    // Act
    const asJsonRpc = restAnswerAsJsonRpc(
      404,
      JSON.stringify({
        error: {
          code: 404,
          status: 'NOT_FOUND',
          message: 'Task t-9 not found',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'TASK_NOT_FOUND',
              domain: 'a2a-protocol.org',
            },
          ],
        },
      }),
      7,
      'GetTask',
    )
    const asRest = jsonRpcAnswerAsRest(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32001, message: 'Task t-9 not found' },
      }),
      'GetTask',
    )

    // Assess
    expect(JSON.parse(asJsonRpc.body)).toMatchObject({
      id: 7,
      error: { code: -32001, message: 'Task t-9 not found' },
    })
    expect(asRest.statusCode).toBe(404)
    expect(JSON.parse(asRest.body).error).toMatchObject({
      status: 'NOT_FOUND',
      message: 'Task t-9 not found',
    })
  })

  it('wraps and unwraps stream events', () => {
    // Assess
    expect(restEventAsJsonRpc({ data: '{"statusUpdate":{}}' }, 7)).toEqual({
      data: '{"jsonrpc":"2.0","id":7,"result":{"statusUpdate":{}}}',
    })
    expect(jsonRpcEventAsRest({ data: '{"jsonrpc":"2.0","id":1,"result":{"task":{}}}' })).toEqual({
      data: '{"task":{}}',
    })
    expect(
      jsonRpcEventAsRest({
        data: '{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"gone"}}',
      }),
    ).toMatchObject({
      event: 'error',
    })
  })

  it('reads an answer opened by a byte-order mark as a client reads it, not as no JSON', () => {
    // Prepare: fetch's json() and Python's json.loads of bytes pass the mark over; a caller
    // given the agent's answer as it is reads its task
    const text = '\uFEFF{"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t-1"}}}'

    // Act
    const answer = jsonRpcAnswerAsRest(text, 'GetTask')
    const asJsonRpc = restAnswerAsJsonRpc(200, '\uFEFF{"id":"t-1"}', 7, 'GetTask')

    // Assess
    expect(answer.statusCode).toBe(200)
    expect(JSON.parse(answer.body)).toEqual({ task: { id: 't-1' } })
    expect(JSON.parse(asJsonRpc.body)).toEqual({ jsonrpc: '2.0', id: 7, result: { id: 't-1' } })
  })

  it('answers a deleted push config with 204 and no body over HTTP+JSON', () => {
    // Assess
    expect(
      jsonRpcAnswerAsRest(
        '{"jsonrpc":"2.0","id":1,"result":{}}',
        'DeleteTaskPushNotificationConfig',
      ),
    ).toEqual({
      statusCode: 204,
      headers: {},
      body: '',
    })
  })
})

describe('answer outcomes, either binding and version', () => {
  const notFound = { code: -32001, message: 'Task not found: t' }

  it.each([
    ['a 0.3 JSON-RPC error', 'JSONRPC', '0.3', 200, { jsonrpc: '2.0', id: 1, error: notFound }],
    ['a 0.3 HTTP+JSON error ({ code, message })', 'HTTP+JSON', '0.3', 404, notFound],
    [
      'a 1.0 HTTP+JSON error (google.rpc.Status)',
      'HTTP+JSON',
      '1.0',
      404,
      {
        error: {
          code: 404,
          status: 'NOT_FOUND',
          message: 'Task not found: t',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'TASK_NOT_FOUND',
              domain: 'a2a-protocol.org',
            },
          ],
        },
      },
    ],
  ] as const)('reads %s as TaskNotFound (-32001)', (_, binding, version, status, body) => {
    // Act
    const outcome = outcomeOf(binding, version, status, JSON.stringify(body))

    // Assess
    expect(outcome).toMatchObject({ error: { code: -32001, message: 'Task not found: t' } })
  })

  it.each([
    ['a list, to a GetTask', '[1,2]', 'GetTask'],
    ['null, to a GetTask', 'null', 'GetTask'],
  ] as const)(
    'reads a 0.3 JSON-RPC result that is %s as InvalidAgentResponse (-32006), never a task',
    (_, result, operation) => {
      // Act
      const outcome = outcomeOf(
        'JSONRPC',
        '0.3',
        200,
        `{"jsonrpc":"2.0","id":1,"result":${result}}`,
        operation,
      )

      // Assess
      expect(outcome).toEqual({
        error: {
          code: -32006,
          message: 'The agent answered with a result that is no JSON object.',
        },
      })
    },
  )

  it('reads a 0.3 JSON-RPC list of push configs, and its delete’s null, as results', () => {
    // Act and assess
    expect(
      outcomeOf(
        'JSONRPC',
        '0.3',
        200,
        '{"jsonrpc":"2.0","id":1,"result":[]}',
        'ListTaskPushNotificationConfigs',
      ),
    ).toEqual({ result: [] })
    expect(
      outcomeOf(
        'JSONRPC',
        '0.3',
        200,
        '{"jsonrpc":"2.0","id":1,"result":null}',
        'DeleteTaskPushNotificationConfig',
      ),
    ).toEqual({ result: null })
  })

  it('reads an answer that is not JSON as InvalidAgentResponse (-32006)', () => {
    // Act
    const outcome = outcomeOf('JSONRPC', '1.0', 200, '<html>')

    // Assess
    expect(outcome).toMatchObject({ error: { code: -32006 } })
  })

  it('answers a 0.3 JSON-RPC caller’s delete with result null, as 0.3 defines it', () => {
    // Act
    const answer = answerFor(
      { result: null },
      { binding: 'JSONRPC', version: '0.3', jsonRpcId: 4 },
      'DeleteTaskPushNotificationConfig',
    )

    // Assess
    expect(JSON.parse(answer.body)).toEqual({ jsonrpc: '2.0', id: 4, result: null })
  })

  it('answers a 0.3 HTTP+JSON caller TaskNotFound as 404 { code, message }', () => {
    // Act
    const answer = answerFor(
      { error: notFound },
      { binding: 'HTTP+JSON', version: '0.3', jsonRpcId: undefined },
      'GetTask',
    )

    // Assess
    expect(answer.statusCode).toBe(404)
    expect(JSON.parse(answer.body)).toEqual(notFound)
  })

  it('answers a 1.0 HTTP+JSON caller TaskNotFound as 404 NOT_FOUND', () => {
    // Act
    const answer = answerFor(
      { error: notFound },
      { binding: 'HTTP+JSON', version: '1.0', jsonRpcId: undefined },
      'GetTask',
    )

    // Assess
    expect(answer.statusCode).toBe(404)
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 404, status: 'NOT_FOUND' })
  })

  it('writes a JSON-RPC caller’s stream event with its id, and an HTTP+JSON error as event: error', () => {
    // Act
    const rpc = eventFor(
      { result: { task: {} } },
      { binding: 'JSONRPC', version: '0.3', jsonRpcId: 'x' },
    )
    const rest = eventFor(
      { error: notFound },
      { binding: 'HTTP+JSON', version: '0.3', jsonRpcId: null },
    )

    // Assess
    expect(JSON.parse(rpc.data)).toEqual({ jsonrpc: '2.0', id: 'x', result: { task: {} } })
    expect(rest).toEqual({ event: 'error', data: JSON.stringify(notFound) })
  })
})

describe('an agent’s error carried across bindings', () => {
  const errorInfo = (reason: string, metadata?: Record<string, string>) => ({
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason,
    domain: 'a2a-protocol.org',
    ...(metadata ? { metadata } : {}),
  })
  const badRequest = {
    '@type': 'type.googleapis.com/google.rpc.BadRequest',
    fieldViolations: [{ field: 'message.parts', description: 'must not be empty' }],
  }

  it('keeps every detail of a JSON-RPC error for an HTTP+JSON caller, its ErrorInfo’s metadata too', () => {
    // Prepare
    const details = [
      errorInfo('TASK_NOT_FOUND', { taskId: 't-9' }),
      { '@type': 'type.googleapis.com/google.rpc.DebugInfo', detail: 'looked in shard 3' },
    ]

    // Act
    const answer = jsonRpcAnswerAsRest(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32001, message: 'Task not found: t-9', data: details },
      }),
      'GetTask',
    )

    // Assess
    expect(answer.statusCode).toBe(404)
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 404, status: 'NOT_FOUND', message: 'Task not found: t-9', details },
    })
  })

  it('adds A2A’s ErrorInfo to the details of a JSON-RPC error that had none', () => {
    // Act
    const answer = jsonRpcAnswerAsRest(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        error: { code: -32602, message: 'Invalid params', data: [badRequest] },
      }),
      'SendMessage',
    )

    // Assess
    expect(JSON.parse(answer.body).error.details).toEqual([errorInfo('INVALID_PARAMS'), badRequest])
  })

  it('reads an HTTP+JSON 400 without A2A’s ErrorInfo as invalid params, its message and details kept', () => {
    // Act
    const answer = restAnswerAsJsonRpc(
      400,
      JSON.stringify({
        error: {
          code: 400,
          status: 'INVALID_ARGUMENT',
          message: 'parts empty',
          details: [badRequest],
        },
      }),
      3,
      'SendMessage',
    )

    // Assess
    expect(JSON.parse(answer.body)).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32602, message: 'parts empty', data: [badRequest] },
    })
  })

  it('keeps an HTTP+JSON error’s details beside its A2A ErrorInfo for a JSON-RPC caller', () => {
    // Prepare
    const details = [errorInfo('TASK_NOT_FOUND', { taskId: 't-9' }), badRequest]

    // Act
    const answer = restAnswerAsJsonRpc(
      404,
      JSON.stringify({ error: { code: 404, status: 'NOT_FOUND', message: 'gone', details } }),
      3,
      'GetTask',
    )

    // Assess
    expect(JSON.parse(answer.body).error).toEqual({ code: -32001, message: 'gone', data: details })
  })

  it.each([
    [404, -32001],
    [409, -32002],
    [415, -32005],
    [501, -32004],
    [422, -32602],
    [400, -32600],
  ])(
    'reads a 0.3 HTTP+JSON %i with only a message (a2a-python 0.3’s shape) to a CancelTask by its status, as %i',
    (status, code) => {
      // Act
      const outcome = outcomeOf(
        'HTTP+JSON',
        '0.3',
        status,
        JSON.stringify({ message: 'the agent says' }),
        'CancelTask',
      )

      // Assess
      expect(outcome).toEqual({ error: { code, message: 'the agent says' } })
    },
  )
})

describe('an agent’s 4xx naming no A2A error, carried across bindings', () => {
  /** Fastify's own answer to a body past its bodyLimit: no A2A error, an `error` of words. */
  const fastify413 = JSON.stringify({
    statusCode: 413,
    code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    error: 'Payload Too Large',
    message: 'Request body is too large',
  })

  it.each([
    [
      'an HTTP+JSON agent’s 413',
      () => restAnswerAsJsonRpc(413, fastify413, 3, 'SendMessage'),
      413,
      'Request body is too large',
    ],
    [
      'a JSON-RPC agent’s 429 with no code',
      () =>
        answerFor(
          outcomeOf(
            'JSONRPC',
            '1.0',
            429,
            '{"jsonrpc":"2.0","id":1,"error":{"message":"slow down"}}',
          ),
          { binding: 'JSONRPC', version: '1.0', jsonRpcId: 3 },
          'SendMessage',
        ),
      429,
      'slow down',
    ],
  ])(
    'is, as %s, that status for a JSON-RPC caller, with Invalid Request and its words, not -32603',
    (_what, translate, status, words) => {
      // Act
      const answer = translate()

      // Assess: until the 30th session HTTP 200 and -32603, the agent's failure
      expect(answer.statusCode).toBe(status)
      expect(JSON.parse(answer.body)).toEqual({
        jsonrpc: '2.0',
        id: 3,
        error: {
          code: -32600,
          message: `The agent refused the request (HTTP ${status}): ${words}`,
        },
      })
    },
  )

  it('is the agent’s status for an HTTP+JSON caller of a JSON-RPC agent, in the body’s code too, not a 500', () => {
    // Act
    const answer = jsonRpcAnswerAsRest(fastify413, 'SendMessage', 413)

    // Assess
    expect(answer.statusCode).toBe(413)
    expect(JSON.parse(answer.body).error).toMatchObject({
      code: 413,
      message: 'The agent refused the request (HTTP 413): Request body is too large',
    })
  })

  it('names no A2A error to an HTTP+JSON caller, so its client reads the agent’s status, not a malformed request', () => {
    // Act: @fastify/rate-limit's 429, read by @a2a-js/sdk's HTTP+JSON client
    const answer = jsonRpcAnswerAsRest(
      JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: 'slow down' }),
      'SendMessage',
      429,
    )
    const read = fromRestErrorBody(JSON.parse(answer.body).error, {
      statusCode: answer.statusCode,
    })

    // Assess: as the agent's own 429 relayed reads; until a review in the 30th session an
    // INVALID_PARAMS ErrorInfo and INVALID_ARGUMENT made it a RequestMalformedError
    expect(read).not.toBeInstanceOf(RequestMalformedError)
    expect(read).toMatchObject({
      statusCode: 429,
      message: 'The agent refused the request (HTTP 429): slow down',
    })
    expect(JSON.parse(answer.body).error).not.toHaveProperty('status', 'INVALID_ARGUMENT')
  })

  it('is the agent’s status for a 0.3 caller of a 0.3 agent’s page that is no JSON', () => {
    // Act
    const outcome = outcomeOf('HTTP+JSON', '0.3', 413, '<html>Request Entity Too Large</html>')
    const answer = answerFor(
      outcome,
      { binding: 'HTTP+JSON', version: '0.3', jsonRpcId: undefined },
      'SendMessage',
    )

    // Assess: the agent's invalid answer (-32006), its failure, until the 30th session
    expect(answer.statusCode).toBe(413)
    expect(JSON.parse(answer.body)).toEqual({
      code: -32600,
      message: 'The agent answered HTTP 413 with something other than JSON.',
    })
  })

  it('keeps an A2A error a 4xx names as that error', () => {
    // Act
    const outcome = outcomeOf(
      'JSONRPC',
      '1.0',
      404,
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"gone"}}',
    )

    // Assess
    expect(outcome).toEqual({ error: { code: -32001, message: 'gone' } })
  })
})

describe('the error code a stream’s whole events carry', () => {
  it.each([
    [
      'JSON-RPC, the last of several, CRLF lines',
      'jsonrpc',
      'data: {"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","status":{"state":"TASK_STATE_WORKING"}}}}\r\n\r\ndata: {"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"boom"}}\r\n\r\n',
      -32603,
    ],
    [
      'JSON-RPC, a result that only names "error" in its data',
      'jsonrpc',
      'data: {"jsonrpc":"2.0","id":1,"result":{"message":{"parts":[{"data":{"error":"none"}}]}}}\n\n',
      undefined,
    ],
    [
      'JSON-RPC, an error whose key a letter escape spells (as a client reads it, an error)',
      'jsonrpc',
      'data: {"jsonrpc":"2.0","id":1,"\\u0065rr\\u006Fr":{"code":-32603,"message":"boom"}}\n\n',
      -32603,
    ],
    [
      'HTTP+JSON 1.0, an error event',
      'rest',
      'event: error\ndata: {"error":{"code":500,"status":"INTERNAL","message":"boom"}}\n\n',
      500,
    ],
    [
      'HTTP+JSON 0.3, an error event',
      'rest',
      'event: error\ndata: {"code":-32603,"message":"boom"}\n\n',
      -32603,
    ],
    [
      'HTTP+JSON, a data event that names an error field',
      'rest',
      'data: {"error":{"code":500}}\n\n',
      undefined,
    ],
    [
      'HTTP+JSON, an event named twice, last as an error (its last name is the one a client reads)',
      'rest',
      'event: message\nevent: error\ndata: {"code":-32603,"message":"boom"}\n\n',
      -32603,
    ],
    [
      'HTTP+JSON, an event named twice, last as no error',
      'rest',
      'event: error\nevent: message\ndata: {"code":-32603,"message":"boom"}\n\n',
      undefined,
    ],
  ])('%s', (_what, binding, events, code) => {
    // Act
    const found =
      binding === 'jsonrpc' ? jsonRpcEventsErrorCode(events) : restEventsErrorCode(events)

    // Assess
    expect(found).toBe(code)
  })
})

describe('the error code of a whole JSON-RPC answer', () => {
  it.each([
    ['named as written', '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"boom"}}'],
    [
      'its key spelled with letter escapes, which every JSON reader reads as "error"',
      '{"jsonrpc":"2.0","id":1,"\\u0065rro\\u0072":{"code":-32603,"message":"boom"}}',
    ],
    [
      // fetch's `json()` (@a2a-js/sdk's client) and Python's `json.loads` of bytes (httpx's, so
      // a2a-python's) both drop a byte-order mark before the text
      'opened by a byte-order mark, which a client passes over',
      '\uFEFF{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"boom"}}',
    ],
  ])('is read from an answer %s, as text or bytes', (_what, answer) => {
    // Act
    const codes = [
      jsonRpcErrorCodeOf('JSONRPC', answer),
      jsonRpcErrorCodeOf('JSONRPC', new TextEncoder().encode(answer)),
    ]

    // Assess: the caller's client reads an error; so must the metrics and the access line
    expect(codes).toEqual([-32603, -32603])
  })

  it.each([
    ['no code', '{"message":"boom"}', 'no code'],
    ['a code given as text', '{"code":"-32603","message":"boom"}', 'a code that is no integer'],
    ['a code with a fraction', '{"code":-32603.5,"message":"boom"}', 'a code that is no integer'],
    ['no object', '"boom"', 'no error object'],
    ['null', 'null', 'no error object'],
  ])(
    'says why an error with %s has no code to read, where @a2a-js/sdk’s client throws on any `error` key',
    (_what, error, why) => {
      // Act
      const code = jsonRpcErrorCodeOf('JSONRPC', `{"jsonrpc":"2.0","id":1,"error":${error}}`)

      // Assess: counted as the agent's failure, and the reason on the access line
      expect(code).toBe(why)
    },
  )

  it('reads no error in an answer that names none, whatever its result holds', () => {
    // Act
    const code = jsonRpcErrorCodeOf(
      'JSONRPC',
      '{"jsonrpc":"2.0","id":1,"result":{"error":{"message":"in a part"}}}',
    )

    // Assess
    expect(code).toBeUndefined()
  })
})
