import { describe, expect, it } from 'vitest'
import type { A2ACall } from '../../../lib/a2a/request.ts'
import { translatedCall, versionedCall } from '../../../lib/backend/translation.ts'
import { PayloadTooLargeError } from '../../../lib/errors.ts'
import { maxUnaryAnswerBytes } from '../../../lib/http/answer-size.ts'
import { maxKeptNumbers } from '../../../lib/json-kept-numbers.ts'
import { a2aCall } from '../../support/a2a-call.ts'

/** A 0.3 agent that serves HTTP+JSON only. */
const legacyRestAgent = {
  protocolVersion: '0.3',
  endpoints: { 'HTTP+JSON': 'http://legacy.test/rest' },
} as const
const limits = { maxEventBytes: 1024 * 1024 }

/** What a translated call answers its caller (its status and text) for what the agent sent. */
const answerTo = async (
  translated: ReturnType<typeof versionedCall>,
  sent: string,
  contentType = 'application/json',
) => {
  const answer = await translated?.answer({
    statusCode: 200,
    headers: { 'content-type': contentType },
    body: new Response(sent).body as ReadableStream<Uint8Array>,
  })
  return {
    statusCode: answer?.statusCode,
    text: await new Response(answer?.body as BodyInit).text(),
  }
}

const call = (overrides: Partial<A2ACall>) => a2aCall({ agentId: 'legacy', ...overrides })

describe('a 1.0 call to a 0.3 HTTP+JSON agent', () => {
  it.each([
    [
      'JSON-RPC',
      call({
        operation: 'ListTaskPushNotificationConfigs',
        params: { taskId: 't-1', pageSize: 2, page_token: 'next' },
      }),
    ],
    [
      'HTTP+JSON',
      call({
        operation: 'ListTaskPushNotificationConfigs',
        binding: 'HTTP+JSON',
        params: undefined,
        restPath: '/tasks/t-1/pushNotificationConfigs?pageSize=2&pageToken=next',
      }),
    ],
  ])(
    'lists push configs from a %s caller without 1.0’s paging, which 0.3 does not define',
    (_, listing) => {
      // Act
      const translated = versionedCall(listing, legacyRestAgent, {}, limits)

      // Assess: 0.3 lists a task's configs whole; its answer carries no next page token back
      expect(translated?.request).toMatchObject({
        method: 'GET',
        url: 'http://legacy.test/rest/v1/tasks/t-1/pushNotificationConfigs',
      })
    },
  )

  it('keeps a query param 0.3 defines: a GetTask’s historyLength', () => {
    // Act
    const translated = versionedCall(
      call({ params: { id: 't-1', historyLength: 2 } }),
      legacyRestAgent,
      {},
      limits,
    )

    // Assess
    expect(translated?.request.url).toBe('http://legacy.test/rest/v1/tasks/t-1?historyLength=2')
  })
})

describe('a 1.0 stream from a 0.3 HTTP+JSON agent whose events cannot be carried over', () => {
  it('ends with the first error event, the agent’s stream cancelled, not one error per event', async () => {
    // Prepare: three events in JSON-RPC's 0.3 shape, which 0.3's HTTP+JSON does not use.
    const sent = ['t-1', 't-2', 't-3'].map(
      (id) => `data: {"kind":"task","id":"${id}","contextId":"c","status":{"state":"working"}}\n\n`,
    )
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const event of sent) controller.enqueue(new TextEncoder().encode(event))
      },
      cancel() {
        cancelled = true
      },
    })
    const translated = versionedCall(
      call({
        operation: 'SendStreamingMessage',
        binding: 'HTTP+JSON',
        stream: true,
        params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
        restPath: '/message:stream',
      }),
      legacyRestAgent,
      {},
      limits,
    )

    // Act
    const answer = await translated?.answer({
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream' },
      body,
    })
    const text = await new Response(answer?.body as ReadableStream<Uint8Array>).text()

    // Assess
    expect(text.match(/^event: error$/gm)).toHaveLength(1)
    expect(text.match(/^data: /gm)).toHaveLength(1)
    expect(cancelled).toBe(true)
  })
})

describe('a translated answer’s headers', () => {
  const streamCall = call({
    operation: 'SendStreamingMessage',
    binding: 'HTTP+JSON',
    stream: true,
    params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
    restPath: '/message:stream',
  })
  const event =
    'data: {"task":{"id":"t-1","contextId":"c","status":{"state":"TASK_STATE_WORKING"}}}\n\n'

  it.each([
    ['a stream', 'text/event-stream', event],
    ['a whole answer', 'application/json', '{"code":-32001,"message":"Task not found"}'],
  ])(
    'do not name the agent’s A2A version to a caller of the other one, in %s',
    async (_, contentType, sent) => {
      // Prepare
      const translated = versionedCall(streamCall, legacyRestAgent, {}, limits)

      // Act
      const answer = await translated?.answer({
        statusCode: contentType === 'text/event-stream' ? 200 : 404,
        headers: { 'content-type': contentType, 'a2a-version': '0.3' },
        body: new Response(sent).body as ReadableStream<Uint8Array>,
      })
      await new Response(answer?.body as ReadableStream<Uint8Array>).text()

      // Assess: the caller speaks 1.0, and its answer is in 1.0's shapes
      expect(answer?.headers['a2a-version']).toBeUndefined()
    },
  )
})

