import { AgentCard, type Task, TaskState } from '@a2a-js/sdk'
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  ServerCallContext,
} from '@a2a-js/sdk/server'
import { describe, expect, it } from 'vitest'
import { CallerTaskStore, GatewayCaller } from '../../../agents/a2a/caller-task-store.ts'
import { textPart } from '../../../agents/a2a/parts.ts'
import { statusUpdate, submittedTask } from '../../../agents/a2a/task-events.ts'

const callerOf = (name: string, readsAllTasks = false) =>
  new ServerCallContext({ user: new GatewayCaller(name, readsAllTasks) })

/** A task whose history holds one message of `text`. */
const taskWith = (id: string, text = 'hi'): Task =>
  ({
    id,
    contextId: `c-${id}`,
    status: { state: TaskState.TASK_STATE_COMPLETED },
    history: [
      { messageId: `m-${id}`, role: 1, parts: [{ content: { $case: 'text', value: text } }] },
    ],
    artifacts: [],
  }) as unknown as Task

describe('the sample agents’ task store', () => {
  it('forgets the tasks saved longest ago past its bounds, each caller still reading only its own', async () => {
    // Prepare
    const store = new CallerTaskStore({ maxTasks: 10, maxCharacters: 1_000_000 })
    const [alice, bob, auditor] = [callerOf('alice'), callerOf('bob'), callerOf('audit', true)]

    // Act: twelve tasks, alice's and bob's in turn; the first saved again last.
    for (let i = 0; i < 12; i++) await store.save(taskWith(`t-${i}`), i % 2 === 0 ? alice : bob)
    await store.save(taskWith('t-0', 'again'), alice)

    // Assess: past ten, the oldest went (down to nine), the one saved again stayed.
    expect(await store.load('t-1', bob)).toBeUndefined()
    expect(await store.load('t-2', alice)).toBeUndefined()
    expect(await store.load('t-0', alice)).toMatchObject({ history: [{ messageId: 'm-t-0' }] })
    expect(await store.load('t-11', bob)).toMatchObject({ id: 't-11' })
    expect(await store.load('t-11', alice)).toBeUndefined()
    expect(await store.load('t-10', auditor)).toMatchObject({ id: 't-10' })
    const listed = await store.list({ pageSize: 100 } as never, alice)
    expect(listed.tasks.map(({ id }) => id).sort()).toEqual(['t-0', 't-10', 't-4', 't-6', 't-8'])
  })

  it('keeps callers’ large messages only while they fit, and the latest whatever its size', async () => {
    // Prepare: a caller's large messages; the SDK's store kept every one for good, so a caller
    // could fill the `npm start` process (gateway, database and agents) until it stopped.
    const store = new CallerTaskStore({ maxTasks: 1000, maxCharacters: 100_000 })
    const alice = callerOf('alice')
    const large = 'x'.repeat(10_000)

    // Act
    for (let i = 0; i < 40; i++) await store.save(taskWith(`big-${i}`, large), alice)
    const fitted = (await store.list({ pageSize: 100 } as never, alice)).tasks.map(({ id }) => id)
    await store.save(taskWith('huge', large.repeat(20)), alice)

    // Assess
    expect(fitted.length).toBeLessThanOrEqual(10)
    expect(fitted).toContain('big-39')
    expect(await store.load('big-0', alice)).toBeUndefined()
    const kept = (await store.list({ pageSize: 100 } as never, alice)).tasks.map(({ id }) => id)
    expect(kept).toEqual(['huge'])
  })

  it('answers calls made at once in the order made, while the oldest move out', async () => {
    // Prepare
    const store = new CallerTaskStore({ maxTasks: 5, maxCharacters: 1_000_000 })
    const alice = callerOf('alice')

    // Act: saves, each another state of the same few tasks, and reads, none awaited before the next.
    const calls = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 2
        ? store.load(`t-${(i - 2) % 7}`, alice)
        : store.save(taskWith(`t-${i % 7}`, `state ${i}`), alice),
    )
    const answers = await Promise.all(calls)

    // Assess: each read finds the save made just before it, the last one too.
    expect(answers[59]).toMatchObject({
      history: [{ parts: [{ content: { value: 'state 57' } }] }],
    })
    expect(await store.load('t-2', alice)).toMatchObject({
      history: [{ parts: [{ content: { value: 'state 58' } }] }],
    })
  })

  it('keeps a task still being worked on, so its answer is not lost to other callers’ saves', async () => {
    // Prepare: an agent whose "slow" task works until released, on a store of three tasks.
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const executor: AgentExecutor = {
      async execute(context, eventBus) {
        const ids = { taskId: context.taskId, contextId: context.contextId }
        eventBus.publish(AgentEvent.task(submittedTask(ids, context.userMessage)))
        eventBus.publish(AgentEvent.statusUpdate(statusUpdate(ids, TaskState.TASK_STATE_WORKING)))
        if (
          context.userMessage.parts.some(
            (part) => part.content?.$case === 'text' && part.content.value === 'slow',
          )
        )
          await released
        eventBus.publish(
          AgentEvent.statusUpdate(statusUpdate(ids, TaskState.TASK_STATE_COMPLETED, 'done')),
        )
        eventBus.finished()
      },
      async cancelTask() {},
    }
    const card = AgentCard.fromJSON({
      name: 'Slow',
      description: 'Works until released.',
      version: '1.0.0',
      supportedInterfaces: [
        { url: 'http://127.0.0.1/rpc', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      ],
      capabilities: {},
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [],
    })
    const store = new CallerTaskStore({ maxTasks: 3, maxCharacters: 1_000_000 })
    const handler = new DefaultRequestHandler(card, store, executor)
    const send = (text: string, caller: ServerCallContext) =>
      handler.sendMessage(
        { message: { messageId: crypto.randomUUID(), role: 1, parts: [textPart(text)] } } as never,
        caller,
      )
    const [alice, bob] = [callerOf('alice'), callerOf('bob')]

    // Act: alice's task works while bob's four quick ones are saved after it; then it finishes.
    const slow = send('slow', alice)
    await new Promise((resolve) => setTimeout(resolve, 20))
    for (let i = 0; i < 4; i++) await send('quick', bob)
    release()

    // Assess: alice gets her completed task, and can read it again.
    const answer = (await slow) as Task
    expect(answer.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(await store.load(answer.id, alice)).toMatchObject({
      status: { state: TaskState.TASK_STATE_COMPLETED },
    })
  })
})
