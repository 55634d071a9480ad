import { describe, expect, it } from 'vitest'
import { duplicateKey } from '../../../lib/a2a/duplicate-keys.ts'
import { jsonRpcIdOf, maxRequestDepth, parseA2ARequest } from '../../../lib/a2a/request.ts'

const message = { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] }

describe('duplicateKey', () => {
  it.each([
    ['the method named twice', '{"method":"SendMessage","method":"GetTask"}', 'method'],
    ['a key spelled with an escape', '{"id":1,"\\u0069d":2}', 'id'],
    ['a repeated key in params', '{"params":{"id":"a","id":"b"}}', 'id'],
    ['a repeated key deep in an array', '{"a":[1,{"b":{"c":1,"c":2}}]}', 'c'],
    ['a repeated key after an empty object', '{"a":{},"a":1}', 'a'],
  ])('finds %s', (_what, json, key) => {
    // Act
    const found = duplicateKey(json)

    // Assess
    expect(found).toEqual({ key, first: key })
  })

  it.each([
    [
      'the method in another case',
      '{"method":"ListTasks","Method":"SendMessage"}',
      'Method',
      'method',
    ],
    [
      'a task id with a long s, which Go folds onto s',
      '{"taskId":"a","ta\u017fkId":"b"}',
      'taſkId',
      'taskId',
    ],
    ['a task id with a Kelvin sign', '{"TAS\u212aID":"a","taskId":"b"}', 'taskId', 'TAS\u212aID'],
  ])(
    'finds %s, a key Go’s encoding/json (a2a-go) reads as the same field',
    (_what, json, key, first) => {
      // Act
      const found = duplicateKey(json)

      // Assess
      expect(found).toEqual({ key, first })
    },
  )

  it.each([
    ['metadata', '{"message":{"metadata":{"ID":1,"id":2}}}'],
    ['a data part, nested', '{"parts":[{"data":{"rows":[{"Name":"a","name":"b"}]}}]}'],
    ['a 0.3 data part', '{"parts":[{"kind":"data","data":{"Key":1,"key":2}}]}'],
  ])(
    'finds nothing in keys of %s that differ only in case: free-form JSON, read into a map by Go too',
    (_where, json) => {
      // Act
      const found = duplicateKey(json)

      // Assess
      expect(found).toBeUndefined()
    },
  )

  it('still finds a key given twice in free-form JSON, and fields in another case beside it', () => {
    // Assess
    expect(duplicateKey('{"metadata":{"id":1,"id":2}}')).toEqual({ key: 'id', first: 'id' })
    expect(duplicateKey('{"metadata":{},"Metadata":{}}')).toEqual({
      key: 'Metadata',
      first: 'metadata',
    })
    expect(duplicateKey('{"data":{"a":1},"taskId":"x","TaskId":"y"}')).toEqual({
      key: 'TaskId',
      first: 'taskId',
    })
  })

  it.each([
    ['keys that repeat only across objects', '{"a":{"b":1},"c":{"b":2},"d":[{"b":3}]}'],
    ['keys and braces inside string values', '{"a":"{\\"a\\":1,","b":"\\\\","c":"}]"}'],
    ['keys that differ only by an escape that JSON reads apart', '{"a\\"":1,"a":2}'],
    ['no object at all', '["a","a"]'],
  ])('finds nothing in %s', (_what, json) => {
    // Act
    const found = duplicateKey(json)

    // Assess
    expect(found).toBeUndefined()
  })

  it('reads a nesting far deeper than a recursive reader could', () => {
    // Prepare
    const json = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`

    // Act
    const found = duplicateKey(json)

    // Assess
    expect(found).toBeUndefined()
  })
})

describe('parseA2ARequest', () => {
  /** A message whose metadata nests `levels` lists deep. */
  const nestedMessage = (levels: number) => ({
    messageId: 'm',
    role: 'ROLE_USER',
    parts: [{ text: 'hi' }],
    metadata: { deep: JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`) },
  })

  /** A SendMessage over each binding: its sub-path, and its body for a message. */
  const sendsOverEitherBinding: [string, string, (message: unknown) => unknown][] = [
    [
      'JSON-RPC',
      '',
      (message) => ({ jsonrpc: '2.0', id: 4, method: 'SendMessage', params: { message } }),
    ],
    ['HTTP+JSON', '/message:send', (message) => ({ message })],
  ]

  it('refuses a JSON-RPC envelope with a member nested deeper than params may be', () => {
    // Act
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '',
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'SendMessage',
        params: { message: nestedMessage(1) },
        extra: JSON.parse(`${'['.repeat(5_000)}${']'.repeat(5_000)}`),
      }),
    })

    // Assess
    expect(parsed).toMatchObject({
      kind: 'invalid',
      jsonRpcId: 4,
      failure: { kind: 'invalid-request' },
    })
  })

  it.each(sendsOverEitherBinding)(
    'refuses a %s body nested deeper than it may be as an invalid request saying so',
    (_, subPath, bodyOf) => {
      // Act
      const parsed = parseA2ARequest({
        agentId: 'weather',
        method: 'POST',
        subPath,
        body: JSON.stringify(bodyOf(nestedMessage(5_000))),
      })

      // Assess
      expect(parsed).toMatchObject({
        kind: 'invalid',
        failure: {
          kind: 'invalid-request',
          message: `The request body nests deeper than ${maxRequestDepth} levels.`,
        },
      })
    },
  )

  it.each(sendsOverEitherBinding)(
    'takes %s params nested as deep as they may be, and not a level more',
    (_, subPath, bodyOf) => {
      // Prepare: the params, the message and its metadata are three levels; the lists fill the rest
      const parse = (levels: number) =>
        parseA2ARequest({
          agentId: 'weather',
          method: 'POST',
          subPath,
          body: JSON.stringify(bodyOf(nestedMessage(levels))),
        }).kind

      // Act and assess
      expect(parse(maxRequestDepth - 3)).toBe('call')
      expect(parse(maxRequestDepth - 2)).toBe('invalid')
    },
  )

  it('refuses a JSON-RPC body that names the method twice as an invalid request, echoing the id', () => {
    // Act
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '',
      body: `{"jsonrpc":"2.0","id":5,"method":"SendMessage","method":"GetTask","params":{"id":"t"}}`,
    })

    // Assess
    expect(parsed).toEqual({
      kind: 'invalid',
      binding: 'JSONRPC',
      jsonRpcId: 5,
      failure: {
        kind: 'invalid-request',
        message: 'The request body names "method" twice in one object; each key may appear once.',
      },
    })
  })

  it.each([
    [
      'Params',
      '{"jsonrpc":"2.0","id":5,"method":"message/send","Params":{"message":{"messageId":"m","role":"user","parts":[],"taskId":"theirs"}}}',
    ],
    ['PARAMS', '{"jsonrpc":"2.0","id":5,"method":"tasks/get","PARAMS":{"id":"theirs"}}'],
    [
      'param\u017f',
      '{"jsonrpc":"2.0","id":5,"method":"message/send","param\u017f":{"message":{"taskId":"theirs"}}}',
    ],
  ])(
    'refuses a 0.3 JSON-RPC body whose params are spelled %s, which a2a-go reads as its params and the gateway as none',
    (spelling, body) => {
      // Act: 0.3 calls go on as they came, so nothing else asks for params
      const parsed = parseA2ARequest({ agentId: 'weather', method: 'POST', subPath: '', body })

      // Assess
      expect(parsed).toMatchObject({
        kind: 'invalid',
        jsonRpcId: 5,
        failure: {
          kind: 'invalid-request',
          message: expect.stringContaining(
            `'${JSON.parse(`"${spelling}"`)}' is spelled otherwise than`,
          ),
        },
      })
    },
  )

  it('refuses a JSON-RPC body whose params name a task id twice', () => {
    // Act
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '',
      body: `{"jsonrpc":"2.0","id":5,"method":"GetTask","params":{"id":"mine","id":"theirs"}}`,
    })

    // Assess
    expect(parsed).toMatchObject({ kind: 'invalid', failure: { kind: 'invalid-request' } })
  })

  it('refuses an HTTP+JSON body with a repeated key', () => {
    // Act
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '/message:send',
      body: `{"message":{"taskId":"mine","taskId":"theirs"}}`,
    })

    // Assess
    expect(parsed).toMatchObject({
      kind: 'invalid',
      binding: 'HTTP+JSON',
      failure: { kind: 'invalid-request' },
    })
  })

  it.each([
    ['1.0', '/message:send', undefined],
    ['0.3', '/v1/message:send', '0.3'],
  ])(
    'refuses a %s HTTP+JSON call whose body is a JSON-RPC request, saying where JSON-RPC goes',
    (version, subPath, a2aVersion) => {
      // Prepare: the Quick start's JSON-RPC body, sent to the HTTP+JSON path of the stream example.
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: { message },
      })

      // Act
      const parsed = parseA2ARequest({
        agentId: 'weather',
        method: 'POST',
        subPath,
        body,
        a2aVersion,
      })

      // Assess
      expect(parsed).toEqual({
        kind: 'invalid',
        binding: 'HTTP+JSON',
        failure: {
          kind: 'invalid-request',
          message: `POST ${subPath} is the HTTP+JSON binding, and this body is a JSON-RPC request: POST it to the agent's own address (not a path below it), or send its params alone here.`,
        },
        version,
      })
    },
  )

  it('refuses an HTTP+JSON body posted to the agent itself, saying where HTTP+JSON calls go', () => {
    // Act: the Quick start's stream body, sent where its JSON-RPC call goes.
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '',
      body: JSON.stringify({ message }),
    })

    // Assess
    expect(parsed).toMatchObject({
      kind: 'invalid',
      binding: 'JSONRPC',
      failure: {
        kind: 'invalid-request',
        message:
          'A JSON-RPC request needs "jsonrpc": "2.0" and a string "method" (an HTTP+JSON call goes to a path below the agent, such as …/message:send).',
      },
    })
  })

  it('forwards an HTTP+JSON call whose params carry a stray `jsonrpc` member beside their `message`, as any other member', () => {
    // Prepare: no method, so no JSON-RPC request; a member the gateway does not know passes as before.
    const body = JSON.stringify({ message, jsonrpc: '2.0' })

    // Act
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '/message:send',
      body,
    })

    // Assess
    expect(parsed).toMatchObject({ kind: 'call', call: { operation: 'SendMessage', body } })
  })

  it('keeps the body as it came on the call, for forwarding byte for byte', () => {
    // Prepare
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: { message },
    })

    // Act
    const parsed = parseA2ARequest({ agentId: 'weather', method: 'POST', subPath: '', body })

    // Assess
    expect(parsed).toMatchObject({ kind: 'call', call: { body, binding: 'JSONRPC', jsonRpcId: 1 } })
  })

  it.each([
    ['GET', '/tasks/t-1', 'GetTask'],
    ['GET', '/tasks', 'ListTasks'],
    ['DELETE', '/tasks/t-1/pushNotificationConfigs/c-1', 'DeleteTaskPushNotificationConfig'],
  ])('refuses a %s %s that carries a body, saying so', (method, subPath, operation) => {
    // Act
    const parsed = parseA2ARequest({ agentId: 'weather', method, subPath, body: '{}' })

    // Assess
    expect(parsed).toEqual({
      kind: 'invalid',
      binding: 'HTTP+JSON',
      failure: {
        kind: 'invalid-request',
        message: `A ${method} request carries no body, and this one has one: send ${operation} without it.`,
      },
      version: '1.0',
    })
  })

  it('refuses a card request that carries a body', () => {
    // Act
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'GET',
      subPath: '/.well-known/agent-card.json',
      body: 'x',
    })

    // Assess
    expect(parsed).toMatchObject({ kind: 'invalid', failure: { kind: 'invalid-request' } })
  })

  it.each([
    ['%ZZ', '%ZZ'],
    ['%41', '%41'],
    ['acme', 'acme'],
  ])('takes the tenant segment %s as it came, decoded once already', (segment, tenant) => {
    // Act
    const parsed = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: `/${segment}/message:send`,
      body: JSON.stringify({ message }),
    })

    // Assess
    expect(parsed).toMatchObject({ kind: 'call', call: { operation: 'SendMessage', tenant } })
  })

  describe('a call whose A2A-Version names the other version than its method or path', () => {
    const legacyMessage = { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'hi' }] }

    it.each([
      [
        'a 0.3 JSON-RPC method under A2A-Version 1.0',
        { method: 'POST', subPath: '', a2aVersion: '1.0' },
        { jsonrpc: '2.0', id: 7, method: 'message/send', params: { message: legacyMessage } },
        'A2A-Version says 1.0, but "message/send" is an A2A 0.3 method; 1.0 calls it "SendMessage".',
      ],
      [
        'a 1.0 JSON-RPC method under A2A-Version 0.3',
        { method: 'POST', subPath: '', a2aVersion: '0.3' },
        { jsonrpc: '2.0', id: 7, method: 'GetTask', params: { id: 't-1' } },
        'A2A-Version says 0.3, but "GetTask" is an A2A 1.0 method; 0.3 calls it "tasks/get".',
      ],
      [
        'a 1.0 JSON-RPC method 0.3 never had, under A2A-Version 0.2',
        { method: 'POST', subPath: '', a2aVersion: '0.2' },
        { jsonrpc: '2.0', id: 7, method: 'ListTasks', params: {} },
        'A2A-Version says 0.3, but "ListTasks" is an A2A 1.0 method; 0.3 has no such method.',
      ],
      [
        'a 0.3 HTTP+JSON path under A2A-Version 1.0 (its 1.0 body would lose its parts)',
        { method: 'POST', subPath: '/v1/message:send', a2aVersion: '1.0' },
        { message },
        'A2A-Version says 1.0, but POST /v1/message:send is an A2A 0.3 path; 1.0 paths have no /v1 prefix.',
      ],
      [
        'a 1.0 HTTP+JSON path under A2A-Version 0.3',
        { method: 'POST', subPath: '/message:send', a2aVersion: '0.3' },
        { message: legacyMessage },
        'A2A-Version says 0.3, but POST /message:send is an A2A 1.0 path; 0.3 paths start with /v1.',
      ],
    ])('refuses %s as an invalid request saying which disagree', (_what, parts, body, message) => {
      // Act
      const parsed = parseA2ARequest({ agentId: 'weather', ...parts, body: JSON.stringify(body) })

      // Assess
      expect(parsed).toMatchObject({
        kind: 'invalid',
        failure: { kind: 'invalid-request', message },
        ...(parts.subPath === '' ? { binding: 'JSONRPC', jsonRpcId: 7 } : { binding: 'HTTP+JSON' }),
      })
    })

    it.each([
      ['1.0', 'POST', '/message:send', { message }, '1.0'],
      ['1.1', 'POST', '/message:send', { message }, '1.0'],
      ['0.3', 'POST', '/v1/message:send', { message: legacyMessage }, '0.3'],
      [
        '2.0, a version neither side speaks (the agent answers it)',
        'GET',
        '/v1/tasks/t-1',
        undefined,
        '0.3',
      ],
      [undefined, 'GET', '/tasks/t-1', undefined, '1.0'],
    ])(
      'passes a call under A2A-Version %s whose path agrees, or names no version it knows',
      (a2aVersion, method, subPath, body, version) => {
        // Act
        const parsed = parseA2ARequest({
          agentId: 'weather',
          method,
          subPath,
          a2aVersion: a2aVersion?.split(',')[0],
          body: body === undefined ? null : JSON.stringify(body),
        })

        // Assess
        expect(parsed).toMatchObject({ kind: 'call', call: { version } })
      },
    )

    it('passes a skill call, which speaks no version of its own, whatever the header', () => {
      // Act
      const parsed = parseA2ARequest({
        agentId: 'weather',
        method: 'POST',
        subPath: '',
        a2aVersion: '0.3',
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'forecast', params: {} }),
      })

      // Assess
      expect(parsed).toMatchObject({ kind: 'call', call: { skill: { id: 'forecast' } } })
    })

    it('passes a skill call whose params hold keys that differ only in case: its own data, read by the gateway alone', () => {
      // Prepare: carbon monoxide and cobalt, which only case tells apart
      const body = '{"jsonrpc":"2.0","id":1,"method":"air_quality","params":{"CO":0.4,"Co":0.01}}'

      // Act
      const parsed = parseA2ARequest({ agentId: 'weather', method: 'POST', subPath: '', body })

      // Assess
      expect(parsed).toMatchObject({
        kind: 'call',
        call: { skill: { id: 'air_quality', params: { CO: 0.4, Co: 0.01 } } },
      })
    })

    it('still refuses a skill call naming a key of its params twice, or its method in two cases', () => {
      // Act
      const parse = (body: string) =>
        parseA2ARequest({ agentId: 'weather', method: 'POST', subPath: '', body })

      // Assess
      expect(
        parse('{"jsonrpc":"2.0","id":1,"method":"air_quality","params":{"CO":1,"CO":2}}'),
      ).toMatchObject({ kind: 'invalid' })
      expect(
        parse('{"jsonrpc":"2.0","id":1,"method":"air_quality","Method":"SendMessage","params":{}}'),
      ).toMatchObject({ kind: 'invalid' })
    })
  })
})

