import {
  CancelTaskRequest,
  GetTaskRequest,
  ListTasksRequest,
  SendMessageRequest,
  type StreamResponse,
  SubscribeToTaskRequest,
  type Task,
  TaskState,
  taskStateToJSON,
} from '@a2a-js/sdk'
import type { Client } from '@a2a-js/sdk/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataOf, textOf } from '../../agents/a2a/parts.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { gatewayClient, type Transport } from '../support/a2a-client.ts'

const stateOf = (task: Task) =>
  taskStateToJSON(task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)
const statusTextOf = (task: Task) => (task.status?.message?.parts ?? []).map(textOf).join('')
const answerOf = (task: Task) => (task.artifacts[0]?.parts ?? []).map(textOf).join('')

function say(text: string, extra: { task?: Task; returnImmediately?: boolean } = {}) {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: crypto.randomUUID(),
      role: 'ROLE_USER',
      parts: [{ text }],
      ...(extra.task ? { taskId: extra.task.id, contextId: extra.task.contextId } : {}),
    },
    ...(extra.returnImmediately ? { configuration: { returnImmediately: true } } : {}),
  })
}

async function sendForTask(client: Client, request: SendMessageRequest): Promise<Task> {
  const result = await client.sendMessage(request)
  if (!('status' in result)) throw new Error(`expected a Task, got ${JSON.stringify(result)}`)
  return result
}

/** Whether a streamed event is a `working` update carrying the count's progress. */
const isProgress = (event: StreamResponse) =>
  event.payload?.$case === 'statusUpdate' &&
  (event.payload.value.status?.message?.parts ?? []).some((part) => dataOf(part) !== undefined)

/**
 * The sample agents' task lifecycle and conversations through the local
 * gateway, with the official client: a long prime count is listed, followed
 * and canceled while it works; the weather agent asks for a city and finishes
 * the same task once told.
 */
describe('sample agents through the local gateway', () => {
  let stack: RunningStack
  let token: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    token = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  describe.each<Transport>(['JSONRPC', 'HTTP+JSON'])('over %s', (transport) => {
    let calculator: Client
    let weather: Client

    beforeAll(async () => {
      calculator = await gatewayClient(`${stack.url}/agents/calculator/`, token, transport)
      weather = await gatewayClient(`${stack.url}/agents/weather/`, token, transport)
    })

    it('lists a working prime count, streams its progress to a subscriber, and cancels it mid-way', async () => {
      // Prepare: primes up to 10^10 take tens of seconds; the test cancels long before.
      const started = await sendForTask(
        calculator,
        say('Count the primes up to 10^10', { returnImmediately: true }),
      )
      const seen: StreamResponse[] = []
      const subscription = calculator.resubscribeTask(
        SubscribeToTaskRequest.fromJSON({ id: started.id }),
      )
      for await (const event of subscription) {
        seen.push(event)
        if (isProgress(event)) break
      }

      // Act
      const working = await calculator.getTask(GetTaskRequest.fromJSON({ id: started.id }))
      const listed = await calculator.listTasks(
        ListTasksRequest.fromJSON({ status: 'TASK_STATE_WORKING', pageSize: 100 }),
      )
      const canceled = await calculator.cancelTask(CancelTaskRequest.fromJSON({ id: started.id }))

      // Assess
      expect(seen[0]?.payload?.$case).toBe('task')
      expect(seen.some(isProgress)).toBe(true)
      expect(stateOf(working)).toBe('TASK_STATE_WORKING')
      expect(listed.tasks.map((task) => task.id)).toContain(started.id)
      expect(stateOf(canceled)).toBe('TASK_STATE_CANCELED')
      const after = await calculator.getTask(GetTaskRequest.fromJSON({ id: started.id }))
      expect(stateOf(after)).toBe('TASK_STATE_CANCELED')
    })

    it('asks "Which city?" for the weather without a place, then answers in the same task', async () => {
      // Act
      const asked = await sendForTask(weather, say("How's the weather in March?"))
      const answered = await sendForTask(weather, say('Tokyo', { task: asked }))

      // Assess
      expect(stateOf(asked)).toBe('TASK_STATE_INPUT_REQUIRED')
      expect(statusTextOf(asked)).toMatch(/^Which city/)
      expect([answered.id, answered.contextId]).toEqual([asked.id, asked.contextId])
      expect(stateOf(answered)).toBe('TASK_STATE_COMPLETED')
      expect(answerOf(answered)).toContain('Typical March weather in Tokyo')
    })
  })
})
