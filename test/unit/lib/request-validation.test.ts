import { describe, expect, it } from 'vitest'
import { paramsViolations } from '../../../lib/a2a/params.ts'
import { parseA2ARequest } from '../../../lib/a2a/request.ts'

/** A2A 1.0 validation of what a caller sends, before anything is forwarded. */

const message = { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] }
const bogusParts = Array.from({ length: 100_000 }, () => ({ bogus: 1 }))

const jsonRpcCall = (method: string, params: unknown, id: unknown = 7) =>
  parseA2ARequest({
    agentId: 'weather',
    method: 'POST',
    subPath: '',
    body: JSON.stringify(
      params === undefined
        ? { jsonrpc: '2.0', id, method }
        : { jsonrpc: '2.0', id, method, params },
    ),
  })

const restCall = (method: string, subPath: string, query?: string, body?: unknown) =>
  parseA2ARequest({
    agentId: 'weather',
    method,
    subPath,
    ...(query ? { query } : {}),
    body: body === undefined ? null : JSON.stringify(body),
  })

describe('A2A 1.0 params over JSON-RPC', () => {
  it.each([
    [
      'a negative historyLength',
      'GetTask',
      { id: 't-1', historyLength: -1 },
      'params.historyLength must be a non-negative integer, got -1',
    ],
    [
      'a fractional historyLength',
      'GetTask',
      { id: 't-1', historyLength: 2.5 },
      'params.historyLength must be a non-negative integer, got 2.5',
    ],
    [
      'a negative historyLength on ListTasks',
      'ListTasks',
      { historyLength: -1 },
      'params.historyLength must be a non-negative integer, got -1',
    ],
    [
      'a negative historyLength in the send configuration',
      'SendMessage',
      { message, configuration: { historyLength: -3 } },
      'params.configuration.historyLength must be a non-negative integer, got -3',
    ],
    [
      'a timestamp that is not RFC 3339',
      'ListTasks',
      { statusTimestampAfter: '-1' },
      'params.statusTimestampAfter must be an RFC 3339 timestamp such as 2023-10-27T10:00:00Z, got "-1"',
    ],
    [
      'a timestamp without its offset',
      'ListTasks',
      { statusTimestampAfter: '2023-10-27T10:00:00' },
      'params.statusTimestampAfter must be an RFC 3339 timestamp such as 2023-10-27T10:00:00Z, got "2023-10-27T10:00:00"',
    ],
    [
      'a pageSize of 0',
      'ListTasks',
      { pageSize: 0 },
      'params.pageSize must be an integer from 1 to 100, got 0',
    ],
    [
      'a pageSize over 100',
      'ListTasks',
      { pageSize: 101 },
      'params.pageSize must be an integer from 1 to 100, got 101',
    ],
    [
      'a negative pageSize',
      'ListTasks',
      { pageSize: -1 },
      'params.pageSize must be an integer from 1 to 100, got -1',
    ],
    [
      'a status that is no task state',
      'ListTasks',
      { status: 'TASK_STATE_RUNNING' },
      'params.status must be one of TASK_STATE_UNSPECIFIED, TASK_STATE_SUBMITTED, TASK_STATE_WORKING, TASK_STATE_COMPLETED, TASK_STATE_FAILED, TASK_STATE_CANCELED, TASK_STATE_INPUT_REQUIRED, TASK_STATE_REJECTED, TASK_STATE_AUTH_REQUIRED, got "TASK_STATE_RUNNING"',
    ],
    [
      'includeArtifacts that is not a boolean',
      'ListTasks',
      { includeArtifacts: 'yes' },
      'params.includeArtifacts must be true or false, got "yes"',
    ],
    [
      'a message without messageId, role or parts',
      'SendMessage',
      { message: { kind: 'message' } },
      'params.message.messageId is required; params.message.role is required; params.message.parts is required',
    ],
    ['no message at all', 'SendMessage', { '': 'not_a_dict' }, 'params.message is required'],
    [
      'parts that are not an array',
      'SendMessage',
      { message: { ...message, parts: 'invalid' } },
      'params.message.parts must be an array of parts, got "invalid"',
    ],
    [
      'an empty parts array',
      'SendStreamingMessage',
      { message: { ...message, parts: [] } },
      'params.message.parts must hold at least one part, got an empty array',
    ],
    [
      'a part of an unknown kind',
      'SendMessage',
      { message: { ...message, parts: [{ kind: 'file', file: { uri: 'x' } }] } },
      'params.message.parts[0] must carry exactly one of text, raw, url or data, got an object with kind, file',
    ],
    [
      'a part with two contents',
      'SendMessage',
      { message: { ...message, parts: [{ text: 'a' }, { text: 'b', url: 'https://x' }] } },
      'params.message.parts[1] must carry exactly one of text, raw, url or data, got an object with text, url',
    ],
    [
      'a text part whose text is not a string',
      'SendMessage',
      { message: { ...message, parts: [{ text: 42 }] } },
      'params.message.parts[0].text must be a string, got 42',
    ],
    [
      'raw bytes that are not base64',
      'SendMessage',
      { message: { ...message, parts: [{ raw: 'not base64!' }] } },
      'params.message.parts[0].raw must be base64-encoded bytes, got "not base64!"',
    ],
    [
      'a role A2A 1.0 does not name',
      'SendMessage',
      { message: { ...message, role: 'user' } },
      'params.message.role must be one of ROLE_USER, ROLE_AGENT, got "user"',
    ],
    [
      'metadata that is not an object',
      'SendMessage',
      { message, metadata: 'x' },
      'params.metadata must be an object, got "x"',
    ],
    [
      'a message taskId that is not a string',
      'SendMessage',
      { message: { ...message, taskId: 5 } },
      'params.message.taskId must be a string, got 5',
    ],
    [
      'returnImmediately that is not a boolean',
      'SendMessage',
      { message, configuration: { returnImmediately: 'yes' } },
      'params.configuration.returnImmediately must be true or false, got "yes"',
    ],
    [
      'a task id that is a number',
      'GetTask',
      { id: 12345 },
      'params.id must be a non-empty string, got 12345',
    ],
    [
      'a task id that is an object',
      'CancelTask',
      { id: { invalid: 'object' } },
      'params.id must be a non-empty string, got an object with invalid',
    ],
    ['an empty task id', 'GetTask', { id: '' }, 'params.id must be a non-empty string, got ""'],
    ['no task id', 'SubscribeToTask', {}, 'params.id is required'],
    ['no params where a task id is needed', 'GetTask', undefined, 'params.id is required'],
    [
      'a push config without its url',
      'CreateTaskPushNotificationConfig',
      { taskId: 't-1' },
      'params.url is required',
    ],
    [
      'a push config whose url is not absolute',
      'CreateTaskPushNotificationConfig',
      { taskId: 't-1', url: 'hooks/a2a' },
      'params.url must be an absolute URL, got "hooks/a2a"',
    ],
    [
      'a push config naming no task',
      'CreateTaskPushNotificationConfig',
      { url: 'https://client.example.com/hook' },
      'params.taskId is required',
    ],
    [
      'a push config read with a numeric task id',
      'GetTaskPushNotificationConfig',
      { taskId: 5, id: 'c-1' },
      'params.taskId must be a non-empty string, got 5',
    ],
    [
      'a negative push config pageSize',
      'ListTaskPushNotificationConfigs',
      { taskId: 't-1', pageSize: -1 },
      'params.pageSize must be a non-negative integer, got -1',
    ],
    ['params given as an array', 'GetTask', ['t-1'], 'params must be an object, got an array'],
  ])('refuses %s with -32602 naming the field', (_what, method, params, text) => {
    // Act
    const parsed = jsonRpcCall(method, params)

    // Assess
    expect(parsed).toMatchObject({
      kind: 'invalid',
      binding: 'JSONRPC',
      jsonRpcId: 7,
      failure: { kind: 'invalid-params', message: text },
    })
  })

  it.each([
    ['a text message as the SDK client sends it', 'SendMessage', { message }],
    [
      'every kind of part',
      'SendStreamingMessage',
      {
        message: {
          ...message,
          parts: [
            { text: 'a', mediaType: 'text/plain' },
            { raw: 'aGk=', filename: 'hi.txt' },
            { url: 'https://files.example.com/a.pdf', mediaType: 'application/pdf' },
            { data: { city: 'Tokyo' }, metadata: { skillId: 'get_weather' } },
          ],
        },
        configuration: { acceptedOutputModes: ['text/plain'], historyLength: 0 },
        metadata: {},
      },
    ],
    [
      'proto JSON field names in snake case',
      'SendMessage',
      {
        message: {
          message_id: 'm',
          role: 'ROLE_USER',
          parts: [{ text: 'hi', media_type: 'text/plain' }],
        },
      },
    ],
    ['a role as its enum number', 'SendMessage', { message: { ...message, role: 1 } }],
    ['an int32 written as a decimal string', 'GetTask', { id: 't-1', historyLength: '3' }],
    ['null for an optional field', 'GetTask', { id: 't-1', historyLength: null }],
    ['a field A2A does not define', 'GetTask', { id: 't-1', invalid_extra_param: 'x' }],
    [
      'fields A2A does not define named after Object.prototype’s methods',
      'GetTask',
      { id: 't-1', to_string: 'x', value_of: 'y', has_own_property: 'z' },
    ],
    [
      'every ListTasks filter',
      'ListTasks',
      {
        contextId: 'c-1',
        status: 'TASK_STATE_WORKING',
        pageSize: 100,
        pageToken: 'abc',
        historyLength: 0,
        statusTimestampAfter: '2025-11-09T10:30:00.123456789+02:00',
        includeArtifacts: true,
      },
    ],
    ['a status as its enum number', 'ListTasks', { status: 2 }],
    ['no params where none is needed', 'ListTasks', undefined],
    ['no params for the extended card', 'GetExtendedAgentCard', undefined],
    [
      'a push config with authentication',
      'CreateTaskPushNotificationConfig',
      {
        taskId: 't-1',
        url: 'https://client.example.com/hook',
        token: 'tok',
        authentication: { scheme: 'Bearer', credentials: 'secret' },
      },
    ],
    ['a push config read', 'GetTaskPushNotificationConfig', { taskId: 't-1', id: 'c-1' }],
  ])('passes %s', (_what, method, params) => {
    // Act
    const parsed = jsonRpcCall(method, params)

    // Assess
    expect(parsed).toMatchObject({ kind: 'call', call: { operation: method, version: '1.0' } })
  })

  it.each([
    ['message/send', { message: { kind: 'message', parts: [{ kind: 'text', text: 'hi' }] } }],
    ['tasks/get', { id: 't-1', historyLength: -1 }],
  ])('passes the 0.3 method %s on as it came, unchecked', (method, params) => {
    // Act
    const parsed = jsonRpcCall(method, params)

    // Assess
    expect(parsed).toMatchObject({ kind: 'call', call: { version: '0.3' } })
  })

  it('passes a skill call whatever its params', () => {
    // Act
    const parsed = jsonRpcCall('get_weather', { city: 42, historyLength: -1 })

    // Assess
    expect(parsed).toMatchObject({ kind: 'call', call: { skill: { id: 'get_weather' } } })
  })

  it.each([
    ['GetTask', { id: 't-1', historyLength: 1, history_length: -5 }, 'historyLength'],
    [
      'SendMessage',
      { message: { ...message, context_id: 'c-2', contextId: 'c-1' } },
      'message.contextId',
    ],
  ])(
    'refuses %s giving one field under both names with different values, naming it',
    (method, params, field) => {
      // Act
      const parsed = jsonRpcCall(method, params)

      // Assess: an agent's parser takes one or refuses both; nobody can tell which.
      expect(parsed).toMatchObject({
        failure: {
          violations: [
            {
              field,
              description: expect.stringMatching(
                /^is given twice, as \w+ \(.+\) and \w+ \(.+\): give one$/,
              ),
            },
          ],
        },
      })
    },
  )

  it('passes one field given under both names with the same value', () => {
    // Act
    const parsed = jsonRpcCall('GetTask', { id: 't-1', historyLength: 2, history_length: 2 })

    // Assess
    expect(parsed).toMatchObject({ kind: 'call', call: { operation: 'GetTask' } })
  })

  it.each([
    ['GetTask', { id: 't-1', history_length: -5 }, 'historyLength'],
    [
      'SendMessage',
      { message: { ...message, parts: [{ text: 'hi', media_type: 5 }] } },
      'message.parts[0].mediaType',
    ],
  ])(
    'checks %s fields given only by their proto names as the fields they are',
    (method, params, field) => {
      // Act
      const parsed = jsonRpcCall(method, params)

      // Assess: the agent reads them, so the gateway checks them.
      expect(parsed).toMatchObject({ failure: { violations: [{ field }] } })
    },
  )

  it('names the fields it refuses as google.rpc.BadRequest field violations', () => {
    // Act
    const parsed = jsonRpcCall('ListTasks', { pageSize: 0, historyLength: -1 })

    // Assess
    expect(parsed).toMatchObject({
      failure: {
        violations: [
          { field: 'pageSize', description: 'must be an integer from 1 to 100, got 0' },
          { field: 'historyLength', description: 'must be a non-negative integer, got -1' },
        ],
      },
    })
  })
})

