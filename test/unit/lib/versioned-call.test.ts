import { describe, expect, it } from 'vitest'
import type { A2ACall } from '../../../lib/a2a/request.ts'
import { translatedCall, versionedCall } from '../../../lib/backend/translation.ts'
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

  it('refuses an answer whose numbers, written back, would pass what an answer carries', async () => {
    // Prepare: 2.5 MB of 1e20 in the task's metadata, 11 MB once written back as 21 digits each
    const numbers = Array(500_000).fill('1e20').join(',')
    const sent = `{"jsonrpc":"2.0","id":7,"result":{"task":{"id":"t","status":{"state":"TASK_STATE_COMPLETED"},"metadata":{"x":[${numbers}]}}}}`
    const translated = versionedCall(legacyCaller('SendMessage'), currentAgent, {}, limits)

    // Act
    const { text } = await answerTo(translated, sent)

    // Assess
    expect(text.length).toBeLessThan(1000)
    expect(JSON.parse(text)).toMatchObject({ id: 7, error: { code: -32006 } })
  })

  it.each([
    ['a 1.0 agent’s, to a 0.3 caller', legacyCaller('SendMessage'), currentAgent],
    [
      'a 0.3 agent’s, to a 1.0 caller',
      call({ operation: 'GetTask', params: { id: 't' } }),
      { protocolVersion: '0.3', endpoints: { JSONRPC: 'http://legacy.test/rpc' } } as const,
    ],
  ] as const)(
    'refuses an error, %s, whose numbers written back pass what an answer carries',
    async (_, calling, agent) => {
      // Prepare: 2.5 MB of 1e20 in the error's data, 11 MB once written back as 21 digits each
      const numbers = Array(500_000).fill('1e20').join(',')
      const sent = `{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"gone","data":[${numbers}]}}`
      const translated = versionedCall(calling, agent, {}, limits)

      // Act
      const { text } = await answerTo(translated, sent)

      // Assess: the agent's invalid answer, not 11 MB
      expect(text.length).toBeLessThan(1000)
      expect(JSON.parse(text)).toMatchObject({ id: 7, error: { code: -32006 } })
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
  // 2.5 MB of 1e20 in a task's metadata: JSON writes each back as 21 digits, 11 MB in all
  const numbers = Array(500_000).fill('1e20').join(',')
  const task = `{"id":"t","status":{"state":"TASK_STATE_COMPLETED"},"metadata":{"x":[${numbers}]}}`

  it.each([
    ['JSON-RPC', 'HTTP+JSON', `{"task":${task}}`],
    ['HTTP+JSON', 'JSONRPC', `{"jsonrpc":"2.0","id":1,"result":{"task":${task}}}`],
  ] as const)(
    'refuses, to a %s caller, an answer whose translation passes what an answer carries',
    async (_, agentBinding, sent) => {
      // Prepare
      const agent = {
        protocolVersion: '1.0' as const,
        endpoints: { [agentBinding]: 'http://a.test/a2a' },
      }
      const sending = call({
        operation: 'SendMessage',
        binding: agentBinding === 'JSONRPC' ? 'HTTP+JSON' : 'JSONRPC',
        jsonRpcId: 7,
        params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
      })
      const translated = translatedCall(sending, agent, {}, limits)

      // Act
      const { text, statusCode } = await answerTo(translated, sent)

      // Assess: the agent's invalid answer (A2A's -32006, HTTP 500 over HTTP+JSON), not 11 MB
      expect(text.length).toBeLessThan(1000)
      expect(text).toContain('passes the 10485760 bytes an answer may carry')
      expect(statusCode).toBe(agentBinding === 'JSONRPC' ? 500 : 200)
    },
  )
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

  it('names the task the call named, in the config’s resource name (0.3 HTTP+JSON)', async () => {
    // Act: a 0.3 client's get; its SDK (a2a-python) refuses a config whose name names no task
    const { text } = await answered(
      call({
        operation: 'GetTaskPushNotificationConfig',
        version: '0.3',
        binding: 'HTTP+JSON',
        params: undefined,
        restPath: '/v1/tasks/t-1/pushNotificationConfigs/hook-1',
      }),
      config,
    )

    // Assess
    expect(JSON.parse(text)).toMatchObject({ name: 'tasks/t-1/pushNotificationConfigs/hook-1' })
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
  it.each([
    ['JSON-RPC', 'HTTP+JSON', (result: string) => result],
    ['HTTP+JSON', 'JSONRPC', (result: string) => `{"jsonrpc":"2.0","id":1,"result":${result}}`],
  ] as const)(
    'ends, to a %s caller, at an event whose numbers written back pass the event limit, as the agent’s invalid answer',
    async (_, agentBinding, event) => {
      // Prepare: 60,000 of 1e20 (0.3 MB), each written back as 21 digits: 1.26 MB, past 1 MiB
      const numbers = Array(60_000).fill('1e20').join(',')
      const update = `{"statusUpdate":{"taskId":"t","contextId":"c","status":{"state":"TASK_STATE_WORKING"},"metadata":{"x":[${numbers}]}}}`
      const agent = {
        protocolVersion: '1.0' as const,
        endpoints: { [agentBinding]: 'http://a.test/a2a' },
      }
      const streaming = call({
        operation: 'SendStreamingMessage',
        binding: agentBinding === 'JSONRPC' ? 'HTTP+JSON' : 'JSONRPC',
        stream: true,
        params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
      })
      const translated = translatedCall(streaming, agent, {}, limits)

      // Act
      const { text } = await answerTo(translated, `data: ${event(update)}\n\n`, 'text/event-stream')

      // Assess: the agent's invalid answer (-32006) in the caller's binding, not an event the
      // relay then cuts as one the agent sent too large
      expect(text.length).toBeLessThan(1000)
      expect(text).toContain('passes the 1048576 bytes a stream event may hold')
    },
  )
})