describe('an agent’s answer that translation would make larger than the gateway carries', () => {
  /** A 1.0 agent, called by a 0.3 JSON-RPC caller. */
  const currentAgent = {
    protocolVersion: '1.0',
    endpoints: { JSONRPC: 'http://a.test/rpc' },
  } as const
  const legacyCaller = (operation: 'SendMessage' | 'SendStreamingMessage') =>
    call({
      operation,
      version: '0.3',
      stream: operation === 'SendStreamingMessage',
      params: {
        message: {
          kind: 'message',
          messageId: 'm',
          role: 'user',
          parts: [{ kind: 'text', text: 'hi' }],
        },
      },
    })
  /** A task whose one artifact holds `count` parts of nothing: `{}`, 3 bytes each, 0.3's wrapped data part (73) once translated. */
  const taskOfEmptyParts = (count: number) => ({
    task: {
      id: 't-1',
      contextId: 'c-1',
      status: { state: 'TASK_STATE_COMPLETED' },
      artifacts: [{ artifactId: 'a', parts: Array.from({ length: count }, () => ({})) }],
    },
  })
  const bodyOf = (text: string) => new Response(text).body as ReadableStream<Uint8Array>

  it('refuses a whole answer as the agent’s invalid one, not 25 times its size', async () => {
    // Prepare: 0.6 MB from the agent, some 15 MB once translated: over the 10 MiB an answer carries
    const sent = JSON.stringify({ jsonrpc: '2.0', id: 7, result: taskOfEmptyParts(200_000) })
    const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess
    expect(text.length).toBeLessThan(1000)
    expect(JSON.parse(text)).toMatchObject({ id: 7, error: { code: -32006 } })
  })

  it('ends a stream at an event that would pass the event limit once translated', async () => {
    // Prepare: a 60 KB event, some 1.5 MB translated, past the 1 MiB an event may hold
    const event = JSON.stringify({ jsonrpc: '2.0', id: 7, result: taskOfEmptyParts(20_000) })
    const translated = versionedCall(legacyCaller('SendStreamingMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, `data: ${event}\n\n`, 'text/event-stream')

    // Assess
    expect(text.length).toBeLessThan(1000)
    expect(JSON.parse(text.replace(/^data: /, ''))).toMatchObject({ error: { code: -32006 } })
  })

  it('refuses an answer of parts given as 0, each 0.3’s wrapped data part once translated', async () => {
    // Prepare: 0.6 MB from the agent, 22 MB once translated
    const parts = Array(300_000).fill('0').join(',')
    const sent = `{"jsonrpc":"2.0","id":7,"result":{"message":{"messageId":"r","role":"ROLE_AGENT","parts":[${parts}]}}}`
    const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess
    expect(text.length).toBeLessThan(1000)
    expect(JSON.parse(text)).toMatchObject({ id: 7, error: { code: -32006 } })
  })

  it('carries as many 1e20 in a task’s metadata as a text keeps as the agent wrote them', async () => {
    // Prepare: read as doubles, each came back as 21 digits until 7 December 2026
    const numbers = Array(maxKeptNumbers).fill('1e20').join(',')
    const sent = `{"jsonrpc":"2.0","id":7,"result":{"task":{"id":"t","status":{"state":"TASK_STATE_COMPLETED"},"metadata":{"x":[${numbers}]}}}}`
    const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess
    expect(text.length).toBeLessThan(sent.length + 1000)
    expect(text).toContain(`"metadata":{"x":[${numbers}]}`)
  })

  it.each(['3', '1e20'])(
    'carries %s at the deepest level an answer may nest to, a number kept as written no level of its own',
    async (number) => {
      // Prepare: the answer 1, result 2, task 3, metadata 4, then 124 lists: 128 levels in all
      const nested = `${'['.repeat(124)}${number}${']'.repeat(124)}`
      const sent = `{"jsonrpc":"2.0","id":7,"result":{"task":{"id":"t","status":{"state":"TASK_STATE_COMPLETED"},"metadata":{"x":${nested}}}}}`
      const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

      // Act
      const { text } = await answerTo(translated, sent)

      // Assess
      expect(text).toContain(`"metadata":{"x":${nested}}`)
    },
  )

  it('refuses 10 MB of 1e20, past the numbers a text keeps, once written back past the bound', async () => {
    // Prepare: all 2 million kept as written took 4.6 s and some 0.7 GB to carry; read as
    // doubles, as before 7 December 2026, they are written back as 44 MB, and measured
    const numbers = Array(2_000_000).fill('1e20').join(',')
    const sent = `{"jsonrpc":"2.0","id":7,"result":{"task":{"id":"t","status":{"state":"TASK_STATE_COMPLETED"},"metadata":{"x":[${numbers}]}}}}`
    const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess
    expect(JSON.parse(text)).toMatchObject({
      id: 7,
      error: { code: -32006, message: expect.stringContaining('it passes the 10485760 bytes') },
    })
  })

  it.each([
    ['a 1.0 agent’s, to a 0.3 caller', legacyCaller('SendMessage'), currentAgent],
    [
      'a 0.3 agent’s, to a 1.0 caller',
      call({ operation: 'GetTask', params: { id: 't' } }),
      { protocolVersion: '0.3', endpoints: { JSONRPC: 'http://legacy.test/rpc' } } as const,
    ],
  ] as const)(
    'carries an error, %s, its data’s numbers as the agent wrote them',
    async (_, calling, agent) => {
      // Prepare
      const sent =
        '{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"gone","data":[12345678901234567890,1e20,-0,1.0]}}'
      const translated = versionedCall(calling, agent, {}, limits)

      // Act
      const { text } = await answerTo(translated, sent)

      // Assess
      expect(text).toContain('"data":[12345678901234567890,1e20,-0,1.0]')
    },
  )

  it('still carries an agent’s error whose translation fits', async () => {
    // Prepare
    const sent = '{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"gone","data":[1e20]}}'
    const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

    // Act
    const answer = await translated?.answer({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: bodyOf(sent),
    })

    // Assess
    expect(JSON.parse(Buffer.from(answer?.body as Uint8Array).toString())).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32001, message: 'gone', data: [1e20] },
    })
  })

  it('refuses a push config whose id 0.3’s HTTP+JSON would write past what an answer carries', async () => {
    // Prepare: a 6 MB id, written twice to a 0.3 HTTP+JSON caller (its config's name and id)
    const result = { taskId: 't', id: 'c'.repeat(6_000_000), url: 'https://h.test/cb' }
    const getting = call({
      operation: 'GetTaskPushNotificationConfig',
      version: '0.3',
      binding: 'HTTP+JSON',
      params: undefined,
      restPath: '/v1/tasks/t/pushNotificationConfigs/c',
    })
    const translated = versionedCall(getting, currentAgent, {}, limits)

    // Act
    const { text, statusCode } = await answerTo(
      translated,
      JSON.stringify({ jsonrpc: '2.0', id: 1, result }),
    )

    // Assess
    expect(text.length).toBeLessThan(1000)
    expect(statusCode).toBeGreaterThanOrEqual(500)
  })

  it('carries an answer of many small parts whose translation fits, though a part might have grown 80 bytes', async () => {
    // Prepare: 60,000 text parts of about 100 bytes, 6.1 MB; some 7 MB translated, within 10 MiB
    const parts = Array.from({ length: 60_000 }, (_, n) => ({
      text: `${String(n).padStart(6, '0')} ${'x'.repeat(81)}`,
    }))
    const result = { message: { messageId: 'r', role: 'ROLE_AGENT', parts } }
    const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, JSON.stringify({ jsonrpc: '2.0', id: 7, result }))

    // Assess
    expect(JSON.parse(text).result.parts).toHaveLength(60_000)
  })

  it('carries a stream event of many small parts whose translation fits the event limit', async () => {
    // Prepare: 7,000 text parts of about 80 bytes, 0.64 MB; some 0.74 MB translated, within 1 MiB
    const parts = Array.from({ length: 7_000 }, (_, n) => ({
      text: `${String(n).padStart(5, '0')} ${'y'.repeat(62)}`,
    }))
    const event = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      result: { message: { messageId: 'r', role: 'ROLE_AGENT', parts } },
    })
    const translated = versionedCall(legacyCaller('SendStreamingMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, `data: ${event}\n\n`, 'text/event-stream')

    // Assess
    expect(JSON.parse(text.replace(/^data: /, '')).result.parts).toHaveLength(7_000)
  })

  it('still carries an answer of many parts that translation barely grows', async () => {
    // Prepare: 20,000 text parts, 0.4 MB
    const parts = Array.from({ length: 20_000 }, (_, n) => ({ text: `line ${n}` }))
    const result = { message: { messageId: 'r', role: 'ROLE_AGENT', parts } }
    const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, JSON.stringify({ jsonrpc: '2.0', id: 7, result }))

    // Assess
    expect(JSON.parse(text).result.parts).toHaveLength(20_000)
  })
})

