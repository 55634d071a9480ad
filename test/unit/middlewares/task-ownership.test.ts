import { PassThrough, Readable } from 'node:stream'
import type { Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { describe, expect, it, vi } from 'vitest'
import type { A2ACall } from '../../../lib/a2a/request.ts'
import type { Caller } from '../../../lib/auth/caller.ts'
import { TaskOwnedElsewhereError, type TaskOwners } from '../../../lib/tasks/task-owners.ts'
import {
  isAgentFault,
  type TaskOwnershipContext,
  taskOwnership,
} from '../../../middlewares/task-ownership.ts'

const caller: Caller = {
  principal: 'client-a',
  clientId: 'client-a',
  scopes: [],
  grants: { weather: '*' },
  limits: {},
  allTasksOn: [],
  isAdmin: false,
  authorizedAt: 0,
  expiresAt: 0,
  issuedAt: 0,
}

const streamCall: A2ACall = {
  agentId: 'weather',
  operation: 'SendStreamingMessage',
  version: '1.0',
  params: { message: { parts: [] } },
  stream: true,
  binding: 'JSONRPC',
  jsonRpcId: 5,
}

/** A unary SendMessage over JSON-RPC, id 7. */
const unaryCall: A2ACall = {
  agentId: 'weather',
  operation: 'SendMessage',
  version: '1.0',
  params: { message: { parts: [] } },
  stream: false,
  binding: 'JSONRPC',
  jsonRpcId: 7,
}

const requestFor = (call: A2ACall, response?: unknown) =>
  ({
    event: {} as APIGatewayProxyEvent,
    context: { a2a: { kind: 'call', call }, caller } as unknown as TaskOwnershipContext,
    response,
    error: undefined,
    internal: {},
  }) as Request<APIGatewayProxyEvent, unknown, Error, TaskOwnershipContext>

const ownersWith = (record: TaskOwners['record']): TaskOwners => ({
  record: vi.fn(record),
  ownerOf: vi.fn(async () => undefined),
  taskOf: vi.fn(async () => undefined),
  ownedBy: vi.fn(async () => new Set<string>()),
})

const eventStream = (body: Readable) => ({
  statusCode: 200,
  headers: { 'content-type': 'text/event-stream' },
  body,
})

const taskEvent = 'data: {"jsonrpc":"2.0","id":5,"result":{"task":{"id":"t-1"}}}\n\n'

/** A body that closes a while after it is destroyed (pushing 'body closed' to `order`), as streamConcurrency's does while it gives its slot back. */
const slowToClose = (order: string[]) =>
  new PassThrough({
    destroy: (error, callback) =>
      setTimeout(() => {
        order.push('body closed')
        callback(error)
      }, 20),
  })

describe('taskOwnership middleware', () => {
  it('passes on a stream event naming a task only once the task is recorded', async () => {
    // Prepare: the record takes a while, as a DynamoDB write does.
    const order: string[] = []
    let finishRecord = () => {}
    const owners = ownersWith(
      () =>
        new Promise<void>((resolve) => {
          finishRecord = () => {
            order.push('recorded')
            resolve()
          }
        }),
    )
    const body = new PassThrough()
    const request = requestFor(streamCall, eventStream(body))
    await taskOwnership({ owners }).after?.(request)
    const answer = (request.response as { body: Readable }).body
    answer.on('data', (chunk) => order.push(`event ${String(chunk).includes('t-1')}`))

    // Act
    body.write(taskEvent)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const beforeRecorded = [...order]
    finishRecord()
    body.end()
    await new Promise((resolve) => answer.once('end', resolve))

    // Assess
    expect(beforeRecorded).toEqual([])
    expect(order).toEqual(['recorded', 'event true'])
    expect(owners.record).toHaveBeenCalledWith(
      'weather',
      [{ taskId: 't-1' }],
      'client-a',
      undefined,
    )
  })

  it('keeps the stream in order: an event naming no new task waits behind one whose task is being recorded', async () => {
    // Prepare: the first event's record takes a while; the next names no new task.
    let finishRecord = () => {}
    const owners = ownersWith(
      () =>
        new Promise<void>((resolve) => {
          finishRecord = resolve
        }),
    )
    const body = new PassThrough()
    const request = requestFor(streamCall, eventStream(body))
    await taskOwnership({ owners }).after?.(request)
    const answer = (request.response as { body: Readable }).body
    const read: string[] = []
    answer.on('data', (chunk) => read.push(String(chunk)))
    const progress = 'data: {"jsonrpc":"2.0","id":5,"result":{"statusUpdate":{"taskId":"t-1"}}}\n\n'

    // Act
    body.write(taskEvent)
    await new Promise((resolve) => setImmediate(resolve))
    body.write(': keep-alive\n\n')
    body.write(progress)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const beforeRecorded = [...read]
    finishRecord()
    body.end()
    await new Promise((resolve) => answer.once('end', resolve))

    // Assess
    expect(beforeRecorded).toEqual([])
    expect(read).toEqual([taskEvent, ': keep-alive\n\n', progress])
    expect(owners.record).toHaveBeenCalledTimes(1)
  })

  it('records each task once per stream', async () => {
    // Prepare
    const owners = ownersWith(async () => undefined)
    const body = new PassThrough()
    const request = requestFor(streamCall, eventStream(body))
    await taskOwnership({ owners }).after?.(request)
    const answer = (request.response as { body: Readable }).body

    // Act
    body.end(
      `${taskEvent}data: {"jsonrpc":"2.0","id":5,"result":{"statusUpdate":{"taskId":"t-1"}}}\n\n`,
    )
    const read: string[] = []
    for await (const chunk of answer) read.push(String(chunk))

    // Assess
    expect(owners.record).toHaveBeenCalledTimes(1)
    expect(read.join('')).toContain('statusUpdate')
  })

  it('ends the stream with an error event in the caller’s binding when the record fails', async () => {
    // Prepare
    const onError = vi.fn()
    const owners = ownersWith(async () => {
      throw new Error('DynamoDB is down')
    })
    const body = new PassThrough()
    const request = requestFor(streamCall, eventStream(body))
    await taskOwnership({ owners, onError }).after?.(request)
    const answer = (request.response as { body: Readable }).body

    // Act
    body.write(taskEvent)
    const read: string[] = []
    for await (const chunk of answer) read.push(String(chunk))

    // Assess: the event naming the task never reaches the caller; the agent's stream is closed.
    expect(read).toHaveLength(1)
    expect(read[0]).not.toContain('t-1')
    expect(JSON.parse((read[0] as string).replace(/^data: /, ''))).toMatchObject({
      id: 5,
      error: { code: -32603 },
    })
    expect(body.destroyed).toBe(true)
    expect(onError).toHaveBeenCalledOnce()
  })

  it("ends the stream only after the body has closed when the last event names another caller's task", async () => {
    // Prepare: the body closes a while after it is destroyed, as streamConcurrency's
    // does while it gives its stream slot back
    const order: string[] = []
    const owners = ownersWith(async () => {
      throw new TaskOwnedElsewhereError('weather', 't-1')
    })
    const body = slowToClose(order)
    const request = requestFor(streamCall, eventStream(body))
    await taskOwnership({ owners }).after?.(request)
    const answer = (request.response as { body: Readable }).body

    // Act
    body.end(taskEvent)
    const read: string[] = []
    for await (const chunk of answer) read.push(String(chunk))
    order.push('answer ended')

    // Assess
    expect(read).toHaveLength(1)
    expect(read[0]).not.toContain('t-1')
    expect(read[0]).toContain('another caller created')
    expect(order).toEqual(['body closed', 'answer ended'])
  })

  it('closes a stream the caller abandons only after the body has closed', async () => {
    // Prepare
    const order: string[] = []
    const owners = ownersWith(async () => undefined)
    const body = slowToClose(order)
    const request = requestFor(streamCall, eventStream(body))
    await taskOwnership({ owners }).after?.(request)
    const answer = (request.response as { body: Readable }).body
    answer.resume()
    const closed = new Promise((resolve) => answer.once('close', resolve))

    // Act
    answer.destroy()
    await closed
    order.push('answer closed')

    // Assess
    expect(order).toEqual(['body closed', 'answer closed'])
  })

  it('withholds a unary answer whose task cannot be recorded', async () => {
    // Prepare
    const owners = ownersWith(async () => {
      throw new Error('DynamoDB is down')
    })
    const request = requestFor(
      { ...streamCall, operation: 'SendMessage', stream: false, binding: 'HTTP+JSON' },
      {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"task":{"id":"t-9"}}',
      },
    )

    // Act
    await taskOwnership({ owners }).after?.(request)

    // Assess
    const response = request.response as { statusCode: number; body: string }
    expect(response.statusCode).toBe(500)
    expect(response.body).not.toContain('t-9')
  })

  it('ends the stream, its event withheld, when an event names a task by an id that is not a string', async () => {
    // Prepare: @a2a-js/sdk's client would read `["t-1"]` as the task t-1
    const owners = ownersWith(async () => undefined)
    const body = new PassThrough()
    const request = requestFor(streamCall, eventStream(body))
    await taskOwnership({ owners }).after?.(request)
    const answer = (request.response as { body: Readable }).body

    // Act
    body.end('data: {"jsonrpc":"2.0","id":5,"result":{"task":{"id":["t-1"]}}}\n\n')
    const read: string[] = []
    for await (const chunk of answer) read.push(String(chunk))

    // Assess
    expect(read.join('')).not.toContain('t-1')
    expect(read.join('')).toContain('task id that is not a string')
    expect(owners.record).not.toHaveBeenCalled()
  })

  it("answers TaskNotFound for a message that refers to another caller's task, the agent not called", async () => {
    // Prepare: the agent's SDK would load every referenced task into the agent's request
    const owners = ownersWith(async () => undefined)
    vi.mocked(owners.ownedBy).mockResolvedValue(new Set(['t-mine']))
    const message = { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] }
    const sending = (referenceTaskIds: string[]) =>
      requestFor({
        ...streamCall,
        operation: 'SendMessage',
        stream: false,
        params: { message: { ...message, referenceTaskIds } },
      })

    // Act
    const refused = await taskOwnership({ owners }).before?.(sending(['t-mine', 't-theirs']))
    const passed = await taskOwnership({ owners }).before?.(sending(['t-mine']))

    // Assess
    expect(JSON.stringify(refused)).toContain("Task 't-theirs' was not found")
    expect(passed).toBeUndefined()
    expect(owners.ownedBy).toHaveBeenCalledWith(
      'weather',
      ['t-mine', 't-theirs'],
      'client-a',
      expect.any(Promise),
    )
  })

  it('refuses a message referring to more than 100 tasks as invalid params, reading no owner', async () => {
    // Prepare: one read of owners holds 100 keys
    const owners = ownersWith(async () => undefined)
    vi.mocked(owners.ownedBy).mockImplementation(async (_agentId, taskIds) => new Set(taskIds))
    const message = { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] }
    const referringTo = (count: number) =>
      requestFor({
        ...streamCall,
        operation: 'SendMessage',
        stream: false,
        params: {
          message: {
            ...message,
            referenceTaskIds: Array.from({ length: count }, (_, i) => `t-${i}`),
          },
        },
      })

    // Act
    const passed = await taskOwnership({ owners }).before?.(referringTo(100))
    const refused = await taskOwnership({ owners }).before?.(referringTo(101))

    // Assess
    expect(passed).toBeUndefined()
    expect(JSON.stringify(refused)).toContain(
      'SendMessage refers to 101 tasks (message.referenceTaskIds); a message may refer to at most 100.',
    )
    expect(owners.ownedBy).toHaveBeenCalledTimes(1)
  })

  it('counts the distinct tasks a message refers to: 100 tasks, each named twice, pass in one read', async () => {
    // Prepare
    const owners = ownersWith(async () => undefined)
    vi.mocked(owners.ownedBy).mockImplementation(async (_agentId, taskIds) => new Set(taskIds))
    const ids = Array.from({ length: 100 }, (_, i) => `t-${i}`)
    const request = requestFor({
      ...streamCall,
      operation: 'SendMessage',
      stream: false,
      params: {
        message: {
          messageId: 'm',
          role: 'ROLE_USER',
          parts: [{ text: 'hi' }],
          referenceTaskIds: [...ids, ...ids],
        },
      },
    })

    // Act
    const answered = await taskOwnership({ owners }).before?.(request)

    // Assess
    expect(answered).toBeUndefined()
    expect(vi.mocked(owners.ownedBy).mock.calls[0]?.[1]).toEqual(ids)
  })

  it('filters a ListTasks answer whatever its Content-Type says: a client reads a unary answer whole', async () => {
    // Prepare: an agent labels its list an event stream, which would skip the filter
    const owners = ownersWith(async () => undefined)
    vi.mocked(owners.ownedBy).mockResolvedValue(new Set(['t-mine']))
    const list = {
      jsonrpc: '2.0',
      id: 5,
      result: { tasks: [{ id: 't-mine' }, { id: 't-theirs' }] },
    }
    const request = requestFor(
      { ...streamCall, operation: 'ListTasks', stream: false, params: {} },
      {
        statusCode: 200,
        headers: { 'content-type': 'application/json; profile="text/event-stream"' },
        body: Readable.from([`${JSON.stringify(list)}\n\n`]),
      },
    )
    request.context.taskAccess = 'own'

    // Act
    await taskOwnership({ owners }).after?.(request)

    // Assess
    const { body } = request.response as { body: string }
    expect(body).toContain('t-mine')
    expect(body).not.toContain('t-theirs')
  })

  it('does not pass on a filtered ListTasks answer its numbers, written back, take past what an answer carries', async () => {
    // Prepare: the caller's task with 2.5 MB of `1e20` in its metadata, beside another's task:
    // the list written back without it has each number as 21 digits, some 11 MB
    const onAgentFault = vi.fn()
    const owners = ownersWith(async () => undefined)
    vi.mocked(owners.ownedBy).mockResolvedValue(new Set(['t-mine']))
    const numbers = Array(500_000).fill('1e20').join(',')
    const request = requestFor(
      { ...unaryCall, operation: 'ListTasks', params: {} },
      {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: `{"jsonrpc":"2.0","id":5,"result":{"tasks":[{"id":"t-mine","metadata":{"x":[${numbers}]}},{"id":"t-theirs"}]}}`,
      },
    )
    request.context.taskAccess = 'own'

    // Act
    await taskOwnership({ owners, onAgentFault }).after?.(request)

    // Assess: refused in the caller's binding, not 11 MB passed on
    const answered = request.response as { body: string }
    expect(answered.body.length).toBeLessThan(1000)
    expect(JSON.parse(answered.body).error.message).toBe(
      "Agent 'weather' answered ListTasks with a list that, without other callers' tasks, would pass the 10485760 bytes an answer may carry; the gateway does not pass it on.",
    )
    expect(onAgentFault).toHaveBeenCalledOnce()
  })

  describe("on a call about the caller's own task", () => {
    const getTask: A2ACall = {
      agentId: 'weather',
      operation: 'GetTask',
      version: '1.0',
      params: { id: 't-1' },
      stream: false,
      binding: 'HTTP+JSON',
    }
    const subscribe: A2ACall = {
      ...streamCall,
      operation: 'SubscribeToTask',
      params: { id: 't-1' },
    }
    /** The request as `before` leaves it for a task the caller owns (or, `all`, an auditor's read). */
    const askingAbout = (call: A2ACall, response: unknown, access: 'own' | 'all' = 'own') => {
      const request = requestFor(call, response)
      request.context.taskAccess = access
      if (access === 'own') request.context.task = { taskId: 't-1', owner: caller.principal }
      return request
    }
    const unary = (body: string) => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body,
    })

    it.each([
      ['', ''],
      // fetch's `json()` and Python's `json.loads` of bytes pass the mark over, so the caller's
      // client reads the other task
      [', opened by a byte-order mark', '\uFEFF'],
    ])('withholds an answer that names another task%s', async (_how, opening) => {
      // Prepare
      const request = askingAbout(
        getTask,
        unary(`${opening}{"id":"t-other","status":{"state":"TASK_STATE_WORKING"}}`),
      )

      // Act
      await taskOwnership({ owners: ownersWith(async () => undefined) }).after?.(request)

      // Assess
      const response = request.response as { statusCode: number; body: string }
      expect(response.statusCode).toBe(502)
      expect(response.body).not.toContain('t-other')
      expect(response.body).toContain('other than the one asked about')
    })

    it('passes an answer about the task asked for as it came, recording nothing', async () => {
      // Prepare
      const owners = ownersWith(async () => undefined)
      const body = '{"id":"t-1","status":{"state":"TASK_STATE_WORKING"}}'
      const request = askingAbout(getTask, unary(body))

      // Act
      await taskOwnership({ owners }).after?.(request)

      // Assess
      expect(request.response).toEqual(unary(body))
      expect(owners.record).not.toHaveBeenCalled()
    })

    it('ends a subscription with the error event when an event names another task', async () => {
      // Prepare
      const body = new PassThrough()
      const request = askingAbout(subscribe, eventStream(body))
      await taskOwnership({ owners: ownersWith(async () => undefined) }).after?.(request)
      const answer = (request.response as { body: Readable }).body

      // Act
      body.end(`${taskEvent}${taskEvent.replace('t-1', 't-other')}`)
      const read: string[] = []
      for await (const chunk of answer) read.push(String(chunk))

      // Assess: the run naming both is withheld whole, and the stream ends in its place.
      expect(read.join('')).not.toContain('t-other')
      expect(read.join('')).toContain('other than the one asked about')
    })

    /** A push-config call about t-1, and its answer naming `task` in the call's version and binding. */
    const pushConfigCases: [string, A2ACall, (task: string) => string][] = [
      [
        '1.0 JSON-RPC Create',
        { ...getTask, operation: 'CreateTaskPushNotificationConfig', binding: 'JSONRPC' },
        (task) =>
          `{"jsonrpc":"2.0","id":5,"result":{"id":"h","taskId":"${task}","url":"https://h"}}`,
      ],
      [
        '1.0 HTTP+JSON Get, its task under its proto name',
        { ...getTask, operation: 'GetTaskPushNotificationConfig' },
        (task) => `{"id":"h","task_id":"${task}","url":"https://h"}`,
      ],
      [
        '1.0 HTTP+JSON List',
        { ...getTask, operation: 'ListTaskPushNotificationConfigs' },
        (task) =>
          `{"configs":[{"id":"a","taskId":"t-1","url":"https://a"},{"id":"b","taskId":"${task}","url":"https://b"}]}`,
      ],
      [
        '0.3 JSON-RPC Get',
        {
          ...getTask,
          operation: 'GetTaskPushNotificationConfig',
          version: '0.3',
          binding: 'JSONRPC',
        },
        (task) =>
          `{"jsonrpc":"2.0","id":5,"result":{"taskId":"${task}","pushNotificationConfig":{"id":"h","url":"https://h"}}}`,
      ],
      [
        '0.3 JSON-RPC List, a bare array',
        {
          ...getTask,
          operation: 'ListTaskPushNotificationConfigs',
          version: '0.3',
          binding: 'JSONRPC',
        },
        (task) =>
          `{"jsonrpc":"2.0","id":5,"result":[{"taskId":"${task}","pushNotificationConfig":{"id":"h","url":"https://h"}}]}`,
      ],
      [
        '0.3 HTTP+JSON Get, its task in the resource name',
        { ...getTask, operation: 'GetTaskPushNotificationConfig', version: '0.3' },
        (task) =>
          `{"name":"tasks/${task}/pushNotificationConfigs/h","pushNotificationConfig":{"url":"https://h"}}`,
      ],
      [
        '0.3 HTTP+JSON List',
        { ...getTask, operation: 'ListTaskPushNotificationConfigs', version: '0.3' },
        (task) =>
          `{"configs":[{"name":"tasks/${task}/pushNotificationConfigs/h","pushNotificationConfig":{"url":"https://h"}}]}`,
      ],
    ]

    it.each(pushConfigCases)(
      'withholds a %s answer showing a config of another task',
      async (_case, call, answerNaming) => {
        // Prepare: the configs of another caller's task would show its id, config ids and urls
        const request = askingAbout(call, unary(answerNaming('t-other')))

        // Act
        await taskOwnership({ owners: ownersWith(async () => undefined) }).after?.(request)

        // Assess
        const { body } = request.response as { body: string }
        expect(body).not.toContain('t-other')
        expect(body).toContain('other than the one asked about')
      },
    )

    it.each(pushConfigCases)(
      'passes a %s answer showing the configs of the task asked for as it came',
      async (_case, call, answerNaming) => {
        // Prepare
        const body = answerNaming('t-1')
        const request = askingAbout(call, unary(body))

        // Act
        await taskOwnership({ owners: ownersWith(async () => undefined) }).after?.(request)

        // Assess
        expect(request.response).toEqual(unary(body))
      },
    )

    it('withholds a push-config answer naming its task by an id that is not a string', async () => {
      // Prepare: @a2a-js/sdk's client would read `["t-other"]` as the task t-other
      const request = askingAbout(
        { ...getTask, operation: 'ListTaskPushNotificationConfigs' },
        unary('{"configs":[{"id":"h","taskId":["t-other"],"url":"https://h"}]}'),
      )

      // Act
      await taskOwnership({ owners: ownersWith(async () => undefined) }).after?.(request)

      // Assess
      const { body } = request.response as { body: string }
      expect(body).not.toContain('t-other')
      expect(body).toContain('task id that is not a string')
    })

    it.each([
      ['another task by an id of a megabyte', `{"id":"${'x'.repeat(1_000_000)}"}`],
      ['its task by an object of a megabyte', `{"id":{"k":"${'x'.repeat(1_000_000)}"}}`],
    ])('tells the log of an answer naming %s in a line of its usual size', async (_what, body) => {
      // Prepare: the error goes to the log ('agent answer withheld'), its message twice (the
      // stack too); the agent chooses the id
      const told: unknown[] = []
      const request = askingAbout(getTask, unary(body))

      // Act
      await taskOwnership({
        owners: ownersWith(async () => undefined),
        onError: (error) => told.push(error),
      }).after?.(request)

      // Assess
      expect((request.response as { statusCode: number }).statusCode).toBe(502)
      expect(told).toHaveLength(1)
      expect((told[0] as Error).message.length).toBeLessThan(500)
    })

    it("leaves an auditor's read of any caller's task unchecked", async () => {
      // Prepare
      const body = '{"id":"t-other","status":{"state":"TASK_STATE_WORKING"}}'
      const request = askingAbout(getTask, unary(body), 'all')

      // Act
      await taskOwnership({ owners: ownersWith(async () => undefined) }).after?.(request)

      // Assess
      expect(request.response).toEqual(unary(body))
    })
  })
})

