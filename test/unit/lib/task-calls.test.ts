import { describe, expect, it } from 'vitest'
import type { OperationName } from '../../../lib/a2a/operations.ts'
import { type A2ACall, type A2ARequest, parseA2ARequest } from '../../../lib/a2a/request.ts'
import {
  listedTasks,
  namedTask,
  ReadOtherwiseError,
  taskIdsInAnswer,
  taskIdsInEvents,
  taskIdsInPayload,
  tasksInAnswerTo,
  UnreadableAnswerError,
  UnreadableTaskIdError,
} from '../../../lib/tasks/task-calls.ts'

const callOf = (parsed: A2ARequest) => {
  if (parsed.kind !== 'call') throw new Error(`not a call: ${JSON.stringify(parsed)}`)
  return parsed.call
}
const jsonRpcCall = (method: string, params: unknown) =>
  callOf(
    parseA2ARequest({
      agentId: 'weather',
      method: 'POST',
      subPath: '',
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    }),
  )
/** A call as a handler would get it had its params not been checked first (0.3 calls are not). */
const uncheckedCall = (operation: OperationName, params: unknown): A2ACall => ({
  agentId: 'weather',
  operation,
  version: '1.0',
  params,
  stream: false,
  binding: 'JSONRPC',
})
/** A valid 1.0 message, continuing the task `taskId` names. */
const messageIn = (taskId?: string) => ({
  messageId: 'm-1',
  role: 'ROLE_USER',
  parts: [{ text: 'hi' }],
  ...(taskId === undefined ? {} : { taskId }),
})
const restCall = (method: string, subPath: string, body?: unknown) =>
  callOf(
    parseA2ARequest({
      agentId: 'weather',
      method,
      subPath,
      body: body === undefined ? null : JSON.stringify(body),
    }),
  )

