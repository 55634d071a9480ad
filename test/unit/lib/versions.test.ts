import { describe, expect, it } from 'vitest'
import type { OperationName } from '../../../lib/a2a/operations.ts'
import {
  mayGrowPast,
  paramsFromV1,
  paramsToV1,
  resultFromV1,
  resultToV1,
  taskStateToV1,
  taskStateToV03,
} from '../../../lib/a2a/version-values.ts'
import {
  cardToVersion,
  type Dialect,
  requestedVersion,
  VersionTranslationError,
} from '../../../lib/a2a/versions.ts'
import { parseKeepingInexactNumbers } from '../../../lib/json-kept-numbers.ts'

const message03 = {
  kind: 'message',
  messageId: 'm-1',
  contextId: 'c-1',
  role: 'user',
  parts: [
    { kind: 'text', text: 'hi' },
    {
      kind: 'file',
      file: { uri: 'https://x.example/a.png', mimeType: 'image/png', name: 'a.png' },
    },
    { kind: 'file', file: { bytes: 'aGk=' } },
    { kind: 'data', data: { city: 'Oslo' } },
    { kind: 'data', data: { value: [1, 2] }, metadata: { data_part_compat: true } },
  ],
}
const message10 = {
  messageId: 'm-1',
  contextId: 'c-1',
  role: 'ROLE_USER',
  parts: [
    { text: 'hi' },
    { url: 'https://x.example/a.png', mediaType: 'image/png', filename: 'a.png' },
    { raw: 'aGk=' },
    { data: { city: 'Oslo' } },
    { data: [1, 2] },
  ],
}
const messageRest03 = {
  messageId: 'm-1',
  contextId: 'c-1',
  role: 'ROLE_USER',
  content: [
    { text: 'hi' },
    { file: { fileWithUri: 'https://x.example/a.png', mimeType: 'image/png' } },
    { data: { data: { city: 'Oslo' } } },
  ],
}
const messageRest10 = {
  messageId: 'm-1',
  contextId: 'c-1',
  role: 'ROLE_USER',
  parts: [
    { text: 'hi' },
    { url: 'https://x.example/a.png', mediaType: 'image/png' },
    { data: { city: 'Oslo' } },
  ],
}
const agentMessage03 = {
  kind: 'message',
  messageId: 'a-1',
  role: 'agent',
  parts: [{ kind: 'text', text: 'done' }],
}
const agentMessage10 = { messageId: 'a-1', role: 'ROLE_AGENT', parts: [{ text: 'done' }] }
const task03 = {
  kind: 'task',
  id: 't-1',
  contextId: 'c-1',
  status: { state: 'working', message: agentMessage03, timestamp: '2026-01-01T00:00:00Z' },
  history: [message03],
  artifacts: [{ artifactId: 'r', name: 'Result', parts: [{ kind: 'text', text: '42' }] }],
}
const task10 = {
  id: 't-1',
  contextId: 'c-1',
  status: {
    state: 'TASK_STATE_WORKING',
    message: agentMessage10,
    timestamp: '2026-01-01T00:00:00Z',
  },
  history: [message10],
  artifacts: [{ artifactId: 'r', name: 'Result', parts: [{ text: '42' }] }],
}
const push03 = {
  taskId: 't-1',
  pushNotificationConfig: {
    id: 'hook-1',
    url: 'https://hooks.example.com/a2a',
    token: 'tok',
    authentication: { schemes: ['Bearer'], credentials: 'secret' },
  },
}
const push10 = {
  taskId: 't-1',
  id: 'hook-1',
  url: 'https://hooks.example.com/a2a',
  token: 'tok',
  authentication: { scheme: 'Bearer', credentials: 'secret' },
}
const { taskId: _taskId, ...inlinePush10 } = push10

