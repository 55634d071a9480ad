import type { ListTasksRequest, ListTasksResponse, Task } from '@a2a-js/sdk'
import {
  InMemoryTaskStore,
  type ServerCallContext,
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

/**
 * Tasks kept apart by caller: each caller loads, continues and lists only the
 * tasks it created (the SDK's in-memory store, scoped by the caller's name),
 * except a read the gateway marks as an auditor's, which sees every caller's
 * (a second store, holding every task under one scope).
 */
export class CallerTaskStore implements TaskStore {
  readonly #byCaller = new InMemoryTaskStore()
  readonly #everyone = new InMemoryTaskStore(() => 'everyone')

  async save(task: Task, context: ServerCallContext): Promise<void> {
    await this.#byCaller.save(task, context)
    await this.#everyone.save(task, context)
  }

  load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    return (readsAll(context) ? this.#everyone : this.#byCaller).load(taskId, context)
  }

  list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return (readsAll(context) ? this.#everyone : this.#byCaller).list(params, context)
  }
}