describe('a 1.0 answer carried to the other binding', () => {
  const task =
    '{"id":"t","status":{"state":"TASK_STATE_COMPLETED"},"metadata":{"x":[12345678901234567890,1e20,-0,1.0]}}'
  const agentOf = (binding: 'JSONRPC' | 'HTTP+JSON') => ({
    protocolVersion: '1.0' as const,
    endpoints: { [binding]: 'http://a.test/a2a' },
  })
  const sending = (callerBinding: 'JSONRPC' | 'HTTP+JSON', jsonRpcId: string | number = 7) =>
    call({
      operation: 'SendMessage',
      binding: callerBinding,
      jsonRpcId,
      params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
    })

  it.each([
    ['JSON-RPC', 'HTTP+JSON', `{"task":${task}}`],
    ['HTTP+JSON', 'JSONRPC', `{"jsonrpc":"2.0","id":1,"result":{"task":${task}}}`],
  ] as const)(
    'keeps, to a %s caller, the numbers of the agent’s answer as it wrote them',
    async (_, agentBinding, sent) => {
      // Prepare
      const callerBinding = agentBinding === 'JSONRPC' ? 'HTTP+JSON' : 'JSONRPC'
      const translated = translatedCall(sending(callerBinding), agentOf(agentBinding), {}, limits)

      // Act
      const { text } = await answerTo(translated, sent)

      // Assess: until 7 December 2026, [12345678901234567000,100000000000000000000,0,1]
      expect(text).toContain('"metadata":{"x":[12345678901234567890,1e20,-0,1.0]}')
    },
  )

  /** The agent's HTTP+JSON answer carried to a JSON-RPC caller, and what the gateway was told. */
  const carried = async (sent: string) => {
    const told: string[] = []
    const translated = translatedCall(
      sending('JSONRPC'),
      agentOf('HTTP+JSON'),
      {},
      {
        ...limits,
        onInvalidAnswer: (reason) => told.push(reason),
      },
    )
    const { text } = await answerTo(translated, sent)
    return { answer: JSON.parse(text), told }
  }

  it('reads an answer opened by a byte-order mark, as a client of the agent’s binding passes it over', async () => {
    // Act
    const { answer, told } = await carried(`\uFEFF{"task":${task}}`)

    // Assess
    expect(answer.result.task.id).toBe('t')
    expect(told).toEqual([])
  })

  it('refuses an answer opened by two byte-order marks as the agent’s answer of no JSON, as its client would', async () => {
    // Act: fetch's `json()` and Python's `json.loads` of bytes pass over one mark, then fail
    const { answer, told } = await carried(`\uFEFF\uFEFF{"task":${task}}`)

    // Assess: until the 30th session read as one mark (decoding dropped one, the parse another)
    const why = 'The agent answered with something other than JSON.'
    expect(answer.error).toEqual({ code: -32006, message: why })
    expect(told).toEqual([why])
  })

  it('refuses, to a JSON-RPC caller, an answer that passes what an answer carries once in its envelope', async () => {
    // Prepare: an HTTP+JSON agent's answer of 10 MiB; around it the caller's JSON-RPC answer, its long id
    const shell =
      '{"task":{"id":"t","status":{"state":"TASK_STATE_COMPLETED"},"metadata":{"x":""}}}'
    const sent = shell.replace('"x":""', `"x":"${'x'.repeat(maxUnaryAnswerBytes - shell.length)}"`)
    const told: string[] = []
    const translated = translatedCall(
      sending('JSONRPC', 'i'.repeat(300)),
      agentOf('HTTP+JSON'),
      {},
      {
        ...limits,
        onInvalidAnswer: (reason) => told.push(reason),
      },
    )

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess: the agent's invalid answer, its reason told for the call's log line
    expect(text.length).toBeLessThan(1000)
    expect(text).toContain('passes the 10485760 bytes an answer may carry')
    expect(told).toEqual([JSON.parse(text).error.message])
  })

  it.each([
    ['JSON-RPC', 'HTTP+JSON'],
    ['HTTP+JSON', 'JSONRPC'],
  ] as const)(
    'tells, to a %s caller, why the agent’s answer is invalid when it is no JSON',
    async (_, agentBinding) => {
      // Prepare
      const told: string[] = []
      const callerBinding = agentBinding === 'JSONRPC' ? 'HTTP+JSON' : 'JSONRPC'
      const translated = translatedCall(
        sending(callerBinding),
        agentOf(agentBinding),
        {},
        {
          ...limits,
          onInvalidAnswer: (reason) => told.push(reason),
        },
      )

      // Act
      await answerTo(translated, '<html>Bad gateway</html>')

      // Assess
      expect(told).toEqual(['The agent answered with something other than JSON.'])
    },
  )

  it('tells nothing of an agent’s own error, whatever its code', async () => {
    // Prepare
    const told: string[] = []
    const translated = translatedCall(
      sending('HTTP+JSON'),
      agentOf('JSONRPC'),
      {},
      {
        ...limits,
        onInvalidAnswer: (reason) => told.push(reason),
      },
    )

    // Act
    await answerTo(translated, '{"jsonrpc":"2.0","id":1,"error":{"code":-32006,"message":"mine"}}')

    // Assess
    expect(told).toEqual([])
  })
})