describe('namedTask', () => {
  it.each([
    ['GetTask', { id: 't-1' }],
    ['CancelTask', { id: 't-1' }],
    ['SubscribeToTask', { id: 't-1' }],
    ['CreateTaskPushNotificationConfig', { taskId: 't-1', url: 'https://h' }],
    ['GetTaskPushNotificationConfig', { taskId: 't-1', id: 'h' }],
    ['ListTaskPushNotificationConfigs', { taskId: 't-1' }],
    ['DeleteTaskPushNotificationConfig', { taskId: 't-1', id: 'h' }],
    ['SendMessage', { message: messageIn('t-1') }],
    ['SendStreamingMessage', { message: messageIn('t-1') }],
    // 0.3 names; its push-config reads name the task `id`.
    ['tasks/get', { id: 't-1' }],
    ['tasks/cancel', { id: 't-1' }],
    ['tasks/resubscribe', { id: 't-1' }],
    ['tasks/pushNotificationConfig/set', { taskId: 't-1', pushNotificationConfig: {} }],
    ['tasks/pushNotificationConfig/get', { id: 't-1', pushNotificationConfigId: 'h' }],
    ['tasks/pushNotificationConfig/list', { id: 't-1' }],
    ['tasks/pushNotificationConfig/delete', { id: 't-1', pushNotificationConfigId: 'h' }],
    ['message/send', { message: { taskId: 't-1', parts: [] } }],
  ])('reads the task a JSON-RPC %s names', (method, params) => {
    // Act
    const named = namedTask(jsonRpcCall(method, params))

    // Assess
    expect(named).toEqual({ taskId: 't-1' })
  })

  it.each([
    ['GET', '/tasks/t%3F1'],
    ['POST', '/tasks/t%3F1:cancel'],
    ['GET', '/tasks/t%3F1:subscribe'],
    ['POST', '/tasks/t%3F1/pushNotificationConfigs'],
    ['GET', '/tasks/t%3F1/pushNotificationConfigs/h'],
    ['DELETE', '/tasks/t%3F1/pushNotificationConfigs/h'],
    ['GET', '/v1/tasks/t%3F1'],
    ['GET', '/tenant-a/tasks/t%3F1'],
  ])('reads the task an HTTP+JSON %s %s names, decoded', (method, path) => {
    // Act
    const body = method === 'POST' && path.endsWith('Configs') ? { url: 'https://h' } : undefined
    const named = namedTask(restCall(method, decodeURIComponent(path), body))

    // Assess
    expect(named).toEqual({ taskId: 't?1' })
  })

  it('reads the task an HTTP+JSON SendMessage continues from its body', () => {
    // Act
    const named = namedTask(restCall('POST', '/message:send', { message: messageIn('t-1') }))

    // Assess
    expect(named).toEqual({ taskId: 't-1' })
  })

  it.each([
    ['SendMessage', { message: { ...messageIn(), task_id: 't-1' } }],
    ['CreateTaskPushNotificationConfig', { task_id: 't-1', url: 'https://h' }],
    ['DeleteTaskPushNotificationConfig', { task_id: 't-1', id: 'h' }],
  ])(
    'reads the task a JSON-RPC %s names by its proto name, as the agent will',
    (method, params) => {
      // Act
      const named = namedTask(jsonRpcCall(method, params))

      // Assess
      expect(named).toEqual({ taskId: 't-1' })
    },
  )

  it('calls a message naming its task twice, by both names, invalid: no one can tell which the agent reads', () => {
    // Act: as a call the params check has not read (a 1.0 call is refused there first; 0.3's are not read)
    const named = namedTask(
      uncheckedCall('SendMessage', { message: { ...messageIn('t-mine'), task_id: 't-theirs' } }),
    )

    // Assess
    expect(named).toEqual({ invalid: expect.stringContaining('taskId and task_id') })
  })

  it("reads the task a 0.3 HTTP+JSON message names under proto's `request`", () => {
    // Act: 0.3's proto names SendMessageRequest's message `request`, and its servers read it
    const named = namedTask(
      restCall('POST', '/v1/message:send', {
        request: { messageId: 'm', role: 'ROLE_USER', taskId: 't-1', content: [{ text: 'hi' }] },
      }),
    )

    // Assess
    expect(named).toEqual({ taskId: 't-1' })
  })

  it('calls a 0.3 push config whose resource name names another task than its path invalid', () => {
    // Act: 0.3's HTTP+JSON servers read the task from `name`, not the path
    const named = namedTask(
      restCall('POST', '/v1/tasks/t-mine/pushNotificationConfigs', {
        name: 'tasks/t-theirs/pushNotificationConfigs/c',
        pushNotificationConfig: { url: 'https://h' },
      }),
    )
    const same = namedTask(
      restCall('POST', '/v1/tasks/t-mine/pushNotificationConfigs', {
        name: 'tasks/t-mine/pushNotificationConfigs/c',
        pushNotificationConfig: { url: 'https://h' },
      }),
    )

    // Assess
    expect(named).toEqual({ invalid: expect.stringContaining('twice') })
    expect(same).toEqual({ taskId: 't-mine' })
  })

  it("reads a 0.3 push config's resource name as its servers do: String(name), not decoded", () => {
    // Act
    const named = (name: unknown, path = '/v1/tasks/t-mine/pushNotificationConfigs') =>
      namedTask(restCall('POST', path, { name, pushNotificationConfig: { url: 'https://h' } }))

    // Assess: an array is read as its string; a % is compared as it is
    expect(named(['tasks/t-theirs/pushNotificationConfigs/c'])).toEqual({
      invalid: expect.stringContaining('twice'),
    })
    expect(
      named('tasks/50%/pushNotificationConfigs/c', '/v1/tasks/50%/pushNotificationConfigs'),
    ).toEqual({
      taskId: '50%',
    })
  })

  it('names no task for a new message, ListTasks or the extended card', () => {
    // Assess
    expect(namedTask(jsonRpcCall('SendMessage', { message: messageIn() }))).toBeUndefined()
    expect(namedTask(jsonRpcCall('SendMessage', { message: messageIn('') }))).toBeUndefined()
    expect(namedTask(jsonRpcCall('ListTasks', {}))).toBeUndefined()
    expect(namedTask(jsonRpcCall('GetExtendedAgentCard', {}))).toBeUndefined()
  })

  it.each([
    ['GetTask', {}],
    ['GetTask', { id: 42 }],
    ['GetTask', { id: '' }],
    ['CancelTask', { id: { $ne: null } }],
    ['SendMessage', { message: { taskId: 7 } }],
    ['GetTask', null],
  ] as const)(
    'calls a %s with %j invalid rather than letting an unchecked id through',
    (method, params) => {
      // Act
      const named = namedTask(uncheckedCall(method, params))

      // Assess
      expect(named).toMatchObject({ invalid: expect.stringContaining(method) })
    },
  )
})