/** Each row: the same value in a 0.3 dialect and in 1.0, for one operation. */
const params: [string, Dialect, OperationName, unknown, unknown][] = [
  [
    'a message, its parts and role',
    '0.3-jsonrpc',
    'SendMessage',
    { message: message03, configuration: { historyLength: 2, blocking: true } },
    { message: message10, configuration: { historyLength: 2 } },
  ],
  [
    'a message that must not block',
    '0.3-jsonrpc',
    'SendStreamingMessage',
    { message: agentMessage03, configuration: { blocking: false } },
    { message: agentMessage10, configuration: { returnImmediately: true } },
  ],
  [
    'a message in proto JSON',
    '0.3-rest',
    'SendMessage',
    { message: messageRest03, configuration: { blocking: true } },
    { message: messageRest10, configuration: {} },
  ],
  [
    'a message with a push config',
    '0.3-jsonrpc',
    'SendMessage',
    {
      message: message03,
      configuration: { pushNotificationConfig: push03.pushNotificationConfig, blocking: true },
    },
    { message: message10, configuration: { taskPushNotificationConfig: inlinePush10 } },
  ],
  [
    'a message with a push config in proto JSON, which names it push_notification',
    '0.3-rest',
    'SendMessage',
    {
      message: messageRest03,
      configuration: { pushNotification: push03.pushNotificationConfig, blocking: true },
    },
    { message: messageRest10, configuration: { taskPushNotificationConfig: inlinePush10 } },
  ],
  [
    'a task id',
    '0.3-jsonrpc',
    'GetTask',
    { id: 't-1', historyLength: 1 },
    { id: 't-1', historyLength: 1 },
  ],
  ['a task to cancel', '0.3-jsonrpc', 'CancelTask', { id: 't-1' }, { id: 't-1' }],
  ['a task to resubscribe to', '0.3-jsonrpc', 'SubscribeToTask', { id: 't-1' }, { id: 't-1' }],
  ['a push config to set', '0.3-jsonrpc', 'CreateTaskPushNotificationConfig', push03, push10],
  [
    'a push config to get',
    '0.3-jsonrpc',
    'GetTaskPushNotificationConfig',
    { id: 't-1', pushNotificationConfigId: 'hook-1' },
    { taskId: 't-1', id: 'hook-1' },
  ],
  [
    'push configs to list',
    '0.3-jsonrpc',
    'ListTaskPushNotificationConfigs',
    { id: 't-1' },
    { taskId: 't-1' },
  ],
  [
    'a push config to delete',
    '0.3-jsonrpc',
    'DeleteTaskPushNotificationConfig',
    { id: 't-1', pushNotificationConfigId: 'hook-1' },
    { taskId: 't-1', id: 'hook-1' },
  ],
]