describe('a push config a 1.0 agent answers without its task, to a 0.3 caller', () => {
  /** A 1.0 agent: its configs' `taskId` is optional in 1.0, so it may leave it out. */
  const currentAgent = {
    protocolVersion: '1.0',
    endpoints: { JSONRPC: 'http://a.test/rpc' },
  } as const
  const bodyOf = (text: string) => new Response(text).body as ReadableStream<Uint8Array>
  const answered = async (asking: A2ACall, result: unknown) => {
    const translated = versionedCall(asking, currentAgent, {}, limits)
    const answer = await translated?.answer({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: bodyOf(JSON.stringify({ jsonrpc: '2.0', id: 1, result })),
    })
    return { answer, text: Buffer.from(answer?.body as Uint8Array).toString() }
  }
  const config = { id: 'hook-1', url: 'https://h.test/cb' }
  /** A 0.3 HTTP+JSON client's get of task t-1's config hook-1. */
  const configGet = () =>
    call({
      operation: 'GetTaskPushNotificationConfig',
      version: '0.3',
      binding: 'HTTP+JSON',
      params: undefined,
      restPath: '/v1/tasks/t-1/pushNotificationConfigs/hook-1',
    })

  it('names the task the call named, in the config’s resource name (0.3 HTTP+JSON)', async () => {
    // Act: a 0.3 client's get; its SDK (a2a-python) refuses a config whose name names no task
    const { text } = await answered(configGet(), config)

    // Assess
    expect(JSON.parse(text)).toMatchObject({ name: 'tasks/t-1/pushNotificationConfigs/hook-1' })
  })

  it('names a config whose id the agent gave as a number written otherwise (1e20) as written', async () => {
    // Act: `String` cannot convert a number kept as written: the gateway's own 500 until a review
    const { text } = await answered(configGet(), {
      ...config,
      id: (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON('1e20'),
    })

    // Assess
    expect(JSON.parse(text)).toMatchObject({ name: 'tasks/t-1/pushNotificationConfigs/1e20' })
  })

  it('gives each listed config the task the call named (0.3 JSON-RPC, where taskId is required)', async () => {
    // Act
    const { text } = await answered(
      call({
        operation: 'ListTaskPushNotificationConfigs',
        version: '0.3',
        params: { id: 't-1' },
      }),
      { configs: [config, { ...config, id: 'hook-2' }] },
    )

    // Assess
    expect(JSON.parse(text).result).toEqual([
      { taskId: 't-1', pushNotificationConfig: config },
      { taskId: 't-1', pushNotificationConfig: { ...config, id: 'hook-2' } },
    ])
  })

  it('keeps the task an agent did name', async () => {
    // Act
    const { text } = await answered(
      call({
        operation: 'GetTaskPushNotificationConfig',
        version: '0.3',
        params: { id: 't-1', pushNotificationConfigId: 'hook-1' },
      }),
      { ...config, taskId: 't-9' },
    )

    // Assess
    expect(JSON.parse(text).result.taskId).toBe('t-9')
  })

  it('refuses, before building it, a list whose configs the call’s long task id would swell', async () => {
    // Prepare: 100,000 configs of nothing (0.3 MB) and a 1 KB task id, 100 MB once each is named
    const asking = call({
      operation: 'ListTaskPushNotificationConfigs',
      version: '0.3',
      params: { id: 't'.repeat(1000) },
    })

    // Act
    const { answer, text } = await answered(asking, {
      configs: Array.from({ length: 100_000 }, () => ({})),
    })

    // Assess: the agent's invalid answer, judged before it is built
    expect(text).toContain('could pass the 10485760 bytes an answer may carry')
    expect(answer?.statusCode).toBe(200)
  })
})

describe('a 1.0 stream carried to the other binding', () => {
  const agentOf = (binding: 'JSONRPC' | 'HTTP+JSON') => ({
    protocolVersion: '1.0' as const,
    endpoints: { [binding]: 'http://a.test/a2a' },
  })
  const streaming = (callerBinding: 'JSONRPC' | 'HTTP+JSON', jsonRpcId: string | number = 7) =>
    call({
      operation: 'SendStreamingMessage',
      binding: callerBinding,
      stream: true,
      jsonRpcId,
      params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
    })
  const update = (x: string) =>
    `{"statusUpdate":{"taskId":"t","contextId":"c","status":{"state":"TASK_STATE_WORKING"},"metadata":{"x":${x}}}}`

  it.each([
    ['JSON-RPC', 'HTTP+JSON', (result: string) => result],
    ['HTTP+JSON', 'JSONRPC', (result: string) => `{"jsonrpc":"2.0","id":1,"result":${result}}`],
  ] as const)(
    'keeps, to a %s caller, the numbers of each event as the agent wrote them',
    async (_, agentBinding, event) => {
      // Prepare
      const callerBinding = agentBinding === 'JSONRPC' ? 'HTTP+JSON' : 'JSONRPC'
      const translated = translatedCall(streaming(callerBinding), agentOf(agentBinding), {}, limits)

      // Act
      const sent = `data: ${event(update('[12345678901234567890,1e20,-0,1.0]'))}\n\n`
      const { text } = await answerTo(translated, sent, 'text/event-stream')

      // Assess
      expect(text).toContain('"metadata":{"x":[12345678901234567890,1e20,-0,1.0]}')
    },
  )

  it('ends, to a JSON-RPC caller, at an event that passes the event limit once in its envelope, as the agent’s invalid answer', async () => {
    // Prepare: an HTTP+JSON event of nearly 1 MiB; around it the caller's JSON-RPC answer, its long id
    const told: string[] = []
    const shell = `data: ${update('""')}\n\n`
    const sent = `data: ${update(`"${'x'.repeat(limits.maxEventBytes - shell.length)}"`)}\n\n`
    const translated = translatedCall(
      streaming('JSONRPC', 'i'.repeat(300)),
      agentOf('HTTP+JSON'),
      {},
      {
        ...limits,
        onInvalidAnswer: (reason) => told.push(reason),
      },
    )

    // Act
    const { text } = await answerTo(translated, sent, 'text/event-stream')

    // Assess: the agent's invalid answer (-32006) in the caller's binding, not an event the
    // relay then cuts as one the agent sent too large
    expect(text.length).toBeLessThan(1000)
    expect(text).toContain('passes the 1048576 bytes a stream event may hold')
    expect(told).toHaveLength(1)
  })
})

describe('the request the gateway writes anew for an agent of the other version or binding', () => {
  const legacyRpcAgent = {
    protocolVersion: '0.3',
    endpoints: { JSONRPC: 'http://legacy.test/rpc' },
  } as const
  const currentAgent = {
    protocolVersion: '1.0',
    endpoints: { JSONRPC: 'http://a.test/rpc' },
  } as const
  /** A JSON-RPC SendMessage as the gateway reads one: its params, and the body they came in. */
  const sendingText = (version: '1.0' | '0.3', paramsText: string) =>
    call({
      operation: 'SendMessage',
      version,
      params: JSON.parse(paramsText),
      body: `{"jsonrpc":"2.0","id":7,"method":"${version === '1.0' ? 'SendMessage' : 'message/send'}","params":${paramsText}}`,
    })
  const numbers = '{"big":12345678901234567890,"e":1e20,"z":-0,"f":1.0}'

  it('keeps a 0.3 caller’s numbers as written, to a 1.0 agent', () => {
    // Prepare
    const calling = sendingText(
      '0.3',
      `{"message":{"kind":"message","messageId":"m","role":"user","parts":[{"kind":"data","data":${numbers}}],"metadata":${numbers}}}`,
    )

    // Act
    const request = versionedCall(calling, currentAgent, {}, limits)?.request

    // Assess: until 7 December 2026, 12345678901234567000, 100000000000000000000, 0 and 1
    expect(request?.body).toContain(`"data":${numbers}`)
    expect(request?.body).toContain(`"metadata":${numbers}`)
  })

  it('keeps a 1.0 caller’s numbers as written, to a 0.3 HTTP+JSON agent, and reads a page size written 2.0', () => {
    // Prepare
    const sending = sendingText(
      '1.0',
      `{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"hi"}],"metadata":${numbers}}}`,
    )
    const getting = call({
      operation: 'GetTask',
      params: { id: 't', historyLength: 2 },
      body: '{"jsonrpc":"2.0","id":7,"method":"GetTask","params":{"id":"t","historyLength":2.0}}',
    })

    // Act
    const sent = versionedCall(sending, legacyRestAgent, {}, limits)?.request
    const got = versionedCall(getting, legacyRestAgent, {}, limits)?.request

    // Assess
    expect(sent?.body).toContain(`"metadata":${numbers}`)
    expect(got?.url).toBe('http://legacy.test/rest/v1/tasks/t?historyLength=2')
  })

  it('refuses, as too large, a request that passes the request limit once translated', () => {
    // Prepare: 20,000 parts of nothing (60 KB), each 0.3's wrapped data part (some 75 bytes) to a 0.3 agent
    const parts = Array(20_000).fill('{}').join(',')
    const calling = sendingText(
      '1.0',
      `{"message":{"messageId":"m","role":"ROLE_USER","parts":[${parts}]}}`,
    )

    // Act
    const translating = () =>
      versionedCall(calling, legacyRpcAgent, {}, { ...limits, maxRequestBytes: 1024 * 1024 })

    // Assess: the caller's 413 (-32055), saying what grew it; nothing built past the limit is sent
    expect(translating).toThrow(PayloadTooLargeError)
    expect(translating).toThrow(
      /translated to A2A 0\.3 for this agent, is \d+ bytes, larger than the 1048576-byte limit/,
    )
  })

  it('refuses, before building it, a request that could pass the request limit many times over', () => {
    // Prepare: 400,000 parts of nothing (1.2 MB), some 30 MB to a 0.3 agent
    const parts = Array(400_000).fill('{}').join(',')
    const calling = sendingText(
      '1.0',
      `{"message":{"messageId":"m","role":"ROLE_USER","parts":[${parts}]}}`,
    )

    // Act
    const translating = () =>
      versionedCall(calling, legacyRpcAgent, {}, { ...limits, maxRequestBytes: 2 * 1024 * 1024 })

    // Assess
    expect(translating).toThrow(/could be larger than the 2097152-byte limit/)
  })

  it('carries a request within the limit to the other binding, though its JSON-RPC envelope passes the limit', () => {
    // Prepare: an HTTP+JSON body of exactly the limit, a JSON-RPC request around it for the agent
    const shell = '{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":""}]}}'
    const body = shell.replace('"text":""', `"text":"${'x'.repeat(10_000 - shell.length)}"`)
    const calling = call({
      operation: 'SendMessage',
      binding: 'HTTP+JSON',
      restPath: '/message:send',
      params: JSON.parse(body),
      body,
    })

    // Act
    const request = translatedCall(
      calling,
      currentAgent,
      {},
      { ...limits, maxRequestBytes: 10_000 },
    )?.request

    // Assess: sent with the gateway's envelope, not refused for the bytes the gateway added
    expect(Buffer.byteLength(body)).toBe(10_000)
    expect(Buffer.byteLength(request?.body as string)).toBeGreaterThan(10_000)
    expect(JSON.parse(request?.body as string)).toMatchObject({ method: 'SendMessage' })
  })

  it('tells why it refused an agent’s answer translated to the caller’s version', async () => {
    // Prepare: 0.6 MB of parts of nothing, some 15 MB once translated to 0.3
    const told: string[] = []
    const parts = Array(200_000).fill('{}').join(',')
    const sent = `{"jsonrpc":"2.0","id":1,"result":{"message":{"messageId":"r","role":"ROLE_AGENT","parts":[${parts}]}}}`
    const calling = sendingText(
      '0.3',
      '{"message":{"kind":"message","messageId":"m","role":"user","parts":[]}}',
    )
    const translated = versionedCall(
      calling,
      currentAgent,
      {},
      {
        ...limits,
        onInvalidAnswer: (reason) => told.push(reason),
      },
    )

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess
    expect(told).toEqual([JSON.parse(text).error.message])
    expect(told[0]).toMatch(/translated to A2A 0\.3, it (could pass|passes) the 10485760 bytes/)
  })
})

describe('why a 0.3 agent’s answer was refused', () => {
  it('names a part’s kind the agent wrote at most 60 characters long, to the caller and the log', async () => {
    // Prepare: the whole kind was in the message, so 1 MB of it made a 1 MB access line
    const told: string[] = []
    const sent = `{"jsonrpc":"2.0","id":1,"result":{"kind":"message","messageId":"r","role":"agent","parts":[{"kind":"${'v'.repeat(1_000_000)}"}]}}`
    const translated = versionedCall(
      call({
        operation: 'SendMessage',
        params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [] } },
      }),
      { protocolVersion: '0.3', endpoints: { JSONRPC: 'http://legacy.test/rpc' } },
      {},
      { ...limits, onInvalidAnswer: (reason) => told.push(reason) },
    )

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess
    expect(told).toEqual([JSON.parse(text).error.message])
    expect(told[0]).toContain('A 0.3 part has no known kind (vvv')
    expect(told[0]?.length).toBeLessThan(200)
  })
})