describe('a call with very many wrong fields', () => {
  it.each([
    ['JSON-RPC', () => jsonRpcCall('SendMessage', { message: { ...message, parts: bogusParts } })],
    [
      'HTTP+JSON',
      () =>
        restCall('POST', '/message:send', undefined, {
          message: { ...message, parts: bogusParts },
        }),
    ],
  ])(
    'is refused over %s by its first ten, saying there are more, in an answer of a few KB',
    (_binding, call) => {
      // Act: 100,000 parts of 12 bytes each were refused with 100,000 sentences, listed twice (the
      // message and the field violations): a 5.8 MB request got a 110 MB answer, which the laptop
      // gateway spent 25 s and 1.2 GB building, and which no limit counted.
      const parsed = call()

      // Assess
      expect(parsed).toMatchObject({ kind: 'invalid', failure: { kind: 'invalid-params' } })
      const failure = (parsed as { failure: { message: string; violations: unknown[] } }).failure
      expect(failure.violations).toHaveLength(10)
      expect(failure.violations[9]).toMatchObject({ field: 'message.parts[9]' })
      expect(failure.message).toMatch(/parts\[9\] must carry exactly one of .*; and more$/)
      expect(JSON.stringify(failure).length).toBeLessThan(4096)
    },
  )
})

describe("a message's parts", () => {
  it('are read only until one more is wrong than a refusal lists', () => {
    // Arrange: read to the end, 480,000 wrong parts (5.8 MB) took 2.7 s and 600 MB of issues.
    let furthestRead = -1
    const parts = new Proxy(bogusParts, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) {
          furthestRead = Math.max(furthestRead, Number(key))
        }
        return Reflect.get(target, key, receiver)
      },
    })

    // Act
    const violations = paramsViolations('SendMessage', { message: { ...message, parts } })

    // Assess: the eleventh wrong part (parts[10]) says there are more than ten.
    expect(furthestRead).toBe(10)
    expect(violations).toHaveLength(11)
    expect(violations.at(-1)).toMatchObject({ field: 'message.parts[10]' })
  })

  it('are all read when they are valid, or wrong in no more than ten', () => {
    // Arrange
    const parts = Array.from({ length: 50 }, (_, index) =>
      index % 5 === 0 ? { text: index } : { text: `part ${index}` },
    )

    // Act
    const violations = paramsViolations('SendMessage', { message: { ...message, parts } })

    // Assess
    expect(violations.map(({ field }) => field)).toEqual(
      [0, 5, 10, 15, 20, 25, 30, 35, 40, 45].map((index) => `message.parts[${index}].text`),
    )
  })

  it.each([
    ['missing', undefined, 'message.parts is required'],
    ['empty', [], 'message.parts must hold at least one part, got an empty array'],
    [
      'not an array',
      { text: 'hi' },
      'message.parts must be an array of parts, got an object with text',
    ],
  ])('are refused when %s', (_what, parts, expected) => {
    // Act
    const violations = paramsViolations('SendMessage', { message: { ...message, parts } })

    // Assess
    expect(violations.map(({ field, description }) => `${field} ${description}`)).toEqual([
      expected,
    ])
  })
})

