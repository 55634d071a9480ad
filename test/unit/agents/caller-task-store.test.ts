import { type Task, TaskState } from '@a2a-js/sdk'
import { ServerCallContext } from '@a2a-js/sdk/server'
import { describe, expect, it } from 'vitest'
import { CallerTaskStore, GatewayCaller } from '../../../agents/a2a/caller-task-store.ts'

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
})