describe('a 1.0 HTTP+JSON agent’s error whose message is a number written otherwise', () => {
  it('is carried to a JSON-RPC caller as an error, not the gateway’s own 500', async () => {
    // Prepare: made an Error by the SDK, a message kept as written (`1e20`) threw
    const translated = translatedCall(
      call({ operation: 'GetTask', params: { id: 't' } }),
      { protocolVersion: '1.0', endpoints: { 'HTTP+JSON': 'http://a.test/rest' } },
      {},
      limits,
    )

    // Act
    const answer = await translated?.answer({
      statusCode: 404,
      headers: { 'content-type': 'application/json' },
      body: new Response('{"error":{"code":404,"message":1e20}}')
        .body as ReadableStream<Uint8Array>,
    })

    // Assess
    expect(JSON.parse(Buffer.from(answer?.body as Uint8Array).toString())).toMatchObject({
      id: 7,
      error: { code: expect.any(Number) },
    })
  })
})

describe('a 0.3 answer holding a number written otherwise where a kind is read', () => {
  it.each([
    // Looked up by it, a number kept as written (`1e20`) threw
    [
      'the answer’s kind',
      '{"jsonrpc":"2.0","id":1,"result":{"kind":1e20,"messageId":"r","role":"agent","parts":[]}}',
      { code: -32006 },
    ],
    // `String` cannot convert a number kept as written
    [
      'a part’s kind',
      '{"jsonrpc":"2.0","id":1,"result":{"kind":"message","messageId":"r","role":"agent","parts":[{"kind":1e20}]}}',
      { code: -32006, message: expect.stringContaining('no known kind (1e20)') },
    ],
  ])('is the agent’s invalid answer (%s), not the gateway’s own 500', async (_, sent, error) => {
    // Prepare
    const translated = versionedCall(
      call({
        operation: 'SendMessage',
        params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [] } },
      }),
      { protocolVersion: '0.3', endpoints: { JSONRPC: 'http://legacy.test/rpc' } },
      {},
      limits,
    )

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess
    expect(JSON.parse(text)).toMatchObject({ id: 7, error })
  })
})

