import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTasksRequest,
  Role,
  SendMessageRequest,
  type StreamResponse,
  SubscribeToTaskRequest,
  type Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk'
import type { Client } from '@a2a-js/sdk/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataOf, textOf } from '../../../agents/a2a/parts.ts'
import { startCalculatorAgent } from '../../../agents/calculator/agent.ts'
import type { RunningAgent } from '../../../agents/serve.ts'
import { startWeatherAgent } from '../../../agents/weather/agent.ts'
import { asyncListener } from '../../support/async-listener.ts'
import { clientFor, sendForTask, stateName, TRANSPORTS } from './support/client.ts'
import { answerText, statusText } from './support/messages.ts'

/** A request as the gateway sends it for a caller: `X-Switchboard-Caller` names them. */
const as = (caller: string) => ({ serviceParameters: { 'X-Switchboard-Caller': caller } })
const newCaller = () => `caller-${crypto.randomUUID()}`

/** A user's text message, continuing `task` when given, and what to do with it. */
function say(
  text: string,
  options: {
    task?: Pick<Task, 'id' | 'contextId'>
    contextId?: string
    configuration?: object
  } = {},
): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: crypto.randomUUID(),
      role: 'ROLE_USER',
      parts: [{ text }],
      ...(options.task ? { taskId: options.task.id, contextId: options.task.contextId } : {}),
      ...(options.contextId ? { contextId: options.contextId } : {}),
    },
    ...(options.configuration ? { configuration: options.configuration } : {}),
  })
}

/** GetExtendedAgentCard on the binding asked for, as the gateway would send it for `caller`. */
async function extendedCard(
  agent: RunningAgent,
  transport: (typeof TRANSPORTS)[number],
  caller?: string,
): Promise<AgentCard> {
  const headers = {
    'a2a-version': '1.0',
    'content-type': 'application/json',
    ...(caller ? { 'x-switchboard-caller': caller } : {}),
  }
  if (transport === 'HTTP+JSON') {
    return (await fetch(`${agent.url}/a2a/rest/extendedAgentCard`, { headers })).json()
  }
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetExtendedAgentCard', params: {} })
  const answer = await fetch(`${agent.url}/a2a/jsonrpc`, { method: 'POST', headers, body })
  return (await answer.json()).result
}

/** The structured progress a streamed `working` status update carries, if it is one. */
function progressIn(event: StreamResponse): Record<string, unknown> | undefined {
  const payload = event.payload
  if (payload?.$case !== 'statusUpdate') return undefined
  const parts = payload.value.status?.message?.parts ?? []
  return parts.map(dataOf).find((value) => value !== undefined) as Record<string, unknown>
}

