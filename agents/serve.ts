import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AGENT_CARD_PATH, type AgentCard } from '@a2a-js/sdk'
import {
  type AgentExecutor,
  DefaultExecutionEventBusManager,
  DefaultPushNotificationSender,
  DefaultRequestHandler,
  InMemoryPushNotificationStore,
  type ServerCallContext,
} from '@a2a-js/sdk/server'
import { agentCardHandler, jsonRpcHandler, restHandler } from '@a2a-js/sdk/server/express'
import express, { type ErrorRequestHandler } from 'express'
import { JSONRPC_PATH, REST_PATH } from './a2a/agent-card.ts'
import { CallerTaskStore, gatewayCaller, type TaskStoreBounds } from './a2a/caller-task-store.ts'
import { urlHost } from './url-host.ts'

/**
 * The most a request body may hold: more than the gateway passes on (`MAX_REQUEST_BYTES`, 6 MiB),
 * where the SDK's own JSON parsers stop at Express's 100 KB and answer a larger message with
 * Express's HTML error page, its stack included.
 */
const bodyLimit = '10mb'

/** Express's own limit, which the SDK's parsers keep: a body up to it is theirs to read. */
const sdkLimitBytes = 100 * 1024

/** A body that says it is JSON of `types` and is longer than the SDK's parsers take. */
const largeJson =
  (types: readonly string[]) =>
  (request: IncomingMessage): boolean =>
    types.includes(
      (request.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '',
    ) && Number(request.headers['content-length'] ?? 0) > sdkLimitBytes

/**
 * A body longer than the SDK's parsers take (Express's 100 KB), parsed as they parse it
 * (JSON-RPC: `application/json`, strictly; HTTP+JSON: JSON or A2A's type, any JSON value) but up
 * to `bodyLimit`, so that the SDK's routers find it read. Any other body is left to them,
 * malformed ones and their answers included.
 */
const largeBodyParsers = {
  JSONRPC: express.json({ type: largeJson(['application/json']), limit: bodyLimit }),
  'HTTP+JSON': express.json({
    type: largeJson(['application/json', 'application/a2a+json']),
    strict: false,
    limit: bodyLimit,
  }),
}

/**
 * The last word on an error nothing else answered: JSON in the binding's shape, with no stack or
 * path, never Express's HTML page. A large body that is not JSON is answered as the SDK answers
 * a small one (JSON-RPC's -32700 with a 200; HTTP+JSON's 400 `INVALID_ARGUMENT`).
 */
const answerUnhandled: ErrorRequestHandler = (error, request, response, next) => {
  if (response.headersSent) return next(error)
  const jsonRpc = request.originalUrl.startsWith(JSONRPC_PATH)
  if ((error as { type?: unknown }).type === 'entity.parse.failed') {
    const message = 'Invalid JSON payload.'
    return jsonRpc
      ? response.status(200).json({ jsonrpc: '2.0', id: null, error: { code: -32700, message } })
      : response.status(400).json({ error: { code: 400, status: 'INVALID_ARGUMENT', message } })
  }
  const given = (error as { status?: unknown }).status
  const status = typeof given === 'number' && given >= 400 && given < 600 ? given : 500
  const message =
    status === 413
      ? `The request body is too large: at most ${bodyLimit}.`
      : status < 500
        ? 'The request could not be read.'
        : 'The agent failed.'
  response
    .status(status)
    .json(
      jsonRpc
        ? { jsonrpc: '2.0', id: null, error: { code: status < 500 ? -32600 : -32603, message } }
        : { error: { code: status, message } },
    )
}

/** A sample agent listening on a port, as the gateway and its tests drive it. */
export interface RunningAgent {
  /** 'weather' | 'calculator' */
  agentId: string
  /** Base URL, no trailing slash, e.g. http://127.0.0.1:41234 */
  url: string
  /** `${url}/.well-known/agent-card.json` */
  cardUrl: string
  /** Every HTTP request the server received, card fetches included. */
  requestCount(): number
  /** Stops the server and closes open connections, streams included. */
  close(): Promise<void>
}

export interface ServeOptions {
  /** 0 (the default) picks a free port. */
  port?: number
  /** Defaults to 127.0.0.1. */
  host?: string
  /** Serve (and declare) only these bindings; both by default. */
  bindings?: ('JSONRPC' | 'HTTP+JSON')[]
}

/** What `serveAgent` needs to know about one agent. */
export interface AgentDefinition {
  agentId: string
  /** The card, once the URL the agent listens on is known. */
  buildCard(baseUrl: string): AgentCard
  executor: AgentExecutor
}

/**
 * Serves an agent over A2A 1.0: its card at `/.well-known/agent-card.json`,
 * JSON-RPC at `/a2a/jsonrpc` and HTTP+JSON at `/a2a/rest`, all on one
 * `DefaultRequestHandler` with an in-memory task store that keeps callers
 * apart by the `X-Switchboard-Caller` the gateway sets (`CallerTaskStore`),
 * push notification configs stored per caller and task and sent by the SDK's
 * sender, and an extended card for callers the gateway names.
 *
 * Rejects with an Error naming the port when it is already in use.
 *
 * @example
 * const agent = await serveAgent(calculatorDefinition, { port: 0 })
 * console.log(agent.cardUrl)
 * await agent.close()
 */
export async function serveAgent(
  definition: AgentDefinition,
  options: ServeOptions = {},
): Promise<RunningAgent> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 0
  const app = express()
  const server = createServer(app)
  let requests = 0
  server.on('request', () => {
    requests += 1
  })

  await listen(server, port, host, definition.agentId)
  const url = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`

  // The card names the agent's own URL, so the routes go in once the port is known.
  const bindings = options.bindings ?? ['JSONRPC', 'HTTP+JSON']
  const fullCard = definition.buildCard(url)
  const card = {
    ...fullCard,
    supportedInterfaces: fullCard.supportedInterfaces.filter((entry) =>
      (bindings as string[]).includes(entry.protocolBinding),
    ),
  }
  const { requestHandler } = agentRequestHandler(card, definition.executor)
  const userBuilder = gatewayCaller
  app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: requestHandler }))
  if (bindings.includes('JSONRPC')) {
    app.use(JSONRPC_PATH, largeBodyParsers.JSONRPC, jsonRpcHandler({ requestHandler, userBuilder }))
  }
  if (bindings.includes('HTTP+JSON'))
    app.use(REST_PATH, largeBodyParsers['HTTP+JSON'], restHandler({ requestHandler, userBuilder }))
  app.use(answerUnhandled)

  let closing: Promise<void> | undefined
  return {
    agentId: definition.agentId,
    url,
    cardUrl: `${url}/${AGENT_CARD_PATH}`,
    requestCount: () => requests,
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve())
        // Open SSE streams and keep-alive sockets would hold close() forever.
        server.closeAllConnections()
      })
      return closing
    },
  }
}

/**
 * The SDK's request handler as a sample agent runs it, and what it keeps per task: its tasks in
 * a bounded `CallerTaskStore`, and for each task the store forgets, what the SDK keeps of it
 * beside the store goes too. The SDK keeps a task's event bus while the task waits for input (so
 * that a reply or a cancel finds it) and its push configs until a caller deletes them, each for
 * good: a task left waiting (a question nobody answered) held some 800 bytes of a warm agent
 * after the store had forgotten it, and a config more, each of them found by nobody since.
 * The bus is finished first, so a subscriber still attached to it ends rather than hangs.
 */
export const agentRequestHandler = (
  card: AgentCard,
  executor: AgentExecutor,
  bounds?: TaskStoreBounds,
) => {
  const eventBusManager = new DefaultExecutionEventBusManager()
  const pushNotificationStore = new InMemoryPushNotificationStore()
  const taskStore = new CallerTaskStore(bounds, async (taskId, context) => {
    eventBusManager.getByTaskId(taskId, context)?.finished()
    eventBusManager.cleanupByTaskId(taskId, context)
    for (const config of await pushNotificationStore.load(taskId, context)) {
      await pushNotificationStore.delete(taskId, context, config.id)
    }
  })
  const requestHandler = new DefaultRequestHandler(
    card,
    taskStore,
    executor,
    eventBusManager,
    pushNotificationStore,
    new DefaultPushNotificationSender(pushNotificationStore),
    async (context) => extendedCard(card, context),
  )
  return { requestHandler, taskStore, eventBusManager, pushNotificationStore }
}

/**
 * The card a caller the gateway names gets from GetExtendedAgentCard: the
 * public card, and what this agent keeps for that caller. Anyone else (a
 * call straight to the agent) gets the public card.
 */
function extendedCard(card: AgentCard, context: ServerCallContext): AgentCard {
  const user = context.user
  if (user === undefined || !user.isAuthenticated) return card
  return {
    ...card,
    description:
      `${card.description} For ${user.userName}: your tasks are kept apart from other ` +
      "callers' while this agent runs (list them with ListTasks), and each task takes push " +
      'notification configs.',
  }
}

function listen(
  server: ReturnType<typeof createServer>,
  port: number,
  host: string,
  agentId: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use`
          : `port ${port} on ${host}: ${error.message}`
      reject(new Error(`Cannot start the ${agentId} agent: ${reason}`, { cause: error }))
    })
    server.listen(port, host, () => resolve())
  })
}