describe("taskOwnership and the agent's registration", () => {
  const answered = {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, result: { task: { id: 't-1' } } }),
  }

  it('records an answered task under the registration agentLookup read, reading none itself', async () => {
    // Prepare
    const owners = ownersWith(async () => undefined)
    const registrationOf = vi.fn(async () => '2026-12-06T12:00:00.000Z')
    const request = requestFor(unaryCall, answered)
    request.context.agent = { createdAt: '2026-12-01T10:00:00.000Z' }

    // Act
    await taskOwnership({ owners, registrationOf }).after?.(request)

    // Assess
    expect(owners.record).toHaveBeenCalledWith(
      'weather',
      [{ taskId: 't-1' }],
      'client-a',
      '2026-12-01T10:00:00.000Z',
    )
    expect(registrationOf).not.toHaveBeenCalled()
  })

  it("answers a named task's check whose registration read fails though the owners never awaited it", async () => {
    // Prepare: owners that return at once, leaving the registration unawaited (a kit consumer's)
    const owners = ownersWith(async () => undefined)
    const registrationOf = vi.fn(() => Promise.reject(new Error('registry throttled')))
    const request = requestFor({ ...unaryCall, operation: 'GetTask', params: { id: 't-1' } })

    // Act
    const checked = taskOwnership({ owners, registrationOf }).before?.(request)
    await new Promise((resolve) => setTimeout(resolve, 10))

    // Assess: refused as not found, and no unhandled rejection ends the process (vitest fails on one)
    await expect(checked).resolves.toBeDefined()
  })

  it('reads the registration once, beside the owner, for a call naming a task', async () => {
    // Prepare
    const owners = ownersWith(async () => undefined)
    const registrationOf = vi.fn(async () => '2026-12-06T12:00:00.000Z')
    const request = requestFor({
      ...unaryCall,
      operation: 'GetTask',
      params: { id: 't-1' },
    })

    // Act
    await taskOwnership({ owners, registrationOf }).before?.(request)

    // Assess: handed to the owners' read while still being read, not awaited first
    expect(registrationOf).toHaveBeenCalledOnce()
    expect(owners.taskOf).toHaveBeenCalledWith('weather', 't-1', expect.any(Promise))
  })
})