describe('taskIdsInPayload', () => {
  it.each([
    ['a 1.0 task', { task: { id: 't-1', status: {} } }],
    ['a 1.0 message', { message: { messageId: 'm', taskId: 't-1' } }],
    ['a 1.0 status update', { statusUpdate: { taskId: 't-1', status: {} } }],
    ['a 1.0 artifact update', { artifactUpdate: { taskId: 't-1', artifact: {} } }],
    ['a 0.3 HTTP+JSON msg', { msg: { taskId: 't-1' } }],
    ['a snake_case status update', { status_update: { task_id: 't-1' } }],
    ['a 0.3 task', { kind: 'task', id: 't-1', status: {} }],
    ['a 0.3 message', { kind: 'message', messageId: 'm', taskId: 't-1' }],
    ['a 0.3 status update', { kind: 'status-update', taskId: 't-1' }],
    ['a 0.3 artifact update', { kind: 'artifact-update', taskId: 't-1' }],
  ])('finds the task of %s', (_shape, payload) => {
    // Assess
    expect(taskIdsInPayload(payload)).toEqual(['t-1'])
  })

  it('finds none in a message outside any task, or in anything else', () => {
    // Assess
    expect(taskIdsInPayload({ message: { messageId: 'm' } })).toEqual([])
    expect(taskIdsInPayload({ id: 't-1', status: {} })).toEqual([])
    expect(taskIdsInPayload('t-1')).toEqual([])
    expect(taskIdsInPayload(null)).toEqual([])
  })
})

