import { type ListTasksRequest, type ListTasksResponse, type Task, TaskState } from '@a2a-js/sdk'
import {
  InMemoryTaskStore,
  ServerCallContext,
  type TaskStore,
  UnauthenticatedUser,
  type User,
} from '@a2a-js/sdk/server'
import type { UserBuilder } from '@a2a-js/sdk/server/express'
import type { Request } from 'express'

/** Set by the gateway alone: the verified caller, and whether it reads every caller's tasks. */
const callerHeader = 'x-switchboard-caller'
const taskAccessHeader = 'x-switchboard-task-access'

/** A caller the gateway named. */
export class GatewayCaller implements User {
  readonly #name: string
  /** The gateway let it read every caller's tasks on this call (an auditor's read). */
  readonly readsAllTasks: boolean

  constructor(name: string, readsAllTasks: boolean) {
    this.#name = name
    this.readsAllTasks = readsAllTasks
  }

  get isAuthenticated() {
    return true
  }

  get userName() {
    return this.#name
  }
}

const headerOf = (request: Request, name: string) => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * The caller of a request, as the gateway names it in `X-Switchboard-Caller`;
 * a request without it (straight to the agent, not through the gateway) is
 * unauthenticated, and such callers share one store among themselves. A sample
 * agent trusts these headers because only the gateway is meant to reach it.
 */
export const gatewayCaller: UserBuilder = async (request) => {
  const name = headerOf(request, callerHeader)
  if (!name) return new UnauthenticatedUser()
  return new GatewayCaller(name, headerOf(request, taskAccessHeader) === 'all')
}

const readsAll = (context: ServerCallContext) =>
  context.user instanceof GatewayCaller && context.user.readsAllTasks

/** How much `CallerTaskStore` keeps before it forgets its oldest tasks. */
export interface TaskStoreBounds {
  /** Tasks kept at most, every caller's together. */
  maxTasks: number
  /** Their JSON's characters at most (one task larger is kept alone, until the next is saved). */
  maxCharacters: number
}

/**
 * A thousand tasks, and 4 Mi characters of them: some 100 MB of a sample agent's heap at most (a
 * task of tiny parts takes some 25 bytes of heap per character of JSON, in the two stores).
 */
export const defaultTaskStoreBounds: TaskStoreBounds = {
  maxTasks: 1000,
  maxCharacters: 4 * 1024 * 1024,
}

/**
 * States in which an executor is still at work on the task: each of its events loads the task
 * from the store, so one forgotten then is dropped, its answer lost ("Agent execution finished
 * without a result"). As many as the executions under way.
 */
const WORKED_ON = new Set<TaskState | undefined>([
  TaskState.TASK_STATE_SUBMITTED,
  TaskState.TASK_STATE_WORKING,
])

/** A task's size as JSON (an int64 as its digits). */
const charactersOf = (task: Task) =>
  JSON.stringify(task, (_key, value) => (typeof value === 'bigint' ? String(value) : value)).length

/**
 * Tasks kept apart by caller: each caller loads, continues and lists only the
 * tasks it created (the SDK's in-memory store, scoped by the caller's name),
 * except a read the gateway marks as an auditor's, which sees every caller's
 * (a second store, holding every task under one scope).
 *
 * Bounded: past `maxTasks` tasks or `maxCharacters` of them, the ones saved longest ago are
 * forgotten (a call naming one is TaskNotFound), but never one still submitted or working,
 * nor the one saved last. The SDK's store keeps every task for good, and
 * with it every message's whole history: a caller's 1.2 MB message of 100,000 parts held 29 MB
 * of the `npm start` process (gateway, database and both agents) until it stopped.
 */
export class CallerTaskStore implements TaskStore {
  readonly #bounds: TaskStoreBounds
  readonly #onForget: (taskId: string, context: ServerCallContext) => Promise<void> | void
  #byCaller = new InMemoryTaskStore()
  #everyone = new InMemoryTaskStore(() => 'everyone')
  /** Each task kept, in the order last saved: its size, whose it is, and whether it is worked on. */
  readonly #kept = new Map<
    string,
    { characters: number; context: ServerCallContext; workedOn: boolean }
  >()
  #characters = 0
  #turn: Promise<unknown> = Promise.resolve()

  /**
   * `onForget` is told of each task forgotten, with whose it was: what else is kept for it (the
   * SDK's event bus of a task waiting for input, its push configs) can go too, as nobody can
   * continue, cancel or be pushed about a task the store no longer has.
   */
  constructor(
    bounds: TaskStoreBounds = defaultTaskStoreBounds,
    onForget: (taskId: string, context: ServerCallContext) => Promise<void> | void = () => {},
  ) {
    this.#bounds = bounds
    this.#onForget = onForget
  }

  save(task: Task, context: ServerCallContext): Promise<void> {
    return this.#inTurn(() => this.#save(task, context))
  }

  load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    return this.#inTurn(() =>
      (readsAll(context) ? this.#everyone : this.#byCaller).load(taskId, context),
    )
  }

  list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.#inTurn(() =>
      (readsAll(context) ? this.#everyone : this.#byCaller).list(params, context),
    )
  }

  /** One operation at a time, so none sees the stores while the oldest tasks move out. */
  #inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(work)
    this.#turn = run.catch(() => undefined)
    return run
  }

  async #save(task: Task, context: ServerCallContext) {
    await this.#byCaller.save(task, context)
    await this.#everyone.save(task, context)
    this.#forget(task.id)
    const characters = charactersOf(task)
    // Only what the stores scope by: holding the whole context would hold its state too.
    const owner = new ServerCallContext({
      user: context.user,
      ...(context.tenant === undefined ? {} : { tenant: context.tenant }),
    })
    const workedOn = WORKED_ON.has(task.status?.state)
    this.#kept.set(task.id, { characters, context: owner, workedOn })
    this.#characters += characters
    if (this.#kept.size > this.#bounds.maxTasks || this.#characters > this.#bounds.maxCharacters)
      await this.#forgetOldest(task.id)
  }

  #forget(taskId: string) {
    const kept = this.#kept.get(taskId)
    if (!kept) return
    this.#characters -= kept.characters
    this.#kept.delete(taskId)
  }

  /**
   * Forgets the tasks saved longest ago, down to nine tenths of each bound (so that it is done
   * once per many saves), the newest and those still worked on always kept; the SDK's stores cannot delete, so the tasks
   * kept move to new ones.
   */
  async #forgetOldest(newest: string) {
    const maxTasks = Math.floor(this.#bounds.maxTasks * 0.9)
    const maxCharacters = Math.floor(this.#bounds.maxCharacters * 0.9)
    const forgotten: [string, ServerCallContext][] = []
    for (const [taskId, { workedOn, context }] of this.#kept) {
      if (taskId === newest) break
      if (this.#kept.size <= maxTasks && this.#characters <= maxCharacters) break
      if (workedOn) continue
      this.#forget(taskId)
      forgotten.push([taskId, context])
    }
    // All still worked on: nothing to move (each save past the bounds would copy them all).
    if (forgotten.length === 0) return
    for (const [taskId, context] of forgotten) await this.#onForget(taskId, context)
    const everyone = this.#everyone
    this.#byCaller = new InMemoryTaskStore()
    this.#everyone = new InMemoryTaskStore(() => 'everyone')
    for (const [taskId, { context }] of this.#kept) {
      const task = await everyone.load(taskId, context)
      if (!task) continue
      await this.#byCaller.save(task, context)
      await this.#everyone.save(task, context)
    }
  }
}
