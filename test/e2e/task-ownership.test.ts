import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Client } from '@a2a-js/sdk/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningAgent } from '../../agents/serve.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import {
  gatewayClient,
  jsonRpc,
  postA2A,
  type Transport,
  textMessage,
  textMessageParams,
} from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, putPermission, registerAgents } from '../support/stack-setup.ts'

/**
 * Tasks belong to the caller that created them: demo-client (A) and
 * weather-client (B) both hold the weather agent; auditor-client reads every
 * caller's tasks (`tasks:read`, `taskAccess: "all"`).
 */
describe('tasks belong to their caller, through the local gateway', () => {
  let stack: RunningStack
  let weather: RunningAgent
  let tokenA: string
  let tokenB: string
  let auditor: string
  let taskOfA: string
  let taskOfB: string

  const rpcUrl = () => `${stack.url}/agents/weather`
  const restUrl = (path: string) => `${stack.url}/agents/weather${path}`

  const rest = (token: string, method: string, path: string, body?: unknown) =>
    fetch(restUrl(path), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        // 0.3's paths are below /v1.
        'a2a-version': path.startsWith('/v1/') ? '0.3' : '1.0',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    })

  /** A new task of `token`'s caller, by a unary SendMessage over JSON-RPC. */
  const sendAs = async (token: string, text: string) => {
    const response = await postA2A(rpcUrl(), token, jsonRpc('SendMessage', textMessageParams(text)))
    const body = await response.json()
    const id = body.result?.task?.id
    if (typeof id !== 'string') throw new Error(`no task in ${JSON.stringify(body)}`)
    return id
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    weather = stack.agents.find((agent) => agent.agentId === 'weather') as RunningAgent
    ;[tokenA, tokenB, auditor] = await Promise.all([
      stack.token('demo-client'),
      stack.token('weather-client'),
      stack.token('auditor-client'),
    ])
    taskOfA = await sendAs(tokenA, 'Weather in Paris in May, card 4111 1111 1111 1111')
    taskOfB = await sendAs(tokenB, 'Weather in Oslo in June')
  })
  afterAll(() => stack.stop())

  describe("another caller's task is not found, and the agent is not called", () => {
    const jsonRpcCalls: [string, (taskId: string) => unknown][] = [
      ['GetTask', (id) => ({ id })],
      ['CancelTask', (id) => ({ id })],
      ['CreateTaskPushNotificationConfig', (taskId) => ({ taskId, url: 'https://h.example' })],
      ['GetTaskPushNotificationConfig', (taskId) => ({ taskId, id: 'hook' })],
      ['ListTaskPushNotificationConfigs', (taskId) => ({ taskId })],
      ['DeleteTaskPushNotificationConfig', (taskId) => ({ taskId, id: 'hook' })],
      ['tasks/get', (id) => ({ id })],
      ['tasks/pushNotificationConfig/get', (id) => ({ id })],
    ]

    it.each(jsonRpcCalls)('%s over JSON-RPC is TaskNotFound (-32001)', async (method, params) => {
      // Prepare
      const before = weather.requestCount()

      // Act
      const response = await postA2A(rpcUrl(), tokenB, jsonRpc(method, params(taskOfA), 9))

      // Assess
      expect(await response.json()).toMatchObject({ id: 9, error: { code: -32001 } })
      expect(weather.requestCount()).toBe(before)
    })

    const restCalls: [string, string, (taskId: string) => string, unknown?][] = [
      ['GetTask', 'GET', (id) => `/tasks/${id}`],
      ['CancelTask', 'POST', (id) => `/tasks/${id}:cancel`, {}],
      ['SubscribeToTask', 'GET', (id) => `/tasks/${id}:subscribe`],
      [
        'CreateTaskPushNotificationConfig',
        'POST',
        (id) => `/tasks/${id}/pushNotificationConfigs`,
        { url: 'https://h.example' },
      ],
      ['ListTaskPushNotificationConfigs', 'GET', (id) => `/tasks/${id}/pushNotificationConfigs`],
      [
        'DeleteTaskPushNotificationConfig',
        'DELETE',
        (id) => `/tasks/${id}/pushNotificationConfigs/h`,
      ],
    ]

    it.each(restCalls)(
      '%s over HTTP+JSON is 404 in the A2A error shape',
      async (_name, method, path, body) => {
        // Prepare
        const before = weather.requestCount()

        // Act
        const response = await rest(tokenB, method, path(taskOfA), body)

        // Assess: as A2A 1.0's HTTP+JSON binding says its answers SHOULD be typed
        expect(response.status).toBe(404)
        expect(response.headers.get('content-type')).toBe('application/a2a+json')
        expect((await response.json()).error).toMatchObject({
          code: 404,
          status: 'NOT_FOUND',
          details: [expect.objectContaining({ reason: 'TASK_NOT_FOUND' })],
        })
        expect(weather.requestCount()).toBe(before)
      },
    )

    it('answers GetTask on the 0.3 path with 404 in 0.3’s error shape', async () => {
      // Prepare
      const before = weather.requestCount()

      // Act
      const response = await rest(tokenB, 'GET', `/v1/tasks/${taskOfA}`)

      // Assess: 0.3 knew only application/json
      expect(response.status).toBe(404)
      expect(response.headers.get('content-type')).toBe('application/json')
      expect(await response.json()).toEqual({
        code: -32001,
        message: `Task '${taskOfA}' was not found.`,
      })
      expect(weather.requestCount()).toBe(before)
    })

    it('answers a task nobody recorded exactly as another caller’s', async () => {
      // Act
      const unknown = await rest(tokenB, 'GET', '/tasks/no-such-task')
      const others = await rest(tokenB, 'GET', `/tasks/${taskOfA}`)

      // Assess
      expect(unknown.status).toBe(others.status)
      expect((await unknown.json()).error.message.replace('no-such-task', 'ID')).toBe(
        (await others.json()).error.message.replace(taskOfA, 'ID'),
      )
    })

    it('SubscribeToTask by the official client fails with TaskNotFound', async () => {
      // Prepare
      const client = await gatewayClient(`${stack.url}/agents/weather/`, tokenB, 'JSONRPC')

      // Act
      const events = client.resubscribeTask({ tenant: '', id: taskOfA })
      const failure = await (async () => {
        for await (const _event of events) return undefined
      })().catch((error: unknown) => error)

      // Assess
      expect((failure as Error)?.constructor.name).toMatch(/TaskNotFound/)
    })
  })

  it('lets the creator read its task on both bindings, where another caller cannot', async () => {
    // Act
    const read = await rest(tokenA, 'GET', `/tasks/${taskOfA}`)
    const viaRpc = await postA2A(rpcUrl(), tokenA, jsonRpc('GetTask', { id: taskOfA }))
    const byOther = await rest(tokenB, 'GET', `/tasks/${taskOfA}`)

    // Assess
    expect(read.status).toBe(200)
    expect((await read.json()).id).toBe(taskOfA)
    expect((await viaRpc.json()).result.id).toBe(taskOfA)
    expect(byOther.status).toBe(404)
  })

  it.each<['JSONRPC' | 'HTTP+JSON']>([['JSONRPC'], ['HTTP+JSON']])(
    'refuses to continue another caller’s task by taskId over %s',
    async (binding) => {
      // Prepare
      const params = textMessageParams('And in July?') as { message: object }
      const continuing = { ...params, message: { ...params.message, taskId: taskOfA } }
      const before = weather.requestCount()

      // Act
      const response =
        binding === 'JSONRPC'
          ? await postA2A(rpcUrl(), tokenB, jsonRpc('SendMessage', continuing, 3))
          : await rest(tokenB, 'POST', '/message:send', continuing)

      // Assess
      const body = await response.json()
      if (binding === 'JSONRPC') expect(body.error.code).toBe(-32001)
      else expect([response.status, body.error.status]).toEqual([404, 'NOT_FOUND'])
      expect(weather.requestCount()).toBe(before)
    },
  )

  it.each<['JSONRPC' | 'HTTP+JSON']>([['JSONRPC'], ['HTTP+JSON']])(
    'lists only the caller’s own tasks over %s',
    async (binding) => {
      // Act
      const listOf = async (token: string) => {
        const response =
          binding === 'JSONRPC'
            ? await postA2A(rpcUrl(), token, jsonRpc('ListTasks', { pageSize: 100 }))
            : await rest(token, 'GET', '/tasks?pageSize=100')
        const body = await response.json()
        const list = binding === 'JSONRPC' ? body.result : body
        return (list.tasks as { id: string }[]).map((task) => task.id)
      }
      const ofA = await listOf(tokenA)
      const ofB = await listOf(tokenB)

      // Assess
      expect(ofA).toContain(taskOfA)
      expect(ofA).not.toContain(taskOfB)
      expect(ofB).toContain(taskOfB)
      expect(ofB).not.toContain(taskOfA)
    },
  )

  it.each<['JSONRPC' | 'HTTP+JSON']>([['JSONRPC'], ['HTTP+JSON']])(
    'counts the caller’s own tasks in the list’s totalSize over %s',
    async (binding) => {
      // Act
      const response =
        binding === 'JSONRPC'
          ? await postA2A(rpcUrl(), tokenA, jsonRpc('ListTasks', { pageSize: 100 }))
          : await rest(tokenA, 'GET', '/tasks?pageSize=100')
      const body = await response.json()
      const list = binding === 'JSONRPC' ? body.result : body

      // Assess
      expect(list.tasks.length).toBeGreaterThan(0)
      expect(list.totalSize).toBe(list.tasks.length)
    },
  )

  it('lets the auditor read and list every caller’s tasks, where a caller lists its own', async () => {
    // Act
    const readA = await rest(auditor, 'GET', `/tasks/${taskOfA}`)
    const readB = await postA2A(rpcUrl(), auditor, jsonRpc('GetTask', { id: taskOfB }))
    const listIds = async (token: string) => {
      const response = await rest(token, 'GET', '/tasks?pageSize=100')
      return ((await response.json()).tasks as { id: string }[]).map((task) => task.id)
    }
    const audited = await listIds(auditor)
    const ofB = await listIds(tokenB)

    // Assess
    expect((await readA.json()).id).toBe(taskOfA)
    expect((await readB.json()).result.id).toBe(taskOfB)
    expect(audited).toEqual(expect.arrayContaining([taskOfA, taskOfB]))
    expect(ofB).not.toContain(taskOfA)
  })

  describe.each<Transport>(['JSONRPC', 'HTTP+JSON'])('a streamed task over %s', (transport) => {
    let clientA: Client
    let clientB: Client
    beforeAll(async () => {
      clientA = await gatewayClient(`${stack.url}/agents/weather/`, tokenA, transport)
      clientB = await gatewayClient(`${stack.url}/agents/weather/`, tokenB, transport)
    })

    it('is its creator’s as soon as its first event arrives, and no one else’s', async () => {
      // Prepare
      const stream = clientA.sendMessageStream(textMessage('Weather in Rome in March'))

      // Act: read the task at once, while the stream is still open.
      const first = (await stream.next()).value as { payload?: { value?: { id?: string } } }
      const taskId = first.payload?.value?.id as string
      const ownRead = await clientA.getTask({ tenant: '', id: taskId, historyLength: 0 })
      const otherRead = await clientB
        .getTask({ tenant: '', id: taskId, historyLength: 0 })
        .catch((error: unknown) => error)
      for await (const _event of stream) {
        // drain the stream
      }

      // Assess
      expect(ownRead.id).toBe(taskId)
      expect((otherRead as Error).constructor.name).toMatch(/TaskNotFound/)
    })
  })

  it('the sample agent keeps callers apart by X-Switchboard-Caller on its own', async () => {
    // Prepare: straight to the agent, as the gateway would call it.
    const direct = (caller: string, body: unknown, access?: string) =>
      fetch(`${weather.url}/a2a/jsonrpc`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'a2a-version': '1.0',
          'x-switchboard-caller': caller,
          ...(access ? { 'x-switchboard-task-access': access } : {}),
        },
        body: JSON.stringify(body),
      }).then((response) => response.json())

    // Act
    const own = await direct('demo-client', jsonRpc('GetTask', { id: taskOfA }))
    const other = await direct('weather-client', jsonRpc('GetTask', { id: taskOfA }))
    const audited = await direct('auditor-client', jsonRpc('GetTask', { id: taskOfA }), 'all')
    const listIds = async (caller: string, access?: string) =>
      (
        (await direct(caller, jsonRpc('ListTasks', { pageSize: 100 }), access)).result.tasks as {
          id: string
        }[]
      ).map((task) => task.id)
    const listedByB = await listIds('weather-client')
    const listedAll = await listIds('auditor-client', 'all')

    // Assess
    expect(own.result.id).toBe(taskOfA)
    expect(other.error.code).toBe(-32001)
    expect(audited.result.id).toBe(taskOfA)
    expect(listedByB).toContain(taskOfB)
    expect(listedByB).not.toContain(taskOfA)
    expect(listedAll).toEqual(expect.arrayContaining([taskOfA, taskOfB]))
  })

  describe('answers the gateway translates, from the other binding or version', () => {
    let restOnly: Awaited<ReturnType<typeof startScriptedAgent>>
    let rpcOnly: Awaited<ReturnType<typeof startScriptedAgent>>
    let created = 0
    const taskAccessSeen: (string | undefined)[] = []

    /** A config of a task no caller asked about, which a faulty agent shows beside the one asked about. */
    const elsewhere = { taskId: 'task-elsewhere', id: 'theirs', url: 'https://theirs.example/hook' }

    /**
     * An agent that makes a new task per message and answers any GetTask; asked for a task's
     * push configs, it shows another task's config too (a faulty or compromised agent).
     */
    const answer = (request: IncomingMessage, body: string, response: ServerResponse) => {
      taskAccessSeen.push(request.headers['x-switchboard-task-access'] as string | undefined)
      const rpc = request.url === '/rpc' ? JSON.parse(body) : undefined
      const method = rpc?.method ?? request.url
      const taskId = `task-${++created}`
      const reply = (value: unknown) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(rpc ? { jsonrpc: '2.0', id: rpc.id, result: value } : value))
      }
      const stream = (event: unknown) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        const data = rpc ? { jsonrpc: '2.0', id: rpc.id, result: event } : event
        response.end(`data: ${JSON.stringify(data)}\n\n`)
      }
      if (method === '/rest/message:send') return reply({ task: { id: taskId, status: {} } })
      if (method === '/rest/message:stream') {
        return stream({ statusUpdate: { taskId, contextId: 'c', status: {} } })
      }
      // 0.3 calls reach this 1.0 agent translated: SendMessage, GetTask.
      if (method === 'SendMessage') return reply({ task: { id: taskId, status: {} } })
      if (method === 'SendStreamingMessage') {
        return stream({ statusUpdate: { taskId, contextId: 'c', status: {} } })
      }
      if (/pushnotificationconfig/i.test(method)) {
        const listing =
          method === 'ListTaskPushNotificationConfigs' ||
          method.endsWith('/pushNotificationConfigs')
        return reply(listing ? { configs: [elsewhere] } : elsewhere)
      }
      const id = rpc ? rpc.params.id : request.url?.split('/').at(-1)
      return reply({ id, status: {} })
    }

    beforeAll(async () => {
      restOnly = await startScriptedAgent({ bindings: ['HTTP+JSON'], answer })
      rpcOnly = await startScriptedAgent({ bindings: ['JSONRPC'], answer })
      await registerAgents(stack, [
        {
          agentId: 'rest-only',
          backendUrl: `${restOnly.url}/rest`,
          agentCardUrl: restOnly.cardUrl,
        },
        { agentId: 'rpc-only', backendUrl: `${rpcOnly.url}/rpc`, agentCardUrl: rpcOnly.cardUrl },
      ])
      await grantToDemoClient(['rest-only', 'rpc-only'])
      await putPermission({ scope: 'weather:invoke', agents: ['weather', 'rest-only', 'rpc-only'] })
    })
    afterAll(async () => {
      await restOnly.stop()
      await rpcOnly.stop()
    })

    /** The first task id in a JSON-RPC answer or event stream's text. */
    const taskIdIn = (text: string) => /"(?:id|taskId)":"(task-\d+)"/.exec(text)?.[1] as string
    const readsOf = async (agentId: string, method: string, taskId: string) => {
      const url = `${stack.url}/agents/${agentId}`
      const own = await (await postA2A(url, tokenA, jsonRpc(method, { id: taskId }))).json()
      const other = await (await postA2A(url, tokenB, jsonRpc(method, { id: taskId }))).json()
      return { own: own.result?.id, other: other.error?.code }
    }

    it.each([
      ['a translated SendMessage', 'rest-only', 'SendMessage', 'GetTask'],
      ['a translated stream’s status update', 'rest-only', 'SendStreamingMessage', 'GetTask'],
      ['a 0.3 message/send, translated to 1.0', 'rpc-only', 'message/send', 'tasks/get'],
      ['a 0.3 stream’s status-update, translated', 'rpc-only', 'message/stream', 'tasks/get'],
    ])('records the task of %s as its caller’s', async (_case, agentId, send, get) => {
      // Prepare
      const legacyParams = {
        message: {
          kind: 'message',
          messageId: crypto.randomUUID(),
          role: 'user',
          parts: [{ kind: 'text', text: 'hello' }],
        },
      }
      const sent = await postA2A(
        `${stack.url}/agents/${agentId}`,
        tokenA,
        jsonRpc(send, send.includes('/') ? legacyParams : textMessageParams('hello')),
      )
      const taskId = taskIdIn(await sent.text())

      // Act
      const reads = await readsOf(agentId, get, taskId)

      // Assess
      expect(taskId).toMatch(/^task-/)
      expect(reads).toEqual({ own: taskId, other: -32001 })
    })

    /** A push-config read of `taskId` through the gateway's `agentUrl`, by demo-client. */
    const pushConfigReads: [
      string,
      string,
      (agentUrl: string, taskId: string) => Promise<Response>,
    ][] = [
      [
        '1.0 JSON-RPC List',
        'rpc-only',
        (agentUrl, taskId) =>
          postA2A(agentUrl, tokenA, jsonRpc('ListTaskPushNotificationConfigs', { taskId })),
      ],
      [
        '0.3 JSON-RPC get',
        'rpc-only',
        (agentUrl, id) =>
          postA2A(agentUrl, tokenA, jsonRpc('tasks/pushNotificationConfig/get', { id })),
      ],
      [
        '1.0 HTTP+JSON List',
        'rest-only',
        (agentUrl, id) =>
          fetch(`${agentUrl}/tasks/${id}/pushNotificationConfigs`, {
            headers: { authorization: `Bearer ${tokenA}`, 'a2a-version': '1.0' },
          }),
      ],
      [
        '0.3 HTTP+JSON Get',
        'rest-only',
        (agentUrl, id) =>
          fetch(`${agentUrl}/v1/tasks/${id}/pushNotificationConfigs/h`, {
            headers: { authorization: `Bearer ${tokenA}` },
          }),
      ],
    ]

    it.each(pushConfigReads)(
      'withholds a %s answer that shows another task’s config',
      async (_case, agentId, read) => {
        // Prepare
        const agentUrl = `${stack.url}/agents/${agentId}`
        const sent = await postA2A(
          agentUrl,
          tokenA,
          jsonRpc('SendMessage', textMessageParams('hello')),
        )
        const taskId = taskIdIn(await sent.text())

        // Act
        const text = await (await read(agentUrl, taskId)).text()

        // Assess
        expect(taskId).toMatch(/^task-/)
        expect(text).not.toContain('task-elsewhere')
        expect(text).toContain('other than the one asked about')
      },
    )

    it('tells the agent X-Switchboard-Task-Access: all on an auditor’s read alone', async () => {
      // Prepare
      await putPermission({
        scope: 'tasks:read',
        agents: ['weather', 'calculator', 'rest-only'],
        operations: ['GetTask', 'ListTasks'],
        taskAccess: 'all',
      })
      const sent = await postA2A(
        `${stack.url}/agents/rest-only`,
        tokenA,
        jsonRpc('SendMessage', textMessageParams('hello')),
      )
      const taskId = taskIdIn(await sent.text())
      const url = `${stack.url}/agents/rest-only/tasks/${taskId}`
      const read = (token: string, claim?: string) =>
        fetch(url, {
          headers: {
            authorization: `Bearer ${token}`,
            'a2a-version': '1.0',
            ...(claim ? { 'x-switchboard-task-access': claim } : {}),
          },
        })
      taskAccessSeen.length = 0

      // Act
      const byAuditor = await read(auditor)
      const byCreatorClaimingAll = await read(tokenA, 'all')

      // Assess
      expect([byAuditor.status, byCreatorClaimingAll.status]).toEqual([200, 200])
      expect(taskAccessSeen).toEqual(['all', undefined])
    })
  })
})