describe('taskIdsInAnswer and taskIdsInEvents', () => {
  it('reads a JSON-RPC result and an HTTP+JSON body, never an error', () => {
    // Assess
    expect(
      taskIdsInAnswer('JSONRPC', '{"jsonrpc":"2.0","id":1,"result":{"task":{"id":"a"}}}'),
    ).toEqual(['a'])
    expect(taskIdsInAnswer('HTTP+JSON', '{"task":{"id":"b"}}')).toEqual(['b'])
    expect(taskIdsInAnswer('JSONRPC', '{"jsonrpc":"2.0","id":1,"error":{"code":-32001}}')).toEqual(
      [],
    )
    expect(taskIdsInAnswer('HTTP+JSON', 'not json')).toEqual([])
  })

  it('reads every event of a run, error events too, skipping comments', () => {
    // Prepare
    const run = [
      ': keep-alive\n\n',
      'data: {"task":{"id":"t-1"}}\n\n',
      'data: {"statusUpdate":\ndata: {"taskId":"t-2"}}\r\n\r\n',
      'event: error\ndata: {"task":{"id":"t-3"}}\n\n',
    ].join('')

    // Act
    const ids = taskIdsInEvents('HTTP+JSON', run)

    // Assess: a client may read an error event's data as a result, so it is read too.
    expect(ids).toEqual(['t-1', 't-2', 't-3'])
  })

  it('reads what a client reads beside an error: an HTTP+JSON body whole, a JSON-RPC result', () => {
    // Assess: @a2a-js/sdk's REST transport reads a 2xx body's task without looking for `error`
    expect(taskIdsInAnswer('HTTP+JSON', '{"error":null,"task":{"id":"a"}}')).toEqual(['a'])
    expect(
      taskIdsInAnswer(
        'JSONRPC',
        '{"jsonrpc":"2.0","id":1,"error":null,"result":{"task":{"id":"b"}}}',
      ),
    ).toEqual(['b'])
    expect(taskIdsInEvents('HTTP+JSON', 'data: {"error":{},"task":{"id":"c"}}\n\n')).toEqual(['c'])
  })

  it('reads a task named under both its spellings as two, so neither reaches the caller unchecked', () => {
    // Assess: a client may read either name
    expect(
      taskIdsInAnswer('HTTP+JSON', '{"message":{"taskId":"t-mine","task_id":"t-theirs"}}'),
    ).toEqual(['t-mine', 't-theirs'])
  })

  it.each([
    ['an array', 'data: {"task":{"id":["t-1"]}}\n\n'],
    ['a number', 'data: {"statusUpdate":{"taskId":7}}\n\n'],
    ['an object', 'data: {"message":{"taskId":{"id":"t-1"}}}\n\n'],
  ])(
    'throws on a task id that is %s, which a client may read as a task all the same',
    (_kind, run) => {
      // Assess
      expect(() => taskIdsInEvents('HTTP+JSON', run)).toThrow(UnreadableTaskIdError)
    },
  )

  it.each([
    [
      'a NaN, which Python’s json.loads reads',
      'data: {"task":{"id":"t-1","metadata":{"n":NaN}}}\n\n',
    ],
    ['no JSON at all', 'data: {"task":{"id":"t-1"}}\n\ndata: boom\n\n'],
  ])('throws on an event whose data is no JSON to the gateway: %s', (_kind, run) => {
    // Assess: what a lenient client may read in it cannot be checked
    expect(() => taskIdsInEvents('HTTP+JSON', run)).toThrow(UnreadableAnswerError)
  })

  it.each([
    ['a wrapper in another case', 'HTTP+JSON', '{"Task":{"id":"t-1"}}'],
    ['an id in another case', 'HTTP+JSON', '{"task":{"ID":"t-1"}}'],
    ['a task id with a long s', 'HTTP+JSON', '{"statusUpdate":{"ta\u017fkId":"t-1"}}'],
    [
      'a JSON-RPC result in another case',
      'JSONRPC',
      '{"jsonrpc":"2.0","id":1,"Result":{"task":{"id":"t-1"}}}',
    ],
    ['a bare 0.3 task’s kind in another case', 'HTTP+JSON', '{"Kind":"task","id":"t-1"}'],
  ] as const)(
    'throws on %s, which a client reading as Go’s encoding/json does (a2a-go) reads as A2A’s',
    (_case, binding, answer) => {
      // Assess
      expect(() => taskIdsInAnswer(binding, answer)).toThrow(ReadOtherwiseError)
    },
  )

  it('reads a data part’s own keys in any case, which no check reads', () => {
    // Assess
    expect(
      taskIdsInAnswer(
        'HTTP+JSON',
        '{"task":{"id":"t-1","artifacts":[{"parts":[{"data":{"ID":7}}]}]}}',
      ),
    ).toEqual(['t-1'])
  })

  it.each([
    ['a comment', ': note\u2028data: {"task":{"id":"t-1"}}\n\n'],
    ['an event name', 'data: {}\n\nevent: x\u0085data: {"task":{"id":"t-1"}}\ndata: {}\n\n'],
    ['an id', 'id: 1\u2029data: {"task":{"id":"t-1"}}\n\n'],
  ])(
    'throws on %s holding a character Python’s splitlines ends a line at, which some clients read as data after it',
    (_line, run) => {
      // Assess
      expect(() => taskIdsInEvents('HTTP+JSON', run)).toThrow(ReadOtherwiseError)
    },
  )

  it('reads a data line holding U+2028 in a string, which no client can read as another task', () => {
    // Assess
    expect(taskIdsInEvents('HTTP+JSON', 'data: {"task":{"id":"t-1","x":"a\u2028b"}}\n\n')).toEqual([
      't-1',
    ])
  })

  it('reads an event whose data is empty, or blank, as naming no task', () => {
    // Assess
    expect(taskIdsInEvents('HTTP+JSON', 'data\n\ndata: \ndata: \n\n')).toEqual([])
  })

  it.each([
    ['an event ended by LF CR LF', 'data: {"message":{}}\n\r\ndata: {"task":{"id":"t-1"}}\n\n'],
    ['lines ended by CR alone', 'data: {"message":{}}\r\rdata: {"task":{"id":"t-1"}}\r\r'],
    [
      'a line a byte-order mark opens, which is no data line past the stream’s start',
      '\ufeffdata: {\ndata: {"task":{"id":"t-1"}}\n\n',
    ],
    [
      'an event named error, then otherwise',
      'event: error\nevent: x\ndata: {"task":{"id":"t-1"}}\n\n',
    ],
  ])('finds a task wherever a client would read one: %s', (_case, run) => {
    // Assess
    expect(taskIdsInEvents('HTTP+JSON', run)).toEqual(['t-1'])
  })
})

