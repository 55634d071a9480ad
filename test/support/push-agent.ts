import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { asyncListener } from './async-listener.ts'
import { startScriptedAgent } from './scripted-agent.ts'

/** One push config as the agent was given it. */
export interface GivenConfig {
  taskId: string
  id?: string
  url: string
  token?: string
  [field: string]: unknown
}

/**
 * A JSON-RPC 1.0 agent that keeps the push configs it is given and pushes to
 * them when the test says: SendMessage (or SendStreamingMessage, answered with a
 * one-event stream) starts a task `task-{n}` (keeping a config given in its
 * `configuration`); the push-config methods store and answer configs as given
 * (Create fails while `failing.creates` is set; a config given without an id is named as
 * `naming.idless` says);
 * `push(taskId)` POSTs a status update to each config of the task, with the
 * config's token in X-A2A-Notification-Token, as @a2a-js/sdk's sender does.
 * While `pushesFirst.on` is set, a message carrying a config has the agent push
 * the submitted task to it and wait for that push's answer (kept in
 * `pushesFirst.answered`) before it answers the message, as @a2a-js/sdk's
 * agents do: the task is then on no record of the gateway's when the push comes.
 */
export const startPushAgent = async () => {
  const configs: GivenConfig[] = []
  /**
   * How the agent names a config given without an id: by its task (as a2a-python and most
   * @a2a-js/sdk releases do), or at random (as @a2a-js/sdk 1.3.0 does).
   */
  const naming: { idless: 'task' | 'random' } = { idless: 'task' }
  const nameOf = (given: { id?: unknown }, taskId: string) =>
    (given.id as string) || (naming.idless === 'task' ? taskId : randomUUID())
  /** When set, CreateTaskPushNotificationConfig fails and the agent keeps what it had. */
  const failing = { creates: false }
  const pushesFirst: { on: boolean; answered: number[] } = { on: false, answered: [] }
  let tasks = 0
  const agent = await startScriptedAgent({
    bindings: ['JSONRPC'],
    answer: async (_request, body, response) => {
      const { id, method, params } = JSON.parse(body)
      const started = method === 'SendMessage' || method === 'SendStreamingMessage'
      const task = started
        ? {
            id: `task-${++tasks}`,
            contextId: `context-${tasks}`,
            status: { state: 'TASK_STATE_WORKING' },
          }
        : undefined
      // A config given with the message is for the task it starts.
      const inline = task && params.configuration?.taskPushNotificationConfig
      if (task && inline) {
        // Named by its task when the client gave no id, as @a2a-js/sdk 0.3 and a2a-python do.
        configs.push({ ...inline, id: nameOf(inline, task.id), taskId: task.id })
        if (pushesFirst.on) {
          const pushed = await pushTo(inline, task.id, inline.token, 'TASK_STATE_SUBMITTED')
          await pushed.body?.cancel()
          pushesFirst.answered.push(pushed.status)
        }
      }
      if (method === 'SendStreamingMessage') {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task } })}\n\n`)
        return
      }
      const result = (() => {
        switch (method) {
          case 'SendMessage':
            return { task }
          case 'GetTask':
            return { id: params.id, status: { state: 'TASK_STATE_WORKING' } }
          case 'CreateTaskPushNotificationConfig': {
            if (failing.creates) return undefined
            const config = { ...params, id: nameOf(params, params.taskId) }
            configs.push(config)
            return config
          }
          case 'GetTaskPushNotificationConfig':
            return configs.find(
              (config) => config.taskId === params.taskId && config.id === params.id,
            )
          case 'DeleteTaskPushNotificationConfig': {
            const index = configs.findIndex(
              (config) => config.taskId === params.taskId && config.id === params.id,
            )
            if (index === -1) return undefined
            configs.splice(index, 1)
            return {}
          }
          case 'ListTaskPushNotificationConfigs':
            return { configs: configs.filter((config) => config.taskId === params.taskId) }
          default:
            return undefined
        }
      })()
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify(
          result === undefined
            ? { jsonrpc: '2.0', id, error: { code: -32001, message: 'not found' } }
            : { jsonrpc: '2.0', id, result },
        ),
      )
    },
  })
  return {
    ...agent,
    configs,
    failing,
    naming,
    pushesFirst,
    pushBody,
    /** Pushes a status update of `taskId` to `config` (with `token`, default the config's). */
    push: (config: GivenConfig, taskId = config.taskId, token = config.token) =>
      pushTo(config, taskId, token),
  }
}

/** What the agent sends for `taskId`'s status change (to completed, unless `state` says). */
const pushBody = (taskId: string, state = 'TASK_STATE_COMPLETED') =>
  JSON.stringify({ statusUpdate: { taskId, contextId: 'context', status: { state } } })

/** POSTs `taskId`'s status change to a config's url, with `token` as @a2a-js/sdk's sender does. */
const pushTo = (config: { url: string }, taskId: string, token?: string, state?: string) =>
  fetch(config.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { 'x-a2a-notification-token': token } : {}),
    },
    body: pushBody(taskId, state),
    signal: AbortSignal.timeout(10_000),
  })

/** One request a webhook received. */
export interface WebhookHit {
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * A client's webhook on this machine: it keeps what it receives and answers
 * `status` (200 unless the test makes it fail) with `headers` (a `Retry-After`, say), or never
 * answers.
 */
export const startWebhook = async (
  status: number | 'no answer' = 200,
  headers: Record<string, string> = {},
) => {
  const hits: WebhookHit[] = []
  const server = createServer(
    asyncListener(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      hits.push({ headers: request.headers, body })
      // 'no answer': the connection stays open until the gateway gives up (or `stop`).
      if (status !== 'no answer') response.writeHead(status, headers).end()
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Resolves once `condition` holds, checking every 20 ms; rejects after `withinMs`. */
export const eventually = async (
  condition: () => boolean | Promise<boolean>,
  withinMs = 10_000,
) => {
  const deadline = Date.now() + withinMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not come true in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * The record of an agent `pusher`, registered and served (active), whose configs a delivery's
 * tests push through: a push for an agent no longer served goes nowhere.
 */
export const servedPusher = (): AgentRecord => {
  const at = new Date().toISOString()
  return {
    agentId: 'pusher',
    backendUrl: 'http://127.0.0.1:9/',
    agentCardUrl: 'http://127.0.0.1:9/card.json',
    auth: { type: 'none' },
    status: 'active',
    card: { name: 'Pusher' },
    protocolVersion: '1.0',
    endpoints: {},
    createdAt: at,
    updatedAt: at,
  } as unknown as AgentRecord
}
