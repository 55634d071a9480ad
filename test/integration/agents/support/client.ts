import {
  type SendMessageRequest,
  type StreamResponse,
  type Task,
  TaskState,
  taskStateToJSON,
} from '@a2a-js/sdk'
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  type RequestOptions,
} from '@a2a-js/sdk/client'
import type { RunningAgent } from '../../../../agents/serve.ts'

/** The two bindings the sample agents serve, by the names the SDK gives them. */
export const TRANSPORTS = ['JSONRPC', 'HTTP+JSON'] as const
export type TransportName = (typeof TRANSPORTS)[number]

/**
 * An official SDK client for a running agent, on the binding asked for.
 * `preferredTransports` overrides the card's order (JSON-RPC first); the
 * default factory already knows both JSON-RPC and HTTP+JSON.
 */
export function clientFor(agent: RunningAgent, transport: TransportName): Promise<Client> {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      preferredTransports: [transport],
    }),
  )
  return factory.createFromUrl(agent.url)
}

/** Sends a message and insists the answer is a Task (these agents never answer with a bare Message). */
export async function sendForTask(
  client: Client,
  request: SendMessageRequest,
  options?: RequestOptions,
): Promise<Task> {
  const result = await client.sendMessage(request, options)
  if (!('status' in result)) throw new Error(`expected a Task, got ${JSON.stringify(result)}`)
  return result
}

/** A streamed event with the time it arrived. */
export interface ArrivedEvent {
  payload: NonNullable<StreamResponse['payload']>
  at: number
}

/** Collects a whole stream, noting when each event arrived. */
export async function collectStream(
  client: Client,
  request: SendMessageRequest,
): Promise<ArrivedEvent[]> {
  const events: ArrivedEvent[] = []
  for await (const event of client.sendMessageStream(request)) {
    if (event.payload !== undefined) events.push({ payload: event.payload, at: performance.now() })
  }
  return events
}

/** A task's state by its wire name, e.g. "TASK_STATE_COMPLETED". */
export function stateName(task: Task): string {
  return taskStateToJSON(task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)
}

/**
 * An event as one readable word pair, to assert a stream's order:
 * "task TASK_STATE_SUBMITTED", "statusUpdate TASK_STATE_WORKING", "artifactUpdate".
 */
export function eventLabel({ payload }: ArrivedEvent): string {
  switch (payload.$case) {
    case 'task':
      return `task ${stateName(payload.value)}`
    case 'statusUpdate':
      return `statusUpdate ${taskStateToJSON(payload.value.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)}`
    default:
      return payload.$case
  }
}