describe('a 0.3 task, message or update given with no kind', () => {
  // a2a-python's client reads answers by its models, whose `kind` defaults: such a payload is a
  // Task (or a message or update event) to it
  const task = '{"id":"t-1","contextId":"c","status":{"state":"working"}}'
  const update = '{"taskId":"t-1","contextId":"c","status":{"state":"working"},"final":false}'

  it.each([
    ['a task', task],
    ['a message', '{"messageId":"m","role":"agent","parts":[],"taskId":"t-1"}'],
  ])('is read as naming its task in an answer to a message: %s', (_shape, result) => {
    // Act
    const tasks = tasksInAnswerTo(
      { binding: 'JSONRPC', operation: 'SendMessage' },
      `{"jsonrpc":"2.0","id":1,"result":${result}}`,
    )

    // Assess
    expect(tasks.map(({ taskId }) => taskId)).toEqual(['t-1'])
  })

  it('is read as naming its task in a stream’s event and in a push', () => {
    // Assess
    expect(
      taskIdsInEvents('JSONRPC', `data: {"jsonrpc":"2.0","id":1,"result":${update}}\n\n`),
    ).toEqual(['t-1'])
    expect(taskIdsInPayload(JSON.parse(task), { kindless: true })).toEqual(['t-1'])
  })

  it('is never read into a push config, whose id is the config’s', () => {
    // Act
    const tasks = tasksInAnswerTo(
      { binding: 'HTTP+JSON', operation: 'GetTaskPushNotificationConfig' },
      '{"id":"config-1","taskId":"t-1","url":"https://hook.example.com"}',
    )

    // Assess
    expect(tasks).toEqual([{ taskId: 't-1' }])
  })
})