const results: [string, Dialect, OperationName, unknown, unknown][] = [
  ['a task answering SendMessage', '0.3-jsonrpc', 'SendMessage', task03, { task: task10 }],
  [
    'a message answering SendMessage',
    '0.3-jsonrpc',
    'SendMessage',
    agentMessage03,
    { message: agentMessage10 },
  ],
  ['a task', '0.3-jsonrpc', 'GetTask', task03, task10],
  [
    'a status update, final once the task is done',
    '0.3-jsonrpc',
    'SendStreamingMessage',
    {
      kind: 'status-update',
      taskId: 't-1',
      contextId: 'c-1',
      status: { state: 'completed' },
      final: true,
    },
    {
      statusUpdate: { taskId: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_COMPLETED' } },
    },
  ],
  [
    'an artifact update',
    '0.3-jsonrpc',
    'SubscribeToTask',
    {
      kind: 'artifact-update',
      taskId: 't-1',
      contextId: 'c-1',
      artifact: { artifactId: 'r', parts: [{ kind: 'text', text: '4' }] },
      append: true,
      lastChunk: false,
    },
    {
      artifactUpdate: {
        taskId: 't-1',
        contextId: 'c-1',
        artifact: { artifactId: 'r', parts: [{ text: '4' }] },
        append: true,
        lastChunk: false,
      },
    },
  ],
  [
    'a canceled task in proto JSON, spelled CANCELLED',
    '0.3-rest',
    'CancelTask',
    { id: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_CANCELLED' } },
    { id: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_CANCELED' } },
  ],
  [
    'a wrapped status update in proto JSON',
    '0.3-rest',
    'SendStreamingMessage',
    {
      statusUpdate: {
        taskId: 't-1',
        contextId: 'c-1',
        status: { state: 'TASK_STATE_WORKING' },
        final: false,
      },
    },
    { statusUpdate: { taskId: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } } },
  ],
  ['a push config', '0.3-jsonrpc', 'GetTaskPushNotificationConfig', push03, push10],
  [
    'a push config in proto JSON, named by path',
    '0.3-rest',
    'CreateTaskPushNotificationConfig',
    {
      name: 'tasks/t-1/pushNotificationConfigs/hook-1',
      pushNotificationConfig: push03.pushNotificationConfig,
    },
    push10,
  ],
  [
    'a push config list',
    '0.3-jsonrpc',
    'ListTaskPushNotificationConfigs',
    [push03],
    { configs: [push10] },
  ],
]

describe('A2A version conversion', () => {
  it.each(params)(
    'carries %s (%s, %s) from 0.3 to 1.0',
    (_, dialect, operation, legacy, current) => {
      // Act
      const converted = paramsToV1(dialect, operation, legacy)

      // Assess
      expect(converted).toEqual(current)
    },
  )

  it.each(params)(
    'carries %s (%s, %s) from 1.0 to 0.3',
    (_, dialect, operation, legacy, current) => {
      // Act
      const converted = paramsFromV1(dialect, operation, current)

      // Assess
      expect(converted).toEqual(legacy)
    },
  )

  it.each(results)(
    'answers %s (%s, %s) from 0.3 to 1.0',
    (_, dialect, operation, legacy, current) => {
      // Act
      const converted = resultToV1(dialect, operation, legacy)

      // Assess
      expect(converted).toEqual(current)
    },
  )

  it.each(results)(
    'answers %s (%s, %s) from 1.0 to 0.3',
    (_, dialect, operation, legacy, current) => {
      // Act
      const converted = resultFromV1(dialect, operation, current)

      // Assess
      expect(converted).toEqual(legacy)
    },
  )

  it.each([
    ['submitted', 'TASK_STATE_SUBMITTED'],
    ['working', 'TASK_STATE_WORKING'],
    ['input-required', 'TASK_STATE_INPUT_REQUIRED'],
    ['auth-required', 'TASK_STATE_AUTH_REQUIRED'],
    ['completed', 'TASK_STATE_COMPLETED'],
    ['canceled', 'TASK_STATE_CANCELED'],
    ['failed', 'TASK_STATE_FAILED'],
    ['rejected', 'TASK_STATE_REJECTED'],
    ['unknown', 'TASK_STATE_UNSPECIFIED'],
  ])('spells task state %s as %s and back', (legacy, current) => {
    // Act, Assess
    expect(taskStateToV1(legacy)).toBe(current)
    expect(taskStateToV03(current)).toBe(legacy)
  })

  it.each([
    [1, 'submitted'],
    [2, 'working'],
    [3, 'completed'],
    [5, 'canceled'],
    [6, 'input-required'],
    [0, 'unknown'],
  ])('spells task state number %s, as ProtoJSON may give it, as %s', (current, legacy) => {
    // Act, Assess
    expect(taskStateToV03(current)).toBe(legacy)
  })

  it('ends a 0.3 stream at a 1.0 status update whose state is a number', () => {
    // Act
    const converted = resultFromV1('0.3-jsonrpc', 'SendStreamingMessage', {
      statusUpdate: { taskId: 't-1', contextId: 'c-1', status: { state: 3 } },
    })

    // Assess
    expect(converted).toMatchObject({ status: { state: 'completed' }, final: true })
  })

  it.each([
    [1, 'user'],
    [2, 'agent'],
  ])('hands a 0.3 agent a 1.0 message whose role is the number %s as %s', (role, legacy) => {
    // Act
    const converted = paramsFromV1('0.3-jsonrpc', 'SendMessage', {
      message: { messageId: 'm-1', role, parts: [{ text: 'hi' }] },
    })

    // Assess
    expect(converted).toMatchObject({ message: { role: legacy } })
  })

  // What an agent may answer that translation grows the most: objects of nothing where parts,
  // messages, artifacts and statuses go, and data that is no object.
  const none = () => Array.from({ length: 50 }, () => ({}))
  const currentAnswers = [
    { task: { id: 't', status: {}, artifacts: [{ parts: none() }], history: none() } },
    { message: { parts: none() } },
    { message: { parts: Array.from({ length: 50 }, () => ({ data: 0 })) } },
    { message: { parts: Array.from({ length: 50 }, () => ({ url: '' })) } },
    { statusUpdate: { status: { message: { parts: none() } } } },
    { artifactUpdate: { artifact: { parts: none() } } },
  ]
  const legacyAnswers: [Dialect, unknown][] = [
    ['0.3-jsonrpc', { kind: 'task', status: {}, history: none().map(() => ({ kind: 'message' })) }],
    ['0.3-jsonrpc', { kind: 'message', parts: none().map(() => ({ kind: 'data' })) }],
    ['0.3-rest', { task: { status: {}, history: none(), artifacts: none() } }],
    ['0.3-rest', { message: { content: none().map(() => ({ file: {} })) } }],
  ]
  const grewBy = (from: unknown, to: unknown) =>
    JSON.stringify(to).length - JSON.stringify(from).length

  it.each(
    (['0.3-jsonrpc', '0.3-rest'] as const).flatMap((dialect) =>
      currentAnswers.map((answer) => [dialect, answer] as const),
    ),
  )(
    'never grows a 1.0 answer, translated to %s, past what mayGrowPast counts: %j',
    (dialect, answer) => {
      // Act
      const growth = grewBy(answer, resultFromV1(dialect, 'SendStreamingMessage', answer))

      // Assess
      expect(growth).toBeGreaterThan(0)
      expect(mayGrowPast(answer, growth - 1)).toBe(true)
    },
  )

  it.each(legacyAnswers)(
    'never grows a %s answer, translated to 1.0, past what mayGrowPast counts',
    (dialect, answer) => {
      // Act
      const growth = grewBy(answer, resultToV1(dialect, 'SendStreamingMessage', answer))

      // Assess
      expect(mayGrowPast(answer, Math.max(growth, 0) - 1)).toBe(true)
    },
  )

  it('counts nothing inside data or metadata, which translation carries as they are', () => {
    // Prepare
    const rows = Array.from({ length: 1000 }, (_, n) => ({ n }))

    // Act, Assess: the message and its part only
    expect(mayGrowPast({ parts: [{ data: { rows }, metadata: { rows } }] }, 3 * 80)).toBe(false)
  })

  /** What translating the agent's `text` adds to it, in bytes, written as the gateway writes it. */
  const grewFromText = (text: string, translate: (value: unknown) => unknown) =>
    Buffer.byteLength(JSON.stringify(translate(JSON.parse(text)))) - Buffer.byteLength(text)

  it.each([
    ['in metadata', '{"message":{"parts":[],"metadata":{"x":[NUMS]}}}'],
    ['in data', '{"message":{"parts":[{"data":{"x":[NUMS]}}]}}'],
  ])('writes back each number as the agent wrote it, so counts none (%s)', (_, shape) => {
    // Prepare: read as translation reads an answer, numbers JSON writes otherwise kept as written
    const written = [
      '1e20',
      '-1.5e20',
      '1e-6',
      '5e-324',
      '7e3',
      '12345678901234567890',
      '-0',
      '1.0',
    ]
    const text = shape.replace('NUMS', written.join(','))
    const read = parseKeepingInexactNumbers(text)

    // Act
    const translated = JSON.stringify(resultFromV1('0.3-jsonrpc', 'SendMessage', read))

    // Assess: each as written; the bound counts objects alone and still covers the growth
    expect(translated).toContain(`[${written.join(',')}]`)
    const grown = Buffer.byteLength(translated) - Buffer.byteLength(text)
    expect(mayGrowPast(read, grown - 1)).toBe(true)
  })

  it.each([
    ['SendMessage', '0.3-jsonrpc', { message: { parts: [0, null, 'x', true, 1] } }],
    ['SendMessage', '0.3-rest', { task: { id: 't', history: [0, 0, 0], artifacts: [0, 0] } }],
    ['ListTaskPushNotificationConfigs', '0.3-rest', { configs: [null, 1, 'data'] }],
  ] as const)(
    'counts an item of a list that is no object, which translation makes one (%s to %s)',
    (operation, dialect, answer) => {
      // Act: a part given as 0 becomes 0.3's wrapped data part, some 70 bytes more
      const growth = grewFromText(JSON.stringify(answer), (v) =>
        resultFromV1(dialect, operation, v),
      )

      // Assess
      expect(growth).toBeGreaterThan(0)
      expect(mayGrowPast(answer, growth - 1)).toBe(true)
    },
  )

  it.each([
    ['0.3-jsonrpc', { kind: 'task', status: {}, history: [0, 0, 0], artifacts: [0, 0] }],
    ['0.3-rest', { message: { content: [0, null, 'x'] } }],
  ] as const)(
    'counts an item of a %s list that is no object, translated to 1.0',
    (dialect, answer) => {
      // Act
      const growth = grewFromText(JSON.stringify(answer), (v) =>
        resultToV1(dialect, 'SendMessage', v),
      )

      // Assess
      expect(mayGrowPast(answer, Math.max(growth, 0) - 1)).toBe(true)
    },
  )

  it('counts nothing for numbers an agent wrote as short as they can be', () => {
    // Prepare: an embedding's floats, 0.1234567 and the like, come back as they were sent
    const vector = Array.from({ length: 10_000 }, (_, n) => (n % 997) / 997)

    // Act, Assess: the message, its parts and its part only
    expect(mayGrowPast({ parts: [{ data: { vector } }] }, 3 * 80)).toBe(false)
  })

  it.each([
    ['GetTaskPushNotificationConfig', { taskId: 't', id: 'c'.repeat(10_000), url: 'https://h' }],
    ['ListTaskPushNotificationConfigs', { configs: [{ taskId: 't', id: 'c'.repeat(10_000) }] }],
  ] as const)(
    'counts a push config id that 0.3’s HTTP+JSON writes twice (%s)',
    (operation, answer) => {
      // Act: 0.3's HTTP+JSON names the config by a name that holds its id, and its config too
      const growth = grewFromText(JSON.stringify(answer), (v) =>
        resultFromV1('0.3-rest', operation, v),
      )

      // Assess
      expect(growth).toBeGreaterThan(10_000)
      expect(mayGrowPast(answer, growth - 1)).toBe(true)
    },
  )

  it('carries a task id given by its proto name across versions, as an agent reads it', () => {
    // Assess: a 0.3 push config set as task_id, and a 1.0 delete's task_id, keep their task
    expect(
      paramsToV1('0.3-jsonrpc', 'CreateTaskPushNotificationConfig', {
        task_id: 't-1',
        pushNotificationConfig: { url: 'https://hooks.example.com/a2a' },
      }),
    ).toMatchObject({ taskId: 't-1', url: 'https://hooks.example.com/a2a' })
    expect(
      paramsFromV1('0.3-jsonrpc', 'DeleteTaskPushNotificationConfig', { task_id: 't-1', id: 'c' }),
    ).toEqual({ id: 't-1', pushNotificationConfigId: 'c' })
  })

  it('reads a 0.3 HTTP+JSON resubscribe by its path, the body’s resource name left out', () => {
    // Act
    const params = paramsToV1('0.3-rest', 'SubscribeToTask', { id: 't-1', name: 'tasks/t-1' })

    // Assess
    expect(params).toEqual({ id: 't-1' })
  })

  it('names no task a 1.0 agent’s push config leaves out, for a 0.3 HTTP+JSON caller', () => {
    // Act: an agent answering its config without the task it belongs to
    const result = resultFromV1('0.3-rest', 'GetTaskPushNotificationConfig', inlinePush10)

    // Assess: no `tasks/undefined/...` name; the config is carried as it came
    expect(result).toEqual({ pushNotificationConfig: push03.pushNotificationConfig })
  })

  it.each([
    ['as its proto’s HTTP rule has it (the config itself)', (config: unknown) => config],
    ['as its specification’s text has it ({ config })', (config: unknown) => ({ config })],
  ])('reads a 0.3 HTTP+JSON push config set %s', (_, bodyOf) => {
    // Prepare
    const config = {
      name: 'tasks/t-1/pushNotificationConfigs/c-1',
      pushNotificationConfig: { url: 'https://hooks.example.com/a2a', token: 'tok' },
    }

    // Act
    const params = paramsToV1('0.3-rest', 'CreateTaskPushNotificationConfig', bodyOf(config))

    // Assess
    expect(params).toMatchObject({
      taskId: 't-1',
      url: 'https://hooks.example.com/a2a',
      token: 'tok',
    })
  })

  // A 1.0 send as a ProtoJSON client may spell it: every field of more than one word by its proto name.
  const protoNamedSend = {
    message: {
      message_id: 'm-1',
      context_id: 'c-1',
      task_id: 't-1',
      reference_task_ids: ['t-0'],
      role: 'ROLE_USER',
      parts: [{ url: 'https://x.example/a.png', media_type: 'image/png' }],
    },
    configuration: {
      return_immediately: true,
      history_length: 2,
      accepted_output_modes: ['text/plain'],
      task_push_notification_config: { url: 'https://gateway.example/push/c' },
    },
  }

  it('hands a 0.3 agent a 1.0 send spelled by proto names in 0.3’s names: it must not block, and keeps its context', () => {
    // Act
    const converted = paramsFromV1('0.3-jsonrpc', 'SendMessage', protoNamedSend)

    // Assess
    expect(converted).toEqual({
      message: {
        kind: 'message',
        messageId: 'm-1',
        contextId: 'c-1',
        taskId: 't-1',
        referenceTaskIds: ['t-0'],
        role: 'user',
        parts: [{ kind: 'file', file: { uri: 'https://x.example/a.png', mimeType: 'image/png' } }],
      },
      configuration: {
        acceptedOutputModes: ['text/plain'],
        historyLength: 2,
        pushNotificationConfig: { url: 'https://gateway.example/push/c' },
        blocking: false,
      },
    })
  })

  it.each<Dialect>(['0.3-jsonrpc', '0.3-rest'])(
    'hands a 0.3 agent (%s) the same request whichever names a 1.0 caller spells its fields by',
    (dialect) => {
      // Prepare
      const jsonNamed = {
        message: {
          messageId: 'm-1',
          contextId: 'c-1',
          taskId: 't-1',
          referenceTaskIds: ['t-0'],
          role: 'ROLE_USER',
          parts: [{ url: 'https://x.example/a.png', mediaType: 'image/png' }],
        },
        configuration: {
          returnImmediately: true,
          historyLength: 2,
          acceptedOutputModes: ['text/plain'],
          taskPushNotificationConfig: { url: 'https://gateway.example/push/c' },
        },
      }

      // Act, Assess
      expect(paramsFromV1(dialect, 'SendMessage', protoNamedSend)).toEqual(
        paramsFromV1(dialect, 'SendMessage', jsonNamed),
      )
      expect(paramsFromV1(dialect, 'GetTask', { id: 't-1', history_length: 1 })).toEqual({
        id: 't-1',
        historyLength: 1,
      })
    },
  )

  it('refuses a 1.0 field spelled by both names with different values, as invalid params', () => {
    // Act
    const act = () =>
      paramsFromV1('0.3-jsonrpc', 'SendMessage', {
        message: message10,
        configuration: { returnImmediately: false, return_immediately: true },
      })

    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        kind: 'invalid-params',
        message: expect.stringContaining('returnImmediately and return_immediately'),
      }),
    )
    expect(
      paramsFromV1('0.3-jsonrpc', 'GetTask', { id: 't-1', historyLength: 1, history_length: 1 }),
    ).toEqual({ id: 't-1', historyLength: 1 })
  })

  it("reads a 0.3 HTTP+JSON message given as proto's `request`, and a get that names no config", () => {
    // Assess
    expect(
      paramsToV1('0.3-rest', 'SendMessage', {
        request: { messageId: 'm', role: 'ROLE_USER', taskId: 't-1', content: [{ text: 'hi' }] },
      }),
    ).toMatchObject({ message: { messageId: 'm', taskId: 't-1', parts: [{ text: 'hi' }] } })
    expect(paramsToV1('0.3-jsonrpc', 'GetTaskPushNotificationConfig', { id: 't-1' })).toEqual({
      taskId: 't-1',
      id: 't-1',
    })
  })

  it('reads a 0.3 HTTP+JSON send spelled by its proto names, file parts and push config included', () => {
    // Act
    const converted = paramsToV1('0.3-rest', 'SendMessage', {
      message: {
        message_id: 'm',
        role: 'ROLE_USER',
        content: [
          { file: { file_with_uri: 'https://x.example/a.png', mime_type: 'image/png' } },
          { file: { file_with_bytes: 'aGk=' } },
        ],
      },
      configuration: { push_notification: { url: 'https://gateway.example/push/c' } },
    })

    // Assess
    expect(converted).toMatchObject({
      message: {
        parts: [{ url: 'https://x.example/a.png', mediaType: 'image/png' }, { raw: 'aGk=' }],
      },
      configuration: { taskPushNotificationConfig: { url: 'https://gateway.example/push/c' } },
    })
  })

  it('drops the tenant a 0.3 agent has no place for', () => {
    // Act
    const converted = paramsFromV1('0.3-jsonrpc', 'GetTask', { id: 't-1', tenant: 'acme' })

    // Assess
    expect(converted).toEqual({ id: 't-1' })
  })

  it('refuses a 0.3 part of no known kind', () => {
    // Act
    const act = () =>
      paramsToV1('0.3-jsonrpc', 'SendMessage', {
        message: { ...message03, parts: [{ kind: 'video' }] },
      })

    // Assess
    expect(act).toThrow(VersionTranslationError)
  })

  it('reads A2A-Version: absent or unknown is none, 0.x is 0.3, 1.x is 1.0', () => {
    // Act, Assess
    expect([undefined, 'x', '0.3', '0.3.0', '1.0', '1'].map(requestedVersion)).toEqual([
      undefined,
      undefined,
      '0.3',
      '0.3',
      '1.0',
      '1.0',
    ])
  })

  const card03 = {
    name: 'Weather',
    description: 'Forecasts',
    version: '1.2.0',
    protocolVersion: '0.3.0',
    url: 'https://agent.example/rpc',
    preferredTransport: 'JSONRPC',
    additionalInterfaces: [
      { url: 'https://agent.example/rpc', transport: 'JSONRPC' },
      { url: 'https://agent.example/rest', transport: 'HTTP+JSON' },
    ],
    capabilities: { streaming: true },
    supportsAuthenticatedExtendedCard: true,
    skills: [{ id: 'forecast', name: 'Forecast', description: 'Tomorrow', tags: [] }],
  }

  it('moves a 0.3 card’s interfaces and extended-card flag to where 1.0 keeps them', () => {
    // Act
    const card = cardToVersion(card03, '1.0') as Record<string, unknown>

    // Assess
    expect(card).toMatchObject({
      name: 'Weather',
      capabilities: { streaming: true, extendedAgentCard: true },
      supportedInterfaces: [
        { url: 'https://agent.example/rpc', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        { url: 'https://agent.example/rpc', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        { url: 'https://agent.example/rest', protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
      ],
    })
    expect(card).not.toHaveProperty('url')
    expect(card).not.toHaveProperty('supportsAuthenticatedExtendedCard')
  })

  it('moves a 1.0 card’s interfaces back to 0.3’s url and additionalInterfaces', () => {
    // Act
    const card = cardToVersion(cardToVersion(card03, '1.0'), '0.3') as Record<string, unknown>

    // Assess
    expect(card).toMatchObject({
      protocolVersion: '0.3.0',
      url: 'https://agent.example/rpc',
      preferredTransport: 'JSONRPC',
      supportsAuthenticatedExtendedCard: true,
      capabilities: { streaming: true },
    })
    expect(card).not.toHaveProperty('supportedInterfaces')
  })
})
