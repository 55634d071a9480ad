import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Task, TaskState } from '@a2a-js/sdk'
import { DefaultExecutionEventBus, ServerCallContext } from '@a2a-js/sdk/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayCaller } from '../../../agents/a2a/caller-task-store.ts'
import { textPart } from '../../../agents/a2a/parts.ts'
import { createSkillExecutor } from '../../../agents/a2a/skill-executor.ts'
import { agentRequestHandler } from '../../../agents/serve.ts'
import { weatherCard } from '../../../agents/weather/card.ts'
import { createWeatherSkill } from '../../../agents/weather/skill.ts'

const alice = new ServerCallContext({ user: new GatewayCaller('alice', false) })

/** A webhook that takes every push, so the agent's pushes go somewhere. */
let webhook = ''
let pushes = 0
const hook = createServer((request, response) => {
  pushes++
  request.resume()
  request.on('end', () => response.writeHead(204).end())
})
beforeAll(async () => {
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve))
  webhook = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`
})
afterAll(async () => {
  // The SDK sends pushes in the background: closed only once they have stopped coming.
  for (let seen = -1; seen !== pushes; ) {
    seen = pushes
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await new Promise<void>((resolve) => hook.close(() => resolve()))
})

describe('what a sample agent keeps of the tasks its store forgot', () => {
  it('keeps no event bus and no push config for them, however many tasks were left waiting for input', async () => {
    // Prepare: a store of five tasks; each message asks the weather without a city, so its task
    // waits for input (the SDK keeps such a task's bus, for the reply), with a push config.
    const { requestHandler, eventBusManager, pushNotificationStore } = agentRequestHandler(
      weatherCard('http://127.0.0.1:1'),
      createSkillExecutor(createWeatherSkill()),
      { maxTasks: 5, maxCharacters: 1_000_000 },
    )

    // Act: thirty questions nobody answers.
    const tasks: Task[] = []
    for (let i = 0; i < 30; i++) {
      tasks.push(
        (await requestHandler.sendMessage(
          {
            message: {
              messageId: crypto.randomUUID(),
              role: 1,
              parts: [textPart('What is the weather like?')],
            },
            configuration: { taskPushNotificationConfig: { url: webhook, token: `t-${i}` } },
          } as never,
          alice,
        )) as Task,
      )
    }

    // Assess: every one waited for input; of those the store forgot, nothing is kept; the latest
    // still has its bus and config, and its reply is still taken.
    expect(tasks.every((task) => task.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED)).toBe(
      true,
    )
    const forgotten = tasks.slice(0, 25)
    const busesKept = forgotten.filter((task) => eventBusManager.getByTaskId(task.id, alice))
    const configsKept = (
      await Promise.all(forgotten.map((task) => pushNotificationStore.load(task.id, alice)))
    ).flat()
    expect(busesKept).toHaveLength(0)
    expect(configsKept).toHaveLength(0)
    const latest = tasks.at(-1) as Task
    expect(eventBusManager.getByTaskId(latest.id, alice)).toBeDefined()
    expect(await pushNotificationStore.load(latest.id, alice)).toHaveLength(1)
    const replied = (await requestHandler.sendMessage(
      {
        message: {
          messageId: crypto.randomUUID(),
          role: 1,
          taskId: latest.id,
          contextId: latest.contextId,
          parts: [textPart('Tokyo')],
        },
      } as never,
      alice,
    )) as Task
    expect(replied.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
  })

  it('stops waiting for a task’s input once its event bus has finished', async () => {
    // Prepare: a task left waiting for input on its bus.
    const executor = createSkillExecutor(createWeatherSkill())
    const bus = new DefaultExecutionEventBus()
    const taskId = crypto.randomUUID()
    await executor.execute(
      {
        taskId,
        contextId: 'c',
        userMessage: {
          messageId: 'm',
          role: 1,
          parts: [textPart('What is the weather like?')],
        },
      } as never,
      bus,
    )

    // Act: the bus finishes (the task forgotten), then a cancel for it comes on another.
    bus.finished()
    const later = new DefaultExecutionEventBus()
    const published: unknown[] = []
    later.on('event', (event) => published.push(event))
    await executor.cancelTask(taskId, later)

    // Assess: the executor no longer holds the task, so it has nothing to cancel.
    expect(published).toEqual([])
  })
})
