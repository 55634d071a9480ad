import { isJsonObject as isObject } from '../json-object.ts'
import { parseJson } from '../json-parse.ts'
import type { SseEvent } from './sse.ts'

/**
 * Which event ends an A2A stream: the one rule for every stream the gateway relays, passed
 * through (`relayToReadable`) or translated (`mapSse`), read in the caller's binding and
 * version. After such an event the agent has nothing more to send, so whatever it sends is not
 * relayed: an agent that keeps its stream open past its task's end would otherwise hold the
 * caller's concurrent-stream slot and a Lambda until it stops, or for Lambda's 15 minutes.
 *
 * What A2A says (docs/specification.md of a2aproject/A2A, 1.0):
 * - §3.1.2: a message-only stream "MUST contain exactly one `Message` object and then close
 *   immediately"; a task's stream "MUST close when the task reaches a terminal state"
 *   (completed, failed, canceled, rejected); §3.1.6 the same of SubscribeToTask's.
 * - §11.7: "status or artifact update events until the task reaches a terminal or interrupted
 *   state, at which point the stream closes"; and docs/topics/streaming-and-async.md: at
 *   `INPUT_REQUIRED` "the server closes the stream and sends no further updates".
 * - §7.6.1: after `TASK_STATE_AUTH_REQUIRED` "the agent SHOULD maintain any active response
 *   streams with the client" and may go on once it has the credential: that state ends nothing
 *   (@a2a-js/sdk's server keeps such a stream open too, and closes one at `INPUT_REQUIRED`).
 * - 0.3 (its TaskStatusUpdateEvent): `final: true`, "the final event in the stream for this
 *   interaction"; its streaming guide: "the server usually closes the SSE connection" after it.
 * - An error: nothing follows an error answer to the same request (JSON-RPC's error response,
 *   an HTTP+JSON stream's `error` event).
 *
 * So a stream ends after: an error; a `Message`; a status update in a terminal state or
 * input-required, or (0.3) marked `final`; a `Task` in a terminal state. Not at a `Task` in
 * input-required: SubscribeToTask's first event is the task as it stands, and an interrupted
 * task may be subscribed to (the agent goes on once another request brings the input).
 *
 * But for one event: §11.7 goes on "Implementations SHOULD avoid re-ordering events and MAY
 * optionally resend a final `Task` snapshot before closing". So after a status update that ends
 * the stream one `Task` may still come, and nothing else (`a2aStreamEnd`, `isA2ATask`); after an
 * error, a `Message` or a terminal `Task` (a snapshot itself) nothing may.
 */

/** A `Task` or a status update in one of these states ends the stream: the terminal four. */
const terminalStates = new Set<unknown>([
  'completed',
  'failed',
  'canceled',
  'rejected',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  // 0.3's proto (its HTTP+JSON) spells it the British way.
  'TASK_STATE_CANCELLED',
  'TASK_STATE_REJECTED',
  // ProtoJSON parsers take an enum's number for its name: 3 completed, 4 failed, 5 canceled, 7 rejected.
  3,
  4,
  5,
  7,
])

/** A status update in one of these states ends the stream too: input-required (6). */
const endingStatusStates = new Set<unknown>([
  ...terminalStates,
  'input-required',
  'TASK_STATE_INPUT_REQUIRED',
  6,
])

/** What a stream event's payload is, in 0.3 JSON-RPC's `kind` tags or the proto's wrappers. */
type Payload = { kind: 'task' | 'message' | 'statusUpdate' | 'other'; value: unknown }

/** 0.3 JSON-RPC tags the result itself. */
const taggedKinds: Record<string, Payload['kind']> = {
  task: 'task',
  message: 'message',
  'status-update': 'statusUpdate',
}

/**
 * 1.0's StreamResponse and 0.3's HTTP+JSON one wrap it, under the JSON name or the proto name (a
 * ProtoJSON parser reads either), read in @a2a-js/sdk's order: the first one given is the one.
 */
const wrappers: [name: string, kind: Payload['kind']][] = [
  ['task', 'task'],
  ['message', 'message'],
  ['msg', 'message'],
  ['statusUpdate', 'statusUpdate'],
  ['status_update', 'statusUpdate'],
  ['artifactUpdate', 'other'],
  ['artifact_update', 'other'],
]

const payloadOf = (result: unknown, tagged: boolean): Payload | undefined => {
  if (!isObject(result)) return undefined
  if (tagged) {
    const kind = typeof result.kind === 'string' ? taggedKinds[result.kind] : undefined
    return kind ? { kind, value: result } : undefined
  }
  for (const [name, kind] of wrappers) {
    if (result[name] !== undefined && result[name] !== null) return { kind, value: result[name] }
  }
  return undefined
}

const stateOf = (value: unknown): unknown =>
  isObject(value) && isObject(value.status) ? value.status.state : undefined

/**
 * How an event leaves an A2A stream: `on`, more may come; `ended`, nothing may; or
 * `snapshot-may-follow`, ended but for one final `Task` snapshot (§11.7), after a status update.
 */
export type A2AStreamEnd = 'on' | 'ended' | 'snapshot-may-follow'

const endOf = ({ kind, value }: Payload, version: '1.0' | '0.3'): A2AStreamEnd => {
  switch (kind) {
    case 'message':
      return 'ended'
    case 'task':
      return terminalStates.has(stateOf(value)) ? 'ended' : 'on'
    case 'statusUpdate':
      return endingStatusStates.has(stateOf(value)) ||
        (version === '0.3' && isObject(value) && value.final === true)
        ? 'snapshot-may-follow'
        : 'on'
    default:
      return 'on'
  }
}