describe('the JSON-RPC envelope', () => {
  it('refuses a batch, saying batches are not served, where it said the request needs a method', () => {
    // Act
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '',
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 't-1' } },
        { jsonrpc: '2.0', id: 2, method: 'GetTask', params: { id: 't-2' } },
      ]),
    })

    // Assess
    expect(parsed).toEqual({
      kind: 'invalid',
      binding: 'JSONRPC',
      jsonRpcId: null,
      failure: {
        kind: 'invalid-request',
        message: 'JSON-RPC batches are not served: send each request in a call of its own.',
      },
    })
  })

  it.each([
    ['an object', { bad: 'type' }],
    ['an array', [1]],
    ['a boolean', true],
  ])('refuses an id that is %s with -32600, answering with a null id', (_what, id) => {
    // Act
    const parsed = jsonRpcCall('SendMessage', { message }, id)

    // Assess
    expect(parsed).toMatchObject({
      kind: 'invalid',
      jsonRpcId: null,
      failure: {
        kind: 'invalid-request',
        message: 'The JSON-RPC id must be a string, a number or null.',
      },
    })
  })

  it('refuses params that are neither object nor array with -32600, echoing the id', () => {
    // Act
    const parsed = jsonRpcCall('GetTask', 't-1')

    // Assess
    expect(parsed).toMatchObject({
      kind: 'invalid',
      jsonRpcId: 7,
      failure: {
        kind: 'invalid-request',
        message: 'JSON-RPC params must be an object (or an array), got "t-1".',
      },
    })
  })

  it('refuses a request that is not a JSON object with -32600', () => {
    // Act
    const parsed = parseA2ARequest({ agentId: 'weather', method: 'POST', subPath: '', body: '[]' })

    // Assess
    expect(parsed).toMatchObject({ kind: 'invalid', failure: { kind: 'invalid-request' } })
  })

  it('takes a string, a number or a null id', () => {
    // Act
    const ids = ['a', 1, null].map((id) => jsonRpcCall('GetTask', { id: 't-1' }, id))

    // Assess
    expect(ids.map((parsed) => parsed.kind)).toEqual(['call', 'call', 'call'])
  })
})