describe('the JSON-RPC id a gateway-made answer is written under', () => {
  /** The id as JSON writes it back, in the answer the gateway makes. */
  const writtenBack = (id: unknown) => JSON.stringify({ id })

  it.each([
    ['an integer past 2^53', '12345678901234567890'],
    ['a number written with an exponent', '1e20'],
    ['a fraction JSON would write otherwise', '0.10000000000000001'],
  ])('keeps %s as the caller wrote it, for a call and a request refused', (_what, id) => {
    // Prepare: a call whose params hold an `id` of their own, and a request no A2A method names
    const call = `{"jsonrpc":"2.0","method":"GetTask","params":{"id":"t-1","n":1e21},"id":${id}}`
    const unknown = `{"jsonrpc":"2.0","id":${id},"method":"tasks/none","params":{}}`

    // Act
    const parsed = parseA2ARequest({ agentId: 'weather', method: 'POST', subPath: '', body: call })
    const refused = parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '',
      body: unknown,
    })

    // Assess: `12345678901234567000`, `100000000000000000000` and `0.1` until the 29th session
    expect(parsed.kind).toBe('call')
    expect(writtenBack((parsed as { call: { jsonRpcId: unknown } }).call.jsonRpcId)).toBe(
      `{"id":${id}}`,
    )
    expect(writtenBack((refused as { jsonRpcId?: unknown }).jsonRpcId)).toBe(`{"id":${id}}`)
    expect(writtenBack(jsonRpcIdOf(call))).toBe(`{"id":${id}}`)
  })

  it('reads the id by its key spelled with an escape, as JSON reads it', () => {
    // Act
    const id = jsonRpcIdOf('{"jsonrpc":"2.0","method":"GetTask","\\u0069d":12345678901234567890}')

    // Assess
    expect(writtenBack(id)).toBe('{"id":12345678901234567890}')
  })

  it('gives an id JSON writes back as it came as the number it is', () => {
    // Act
    const ids = ['7', '0.5', '-3', '"abc"'].map((id) => jsonRpcIdOf(`{"id":${id}}`))

    // Assess
    expect(ids).toEqual([7, 0.5, -3, 'abc'])
  })
})