describe('taskOwnership telling of a whole answer withheld for the agent’s fault', () => {
  const answerNaming = (taskId: string) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, result: { task: { id: taskId } } }),
  })

  it.each([
    ['a task another caller created', new TaskOwnedElsewhereError('weather', 't-1'), 1],
    ['its database failing (the gateway’s fault)', new Error('ProvisionedThroughputExceeded'), 0],
  ])(
    'withholds a unary answer for %s, telling onAgentFault only when the agent is at fault',
    async (_what, refusal, told) => {
      // Prepare
      const onAgentFault = vi.fn()
      const agentFaultsTold: boolean[] = []
      const onError = (error: unknown) => agentFaultsTold.push(isAgentFault(error))
      const owners = ownersWith(async () => {
        throw refusal
      })
      const request = requestFor(unaryCall, answerNaming('t-1'))

      // Act
      await taskOwnership({ owners, onAgentFault, onError }).after?.(request)

      // Assess: the caller gets no task; the agent's failure is counted only when it is its own,
      // and onError's error says whose it was (the handler logs a warning or an error by it).
      expect(JSON.stringify(request.response)).not.toContain('"t-1"')
      expect(onAgentFault).toHaveBeenCalledTimes(told)
      if (told) expect(onAgentFault).toHaveBeenCalledWith(unaryCall)
      expect(agentFaultsTold).toEqual([told === 1])
    },
  )

  it('records the task of an answer opened by a byte-order mark, as the caller reads it', async () => {
    // Prepare
    const owners = ownersWith(async () => undefined)
    const body = `\uFEFF${answerNaming('t-1').body}`
    const request = requestFor(unaryCall, { ...answerNaming('t-1'), body })

    // Act
    await taskOwnership({ owners }).after?.(request)

    // Assess: recorded as the caller's, so that it may read it again
    expect(owners.record).toHaveBeenCalledWith(
      'weather',
      [{ taskId: 't-1' }],
      'client-a',
      undefined,
    )
    expect(request.response).toMatchObject({ statusCode: 200, body })
  })

  it.each([
    ['SendMessage', unaryCall],
    ['GetTask', { ...unaryCall, operation: 'GetTask', params: { id: 't-1' } } as A2ACall],
  ])(
    'withholds a %s answer of HTTP 200 that is no JSON, as the agent’s failure',
    async (_operation, call) => {
      // Prepare: what no check can read is no answer (a task in it would go unchecked)
      const onAgentFault = vi.fn()
      const agentFaultsTold: boolean[] = []
      const request = requestFor(call, {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":7,"result":{"task":{"id":"t-1"',
      })
      request.context.taskAccess = 'own'
      if (call.operation === 'GetTask') request.context.task = { taskId: 't-1', owner: 'client-a' }

      // Act
      await taskOwnership({
        owners: ownersWith(async () => undefined),
        onAgentFault,
        onError: (error) => agentFaultsTold.push(isAgentFault(error)),
      }).after?.(request)

      // Assess
      expect(request.response).toMatchObject({ statusCode: 502 })
      expect(JSON.stringify(request.response)).toContain('not JSON')
      expect(onAgentFault).toHaveBeenCalledWith(call)
      expect(agentFaultsTold).toEqual([true])
    },
  )

  it('passes an empty answer of HTTP 200 on as it came: it names no task', async () => {
    // Prepare
    const request = requestFor(unaryCall, { statusCode: 200, headers: {}, body: '' })

    // Act
    await taskOwnership({ owners: ownersWith(async () => undefined) }).after?.(request)

    // Assess
    expect(request.response).toEqual({ statusCode: 200, headers: {}, body: '' })
  })

  it('tells onAgentFault of a ListTasks answer that is no list', async () => {
    // Prepare
    const onAgentFault = vi.fn()
    const listTasks: A2ACall = { ...unaryCall, operation: 'ListTasks', params: {} }
    const request = requestFor(listTasks, {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, result: { tasks: 'all of them' } }),
    })

    // Act
    await taskOwnership({ owners: ownersWith(async () => undefined), onAgentFault }).after?.(
      request,
    )

    // Assess
    expect(JSON.stringify(request.response)).toContain('something other than a list of tasks')
    expect(onAgentFault).toHaveBeenCalledOnce()
  })

  it('withholds a ListTasks answer of more than 100 tasks, reading no owner, and tells onError why as the agent’s fault', async () => {
    // Prepare
    const onAgentFault = vi.fn()
    const told: unknown[] = []
    const owners = ownersWith(async () => undefined)
    const listTasks: A2ACall = { ...unaryCall, operation: 'ListTasks', params: {} }
    const tasks = Array.from({ length: 101 }, (_, i) => ({ id: `t-${i}`, contextId: 'c' }))
    const request = requestFor(listTasks, {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, result: { tasks } }),
    })

    // Act
    await taskOwnership({ owners, onAgentFault, onError: (error) => told.push(error) }).after?.(
      request,
    )

    // Assess: the operator's log line says which agent and how many it listed
    expect(request.response).toMatchObject({ statusCode: 502 })
    expect(owners.ownedBy).not.toHaveBeenCalled()
    expect(onAgentFault).toHaveBeenCalledOnce()
    expect(told.map((error) => isAgentFault(error))).toEqual([true])
    expect(String(told[0])).toContain("agent 'weather' listed 101 tasks")
  })
})