describe('an agent’s numbers where translation reads them', () => {
  const currentAgent = {
    protocolVersion: '1.0',
    endpoints: { JSONRPC: 'http://a.test/rpc' },
  } as const
  const legacyCaller = call({
    operation: 'SendMessage',
    version: '0.3',
    params: { message: { kind: 'message', messageId: 'm', role: 'user', parts: [] } },
  })

  it.each([
    ['1e20', '{"jsonrpc":"2.0","id":1,"result":1e20}'],
    ['-0', '{"jsonrpc":"2.0","id":1,"result":-0}'],
  ])('refuses a result that is a number (%s) as no A2A answer', async (_, sent) => {
    // Act
    const { text } = await answerTo(versionedCall(legacyCaller, currentAgent, {}, limits), sent)

    // Assess: kept as written, such a number is an object to JavaScript, but no JSON object
    expect(JSON.parse(text).error).toMatchObject({
      code: -32006,
      message: 'The agent answered with a result that is no JSON object.',
    })
  })

  it('reads a state and a role given by number, written 2.0, by name', async () => {
    // Prepare
    const sent =
      '{"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","contextId":"c","status":{"state":2.0,"message":{"messageId":"s","role":2.0,"parts":[]}}}}}'

    // Act
    const { text } = await answerTo(versionedCall(legacyCaller, currentAgent, {}, limits), sent)

    // Assess
    expect(JSON.parse(text).result.status).toMatchObject({
      state: 'working',
      message: { role: 'agent' },
    })
  })
})