describe('A2A 1.0 params over HTTP+JSON, from path, query and body', () => {
  it.each([
    [
      'a negative historyLength in the query',
      'GET',
      '/tasks/t-1',
      'historyLength=-1',
      undefined,
      'historyLength must be a non-negative integer, got "-1"',
    ],
    [
      'a pageSize that is no number',
      'GET',
      '/tasks',
      'pageSize=abc',
      undefined,
      'pageSize must be an integer from 1 to 100, got "abc"',
    ],
    [
      'a pageSize over 100',
      'GET',
      '/tasks',
      'pageSize=101',
      undefined,
      'pageSize must be an integer from 1 to 100, got "101"',
    ],
    [
      'a timestamp that is not RFC 3339',
      'GET',
      '/tasks',
      'statusTimestampAfter=-1',
      undefined,
      'statusTimestampAfter must be an RFC 3339 timestamp such as 2023-10-27T10:00:00Z, got "-1"',
    ],
    [
      'a status that is no task state',
      'GET',
      '/tasks',
      'status=TASK_STATE_RUNNING',
      undefined,
      'status must be one of TASK_STATE_UNSPECIFIED, TASK_STATE_SUBMITTED, TASK_STATE_WORKING, TASK_STATE_COMPLETED, TASK_STATE_FAILED, TASK_STATE_CANCELED, TASK_STATE_INPUT_REQUIRED, TASK_STATE_REJECTED, TASK_STATE_AUTH_REQUIRED, got "TASK_STATE_RUNNING"',
    ],
    [
      'a status number that is no task state',
      'GET',
      '/tasks',
      'status=99',
      undefined,
      'status must be one of TASK_STATE_UNSPECIFIED, TASK_STATE_SUBMITTED, TASK_STATE_WORKING, TASK_STATE_COMPLETED, TASK_STATE_FAILED, TASK_STATE_CANCELED, TASK_STATE_INPUT_REQUIRED, TASK_STATE_REJECTED, TASK_STATE_AUTH_REQUIRED, got 99',
    ],
    [
      'includeArtifacts that is neither true nor false',
      'GET',
      '/tasks',
      'includeArtifacts=yes',
      undefined,
      'includeArtifacts must be true or false, got "yes"',
    ],
    [
      'a query parameter given twice',
      'GET',
      '/tasks',
      'pageSize=1&pageSize=2',
      undefined,
      'pageSize is given 2 times in the query; give it once',
    ],
    [
      'a query parameter given by both its names',
      'GET',
      '/tasks',
      'pageSize=1&page_size=2',
      undefined,
      'pageSize is given 2 times in the query; give it once',
    ],
    [
      "an AWS signature's query parameter",
      'GET',
      '/tasks',
      'pageSize=5&X-Amz-Security-Token=zz',
      undefined,
      "X-Amz-Security-Token is AWS's request signing's (SigV4 in the query), no A2A field; the gateway signs what it sends itself",
    ],
    [
      'a negative push config pageSize',
      'GET',
      '/tasks/t-1/pushNotificationConfigs',
      'pageSize=-1',
      undefined,
      'pageSize must be a non-negative integer, got "-1"',
    ],
    [
      'a message without messageId, role or parts',
      'POST',
      '/message:send',
      undefined,
      { message: { kind: 'message' } },
      'message.messageId is required; message.role is required; message.parts is required',
    ],
    [
      'a part of an unknown kind',
      'POST',
      '/message:stream',
      undefined,
      { message: { ...message, parts: [{ kind: 'text', text: 'hi' }, { kind: 'file' }] } },
      'message.parts[1] must carry exactly one of text, raw, url or data, got an object with kind',
    ],
    ['a send with no body', 'POST', '/message:send', undefined, undefined, 'message is required'],
    [
      'a body that is not an object',
      'POST',
      '/message:send',
      undefined,
      [message],
      'The request body must be a JSON object, got an array',
    ],
    [
      'a push config without its url',
      'POST',
      '/tasks/t-1/pushNotificationConfigs',
      undefined,
      { token: 'tok' },
      'url is required',
    ],
    [
      'a body naming another task than the path',
      'POST',
      '/tasks/t-1/pushNotificationConfigs',
      undefined,
      { taskId: 't-2', url: 'https://client.example.com/hook' },
      'taskId must match the path\'s "t-1", got "t-2"',
    ],
    [
      "an AWS signature's query parameter, its name escaped",
      'GET',
      '/tasks',
      'X%2DAmz%2DCredential=abc',
      undefined,
      "X-Amz-Credential is AWS's request signing's (SigV4 in the query), no A2A field; the gateway signs what it sends itself",
    ],
    [
      "an AWS signature's query parameter in a 0.3 read",
      'GET',
      '/v1/tasks/t-1',
      'x-amz-signature=abc',
      undefined,
      "x-amz-signature is AWS's request signing's (SigV4 in the query), no A2A field; the gateway signs what it sends itself",
    ],
    [
      'a tenant-prefixed read with a negative historyLength',
      'GET',
      '/acme/tasks/t-1',
      'historyLength=-2',
      undefined,
      'historyLength must be a non-negative integer, got "-2"',
    ],
  ])('refuses %s with a 400 naming the field', (_what, method, subPath, query, body, text) => {
    // Act
    const parsed = restCall(method, subPath, query, body)

    // Assess
    expect(parsed).toMatchObject({
      kind: 'invalid',
      binding: 'HTTP+JSON',
      failure: { kind: 'invalid-params', message: text },
    })
  })

  it.each([
    [
      'every ListTasks filter, as the SDK client writes them',
      'GET',
      '/tasks',
      'contextId=c-1&status=TASK_STATE_WORKING&pageSize=10&pageToken=abc&historyLength=0&statusTimestampAfter=2025-11-09T10%3A30%3A00Z&includeArtifacts=false',
      undefined,
    ],
    ['a task read with its history length', 'GET', '/tasks/t-1', 'historyLength=3', undefined],
    [
      'a status given by its number, as ProtoJSON and the SDK’s REST server read it',
      'GET',
      '/tasks',
      'status=2',
      undefined,
    ],
    [
      'ListTasks filters spelled by their proto names, as ProtoJSON allows',
      'GET',
      '/tasks',
      'page_size=10&include_artifacts=false&history_length=0',
      undefined,
    ],
    ['a query parameter A2A does not define', 'GET', '/tasks/t-1', 'trace=on', undefined],
    ['a cancel without a body', 'POST', '/tasks/t-1:cancel', undefined, undefined],
    ['a subscription by GET', 'GET', '/tasks/t-1:subscribe', undefined, undefined],
    ['a text message', 'POST', '/message:send', undefined, { message }],
    [
      'a push config naming its task in path and body alike, as the SDK client sends it',
      'POST',
      '/acme/tasks/t-1/pushNotificationConfigs',
      undefined,
      { tenant: 'acme', taskId: 't-1', url: 'https://client.example.com/hook' },
    ],
    [
      'a push config whose task is in the path only',
      'POST',
      '/tasks/t-1/pushNotificationConfigs',
      undefined,
      { url: 'https://client.example.com/hook' },
    ],
    ['a push config read', 'GET', '/tasks/t-1/pushNotificationConfigs/c-1', undefined, undefined],
    ['the extended card', 'GET', '/extendedAgentCard', undefined, undefined],
    ['a 0.3 read, unchecked', 'GET', '/v1/tasks/t-1', 'historyLength=-1', undefined],
  ])('passes %s', (_what, method, subPath, query, body) => {
    // Act
    const parsed = restCall(method, subPath, query, body)

    // Assess
    expect(parsed).toMatchObject({ kind: 'call', call: { binding: 'HTTP+JSON' } })
  })
})