/**
 * Whether a JSON-RPC event is an error answer: nothing follows one for the same request. An
 * answer with an `error` key is one, a `result` beside it or not, and whatever its `jsonrpc`
 * says: @a2a-js/sdk's clients throw on any (0.3's on `"error" in` the answer, 1.0's first on a
 * `jsonrpc` other than `"2.0"`), so a caller's stream ends there, and so does the gateway's relay.
 * The call's metrics count it as the agent's error alike (`jsonRpcErrorCodeOf`).
 */
const isJsonRpcError = (parsed: Record<string, unknown>) => Object.hasOwn(parsed, 'error')

/**
 * Whether an event in the caller's binding is an A2A error, the first part of the rule: over
 * HTTP+JSON an `error` event, over JSON-RPC an answer with `error` (a `result` beside it or not). What a
 * translated stream ends at as it is carried over (`mapSse`), the agent's stream cancelled: the
 * relay ends it at every other terminal event, reading the agent's stream on to its end.
 *
 * @example
 * isA2AError('JSONRPC')({ data: '{"jsonrpc":"2.0","id":1,"error":{"code":-32006}}' }) // true
 */
export const isA2AError =
  (binding: 'JSONRPC' | 'HTTP+JSON') =>
  ({ event, data }: SseEvent): boolean => {
    if (binding === 'HTTP+JSON') return event === 'error'
    if (!data.includes('"error"')) return false
    const parsed = parsedObject(data)
    return parsed !== undefined && isJsonRpcError(parsed)
  }

const parsedObject = (data: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = parseJson(data)
    return isObject(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

/**
 * What an event that may end a stream holds: a key the rule reads (`"state"`, `"final"`,
 * `"error"`), a message's (`"message"`, also 0.3's `kind` value; `"msg"`), an `event:` name
 * (HTTP+JSON's `error`), or an escape of a lower-case letter (`\u0061`-`\u007a`, any case of hex
 * digit), which could spell any of those words: no other escape can, so the escapes an encoder
 * writes in text (a non-ASCII letter's, Go's `\u003c` for `<`) leave an event ruled out. An event
 * with none of them (an artifact's chunk, the bulk of a long stream) is not parsed. One regular
 * expression over the bytes read as Latin-1 (each byte one character, the ASCII it holds as
 * itself): a third of the time six `Buffer.includes` took for a 400-byte event that holds none.
 */
const mayEnd = /"(?:state|final|error|message|msg)"|\\u00[67]|^event:/m

/**
 * Whether bytes of whole events may hold an event that ends an A2A stream: when false, none
 * does; when true, `a2aStreamEnd` tells.
 */
export const mayEndA2AStream = (bytes: Uint8Array): boolean =>
  mayEnd.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'))

/**
 * What an event in the caller's binding and version carries, as the rule reads it: an error
 * answer, an A2A payload, or nothing it knows (`undefined`: data no JSON object, no result).
 */
const readEvent = (
  binding: 'JSONRPC' | 'HTTP+JSON',
  version: '1.0' | '0.3',
  { event, data }: SseEvent,
): Payload | 'error' | undefined => {
  if (binding === 'HTTP+JSON' && event === 'error') return 'error'
  const parsed = parsedObject(data)
  if (parsed === undefined) return undefined
  if (binding === 'HTTP+JSON') return payloadOf(parsed, false)
  if (isJsonRpcError(parsed)) return 'error'
  return payloadOf(parsed.result, version === '0.3')
}

/**
 * How an event in the caller's binding and version leaves an A2A stream (the rule above): after
 * `ended` the stream ends; after `snapshot-may-follow` (a status update that ends it) it ends too,
 * but for one `Task` (`isA2ATask`) that may come next.
 *
 * @example
 * a2aStreamEnd('HTTP+JSON', '1.0')({
 *   data: '{"statusUpdate":{"taskId":"t","status":{"state":"TASK_STATE_COMPLETED"}}}',
 * }) // 'snapshot-may-follow'
 * a2aStreamEnd('JSONRPC', '0.3')({
 *   data: '{"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t","status":{"state":"completed"}}}',
 * }) // 'ended'
 */
export const a2aStreamEnd =
  (binding: 'JSONRPC' | 'HTTP+JSON', version: '1.0' | '0.3') =>
  (event: SseEvent): A2AStreamEnd => {
    if (!(binding === 'HTTP+JSON' && event.event === 'error') && !mayEnd.test(event.data)) {
      return 'on'
    }
    const read = readEvent(binding, version, event)
    if (read === 'error') return 'ended'
    return read === undefined ? 'on' : endOf(read, version)
  }

/**
 * Whether an event in the caller's binding and version is a `Task`, as the rule reads one: 0.3
 * JSON-RPC's `kind: "task"` result, 1.0 JSON-RPC's `task` result, HTTP+JSON's `{"task": ...}`.
 * The one event a stream may carry after a status update that ended it: the snapshot.
 *
 * @example
 * isA2ATask('HTTP+JSON', '1.0')({ data: '{"task":{"id":"t","status":{"state":"TASK_STATE_COMPLETED"}}}' }) // true
 */
export const isA2ATask =
  (binding: 'JSONRPC' | 'HTTP+JSON', version: '1.0' | '0.3') =>
  (event: SseEvent): boolean => {
    const read = readEvent(binding, version, event)
    return read !== undefined && read !== 'error' && read.kind === 'task'
  }