describe('a JSON-RPC caller’s id, in a translated answer', () => {
  it.each([
    [
      'a 0.3 caller of a 1.0 agent',
      '0.3',
      'message/send',
      { protocolVersion: '1.0', endpoints: { JSONRPC: 'http://a.test/rpc' } },
    ],
    [
      'a 1.0 caller of a 0.3 agent',
      '1.0',
      'SendMessage',
      { protocolVersion: '0.3', endpoints: { JSONRPC: 'http://a.test/rpc' } },
    ],
  ] as const)('is written back as %s wrote it', async (_, version, method, agent) => {
    // Prepare: the gateway read the id as a double, 12345678901234567000
    const params = '{"message":{"messageId":"m","role":"user","parts":[]}}'
    const calling = call({
      operation: 'SendMessage',
      version,
      jsonRpcId: 12345678901234567000,
      params: JSON.parse(params),
      body: `{"jsonrpc":"2.0","id":12345678901234567890,"method":"${method}","params":${params}}`,
    })
    const translated = versionedCall(calling, agent, {}, limits)

    // Act
    const { text } = await answerTo(
      translated,
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"gone"}}',
    )

    // Assess: a client that matches answers to requests by id (Python's ints) finds its own
    expect(text).toContain('"id":12345678901234567890')
  })
})

describe('a field a 1.0 caller spells twice, one number written otherwise', () => {
  it('is one value to a 0.3 agent, as the gateway read it when it checked the call', () => {
    // Prepare: `2.0` and `2` are one number; the call's check read them so
    const calling = call({
      operation: 'GetTask',
      params: { id: 't', historyLength: 2, history_length: 2 },
      body: '{"jsonrpc":"2.0","id":7,"method":"GetTask","params":{"id":"t","historyLength":2.0,"history_length":2}}',
    })

    // Act
    const request = versionedCall(calling, legacyRestAgent, {}, limits)?.request

    // Assess
    expect(request?.url).toBe('http://legacy.test/rest/v1/tasks/t?historyLength=2')
  })
})