describe('sample agents, all of A2A', () => {
  let calculator: RunningAgent
  let weather: RunningAgent

  beforeAll(async () => {
    ;[calculator, weather] = await Promise.all([startCalculatorAgent(), startWeatherAgent()])
  })

  afterAll(async () => {
    await Promise.all([calculator.close(), weather.close()])
  })

  describe.each(TRANSPORTS)('over %s', (transport) => {
    let calc: Client
    let wx: Client

    beforeAll(async () => {
      calc = await clientFor(calculator, transport)
      wx = await clientFor(weather, transport)
    })

    it('counts the primes up to 10^6 as the calculator skill count_primes: 78498', async () => {
      // Act
      const task = await sendForTask(calc, say('Count the primes up to 10^6'))

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_COMPLETED')
      expect(answerText(task)).toBe('There are 78498 primes up to 1000000.')
    })

    it('keeps a long prime count working, lists it, streams its progress to a subscriber, and cancels it mid-way', async () => {
      // Prepare: 10^10 takes tens of seconds of sieving; the test cancels it long before.
      const caller = newCaller()
      const started = await sendForTask(
        calc,
        say('How many primes are there up to 10000000000?', {
          configuration: { returnImmediately: true },
        }),
        as(caller),
      )
      const subscription = calc.resubscribeTask(
        SubscribeToTaskRequest.fromJSON({ id: started.id }),
        as(caller),
      )
      const seen: StreamResponse[] = []
      for await (const event of subscription) {
        seen.push(event)
        if (progressIn(event) !== undefined) break
      }

      // Act
      const whileWorking = await calc.getTask(
        GetTaskRequest.fromJSON({ id: started.id }),
        as(caller),
      )
      const listed = await calc.listTasks(
        ListTasksRequest.fromJSON({ status: 'TASK_STATE_WORKING' }),
        as(caller),
      )
      const canceled = await calc.cancelTask(
        CancelTaskRequest.fromJSON({ id: started.id }),
        as(caller),
      )
      const after = await calc.getTask(GetTaskRequest.fromJSON({ id: started.id }), as(caller))

      // Assess
      expect(seen[0]?.payload?.$case).toBe('task')
      const progress = progressIn(seen.at(-1) as StreamResponse)
      expect(progress).toMatchObject({ limit: 10_000_000_000, primes: expect.any(Number) })
      expect(progress?.countedUpTo).toBeLessThan(10_000_000_000)
      expect(stateName(whileWorking)).toBe('TASK_STATE_WORKING')
      expect(listed.tasks.map((task) => task.id)).toEqual([started.id])
      expect(stateName(canceled)).toBe('TASK_STATE_CANCELED')
      expect(stateName(after)).toBe('TASK_STATE_CANCELED')
      expect(after.artifacts).toEqual([])
    })

    it('asks "Which city?" for weather without a place and answers in the same task once told', async () => {
      // Prepare
      const caller = newCaller()

      // Act
      const asked = await sendForTask(wx, say("What's the weather like in July?"), as(caller))
      const answered = await sendForTask(wx, say('Berlin', { task: asked }), as(caller))

      // Assess
      expect(stateName(asked)).toBe('TASK_STATE_INPUT_REQUIRED')
      expect(statusText(asked)).toMatch(/^Which city/)
      expect(answered.id).toBe(asked.id)
      expect(answered.contextId).toBe(asked.contextId)
      expect(stateName(answered)).toBe('TASK_STATE_COMPLETED')
      expect(answerText(answered)).toContain('Typical July weather in Berlin')
    })

    it('asks again, in the same task, when the city named in reply is one it has no data for', async () => {
      // Prepare
      const caller = newCaller()
      const asked = await sendForTask(wx, say('Hello'), as(caller))

      // Act
      const again = await sendForTask(wx, say('Atlantis', { task: asked }), as(caller))
      const answered = await sendForTask(wx, say('Seoul then', { task: asked }), as(caller))

      // Assess
      expect(stateName(again)).toBe('TASK_STATE_INPUT_REQUIRED')
      expect(statusText(again)).toMatch(/"Atlantis".*Cities I know/s)
      expect(stateName(answered)).toBe('TASK_STATE_COMPLETED')
      expect(answerText(answered)).toContain('Seoul, South Korea')
    })

    it.each([
      ['calculator', 'Hello!', /calculator.*What would you like me to calculate/],
      ['weather', 'Hello from a friendly caller!', /^Which city would you like the weather for/],
    ])(
      'answers a greeting to the %s politely, saying what it can do, not failed',
      async (agentId, text, reply) => {
        // Prepare
        const client = agentId === 'calculator' ? calc : wx

        // Act
        const task = await sendForTask(client, say(text))

        // Assess
        expect(stateName(task)).toBe('TASK_STATE_INPUT_REQUIRED')
        expect(statusText(task)).toMatch(reply)
      },
    )

    it('cancels a task that waits for the caller’s input', async () => {
      // Prepare
      const caller = newCaller()
      const waiting = await sendForTask(wx, say('Hello'), as(caller))

      // Act
      const canceled = await wx.cancelTask(
        CancelTaskRequest.fromJSON({ id: waiting.id }),
        as(caller),
      )

      // Assess
      expect(stateName(canceled)).toBe('TASK_STATE_CANCELED')
    })

    it('returns as much history as historyLength asks for', async () => {
      // Prepare: three user messages and the agent's question in one task.
      const caller = newCaller()
      const first = await sendForTask(wx, say('Hi'), as(caller))
      await sendForTask(wx, say('What is it like in July?', { task: first }), as(caller))
      await sendForTask(wx, say('Tokyo', { task: first }), as(caller))
      const get = (historyLength?: number) =>
        wx.getTask(GetTaskRequest.fromJSON({ id: first.id, historyLength }), as(caller))

      // Act
      const [all, one, none] = await Promise.all([get(), get(1), get(0)])

      // Assess
      const userTexts = all.history
        .filter((m) => m.role === Role.ROLE_USER)
        .map((m) => m.parts.map(textOf).join(''))
      expect(userTexts).toEqual(['Hi', 'What is it like in July?', 'Tokyo'])
      expect(one.history).toHaveLength(1)
      expect(one.history[0]).toEqual(all.history.at(-1))
      expect(none.history).toEqual([])
    })

    it('lists tasks by contextId, by status and by status time, a page at a time', async () => {
      // Prepare: four tasks of one caller, three in one context; one waits for input.
      const caller = newCaller()
      const contextId = crypto.randomUUID()
      const inContext = []
      for (const text of ['1+1', '2+2', 'hello']) {
        inContext.push(await sendForTask(calc, say(text, { contextId }), as(caller)))
      }
      const elsewhere = await sendForTask(calc, say('3+3'), as(caller))
      const list = (params: object) => calc.listTasks(ListTasksRequest.fromJSON(params), as(caller))
      const secondAt = inContext[1]?.status?.timestamp as string

      // Act
      const byContext = await list({ contextId })
      const waiting = await list({ status: 'TASK_STATE_INPUT_REQUIRED' })
      const later = await list({ statusTimestampAfter: secondAt })
      const firstPage = await list({ pageSize: 3 })
      const secondPage = await list({ pageSize: 3, pageToken: firstPage.nextPageToken })

      // Assess
      const ids = (response: { tasks: Task[] }) => response.tasks.map((task) => task.id).sort()
      expect(ids(byContext)).toEqual(inContext.map((task) => task.id).sort())
      expect(ids(waiting)).toEqual([inContext[2]?.id])
      expect(ids(later)).toEqual([inContext[2]?.id, elsewhere.id].sort())
      expect(firstPage.tasks).toHaveLength(3)
      expect(firstPage.nextPageToken).not.toBe('')
      expect(secondPage.tasks).toHaveLength(1)
      expect(secondPage.nextPageToken).toBe('')
      expect([...ids(firstPage), ...ids(secondPage)].sort()).toEqual(
        [...inContext, elsewhere].map((task) => task.id).sort(),
      )
    })

    it('keeps each caller’s tasks apart: another caller neither lists nor reads them', async () => {
      // Prepare
      const [alice, bob] = [newCaller(), newCaller()]
      const task = await sendForTask(calc, say('6*7'), as(alice))

      // Act
      const bobsList = await calc.listTasks(ListTasksRequest.fromJSON({}), as(bob))
      const bobsRead = await calc
        .getTask(GetTaskRequest.fromJSON({ id: task.id }), as(bob))
        .catch((error: Error) => error)

      // Assess
      expect(bobsList.tasks).toEqual([])
      expect((bobsRead as Error).constructor.name).toMatch(/TaskNotFound/)
    })

    it('serves an extended card naming the caller the gateway names, and the public card to anyone else', async () => {
      // Act
      const extended = await extendedCard(calculator, transport, 'alice')
      const anonymous = await extendedCard(calculator, transport)
      const publicCard = (await (await fetch(calculator.cardUrl)).json()) as AgentCard

      // Assess
      expect(publicCard.capabilities).toMatchObject({
        extendedAgentCard: true,
        pushNotifications: true,
      })
      expect(extended.description).toContain('For alice: your tasks are kept apart')
      expect(anonymous.description).toBe(publicCard.description)
    })

    it('creates, reads, lists and deletes a task’s push notification configs', async () => {
      // Prepare
      const caller = newCaller()
      const task = await sendForTask(wx, say('Hello'), as(caller))
      const config = TaskPushNotificationConfig.fromJSON({
        taskId: task.id,
        id: 'hook-1',
        url: 'http://127.0.0.1:9/hook',
        token: 'secret-1',
      })

      // Act
      const created = await wx.createTaskPushNotificationConfig(config, as(caller))
      const read = await wx.getTaskPushNotificationConfig(
        GetTaskPushNotificationConfigRequest.fromJSON({ taskId: task.id, id: 'hook-1' }),
        as(caller),
      )
      const listed = await wx.listTaskPushNotificationConfig(
        ListTaskPushNotificationConfigsRequest.fromJSON({ taskId: task.id }),
        as(caller),
      )
      const byOther = await wx
        .listTaskPushNotificationConfig(
          ListTaskPushNotificationConfigsRequest.fromJSON({ taskId: task.id }),
          as(newCaller()),
        )
        .catch((error: Error) => error)
      await wx.deleteTaskPushNotificationConfig(
        DeleteTaskPushNotificationConfigRequest.fromJSON({ taskId: task.id, id: 'hook-1' }),
        as(caller),
      )
      const afterDelete = await wx.listTaskPushNotificationConfig(
        ListTaskPushNotificationConfigsRequest.fromJSON({ taskId: task.id }),
        as(caller),
      )

      // Assess
      expect(created).toMatchObject({ taskId: task.id, id: 'hook-1', url: config.url })
      expect(read).toMatchObject({ id: 'hook-1', token: 'secret-1' })
      expect(listed.configs.map((entry) => entry.id)).toEqual(['hook-1'])
      expect((byOther as Error).constructor.name).toMatch(/TaskNotFound/)
      expect(afterDelete.configs).toEqual([])
    })
  })

  describe('push notifications', () => {
    let webhook: Server
    const received: { token: string | undefined; body: StreamResponse }[] = []
    let completed: Promise<void>

    beforeAll(async () => {
      let markCompleted = () => {}
      completed = new Promise((resolve) => {
        markCompleted = resolve
      })
      webhook = createServer(
        asyncListener(async (request: IncomingMessage, response) => {
          let text = ''
          for await (const chunk of request) text += chunk
          const body = JSON.parse(text) as StreamResponse
          received.push({ token: request.headers['x-a2a-notification-token'] as string, body })
          response.writeHead(200).end()
          if (JSON.stringify(body).includes('TASK_STATE_COMPLETED')) markCompleted()
        }),
      )
      await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve))
    })

    afterAll(() => new Promise<void>((resolve) => webhook.close(() => resolve())))

    it('posts each event of a task to the webhook its config names, with the config’s token', async () => {
      // Prepare
      const client = await clientFor(calculator, 'JSONRPC')
      const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`

      // Act
      const task = await sendForTask(
        client,
        say('Count the primes up to 1000', {
          configuration: { taskPushNotificationConfig: { url, token: 'push-secret' } },
        }),
      )
      await completed

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_COMPLETED')
      expect(new Set(received.map((push) => push.token))).toEqual(new Set(['push-secret']))
      const states = received.map(({ body }) => JSON.stringify(body))
      expect(states.some((body) => body.includes('TASK_STATE_WORKING'))).toBe(true)
      expect(states.at(-1)).toContain(task.id)
    })
  })
})