describe('listedTasks', () => {
  it('passes a JSON-RPC error on as it is, a null result beside it or not', () => {
    // Assess
    expect(
      listedTasks('JSONRPC', '{"jsonrpc":"2.0","id":1,"error":{"code":-32603},"result":null}'),
    ).toBeUndefined()
    expect(
      listedTasks('JSONRPC', '{"jsonrpc":"2.0","id":1,"error":{"code":-32603}}'),
    ).toBeUndefined()
  })

  it.each([
    ['its tasks in another case', 'HTTP+JSON', '{"Tasks":[{"id":"a"}],"tasks":[]}'],
    [
      'its result in another case',
      'JSONRPC',
      '{"jsonrpc":"2.0","id":1,"result":{"tasks":[]},"RESULT":{"tasks":[{"id":"a"}]}}',
    ],
  ] as const)(
    'reads a list with %s as no list, which a client reading as Go does reads otherwise',
    (_case, binding, answer) => {
      // Assess
      expect(listedTasks(binding, answer)).toBe('not-a-list')
    },
  )

  it.each([
    ['HTTP+JSON', '{"tasks":[{"id":"mine","ID":"theirs"}]}'],
    ['JSONRPC', '{"jsonrpc":"2.0","id":1,"result":{"tasks":[{"Id":"theirs"},{"id":"mine"}]}}'],
  ] as const)(
    'throws on a %s list whose task spells its id in another case, the task a client reading as Go does keeps',
    (binding, answer) => {
      // Assess: kept as the caller's by its `id`, it was another caller's task to such a client
      expect(() => listedTasks(binding, answer)).toThrow(ReadOtherwiseError)
    },
  )

  it('filters a JSON-RPC result that comes beside an error, as a client may read it', () => {
    // Prepare
    const answer =
      '{"jsonrpc":"2.0","id":1,"error":null,"result":{"tasks":[{"id":"a"},{"id":"b"}]}}'

    // Act
    const listed = listedTasks('JSONRPC', answer)
    if (typeof listed !== 'object') throw new Error(`not read as a list: ${listed}`)

    // Assess
    expect(listed.taskIds).toEqual(['a', 'b'])
    expect(JSON.parse(listed.keeping(new Set(['b']))).result.tasks).toEqual([{ id: 'b' }])
  })

  it('keeps the chosen tasks of a JSON-RPC answer, its token kept and its count left out', () => {
    // Prepare
    const answer = JSON.stringify({
      jsonrpc: '2.0',
      id: 4,
      result: { tasks: [{ id: 'a' }, { id: 'b' }], nextPageToken: 'n', pageSize: 2, totalSize: 9 },
    })

    // Act
    const listed = listedTasks('JSONRPC', answer)
    if (typeof listed !== 'object') throw new Error(`not read as a list: ${listed}`)
    const kept = JSON.parse(listed.keeping(new Set(['b'])))

    // Assess
    expect(listed.taskIds).toEqual(['a', 'b'])
    expect(kept).toEqual({
      jsonrpc: '2.0',
      id: 4,
      result: { tasks: [{ id: 'b' }], nextPageToken: 'n', pageSize: 2 },
    })
  })

  it('passes an answer whose tasks it keeps all byte for byte, its count with it', () => {
    // Prepare
    const answer = '{"tasks":[{"id":"a"}],  "nextPageToken":"","pageSize":50,"totalSize":1}'

    // Act
    const listed = listedTasks('HTTP+JSON', answer)
    if (typeof listed !== 'object') throw new Error(`not read as a list: ${listed}`)

    // Assess
    expect(listed.keeping(new Set(['a']))).toBe(answer)
  })

  it('keeps the chosen tasks of an HTTP+JSON answer', () => {
    // Act
    const listed = listedTasks('HTTP+JSON', '{"tasks":[{"id":"a"},{"id":"b"}]}')

    // Assess
    expect(listed).not.toBe('not-a-list')
    const kept = typeof listed === 'object' ? listed.keeping(new Set(['a'])) : ''
    expect(JSON.parse(kept)).toEqual({ tasks: [{ id: 'a' }] })
  })

  it('passes a JSON-RPC error by, and calls anything else that is not a list so', () => {
    // Assess
    expect(listedTasks('JSONRPC', '{"jsonrpc":"2.0","id":1,"error":{}}')).toBeUndefined()
    expect(listedTasks('HTTP+JSON', '{"items":[{"id":"a"}]}')).toBe('not-a-list')
    expect(listedTasks('JSONRPC', '{"jsonrpc":"2.0","id":1,"result":[]}')).toBe('not-a-list')
    expect(listedTasks('HTTP+JSON', 'not json')).toBe('not-a-list')
  })
})
