import {
  A2A_ERROR_CODE,
  fromJsonRpcErrorResponse,
  restStatusFor,
  toRestErrorBody,
} from '@a2a-js/sdk/errors'
import { DotSegmentError, MissingPathParamError } from '../errors.ts'
import { nestsDeeperThan } from '../json-depth.ts'
import { asNumber, parseKeepingInexactNumbers } from '../json-kept-numbers.ts'
import { isJsonObject as isObject, withoutByteOrderMark } from '../json-object.ts'
import {
  asJsonRpcError,
  type JsonRpcError,
  jsonRpcErrorAsRest,
  legacyRestErrorAsJsonRpc,
  restErrorAsJsonRpc,
} from './agent-errors.ts'
import { errorCodeIn } from './error-key.ts'
import { jsonAnswerType } from './media-types.ts'
import type { OperationName } from './operations.ts'
import { fieldOf, jsonName, protoName } from './proto-fields.ts'
import type { A2ACall } from './request.ts'
import type { SseEvent } from './sse.ts'

/**
 * Binding translation, for an agent that does not serve the caller's binding:
 * the call is re-encoded for the binding it does serve, and the answer (events
 * included) re-encoded back. Field names are A2A 1.0's.
 */
type Params = Record<string, unknown>

interface RestRequest {
  method: 'GET' | 'POST' | 'DELETE'
  /** Below the agent's HTTP+JSON URL, query string included. */
  path: string
  body?: unknown
}

/**
 * A param as one path segment, under its JSON name or its proto name (`task_id`), as ProtoJSON
 * reads it. One missing or no string is refused rather than sent as `undefined`; `.` and `..`
 * are refused too: encoding cannot save them (a URL reads `%2E` as a dot too), and `/tasks/.`
 * would reach ListTasks.
 */
const segment = (params: Params, name: string): string => {
  const value = fieldOf(params, name)
  if (typeof value !== 'string' || value === '') throw new MissingPathParamError(name)
  if (value === '.' || value === '..') throw new DotSegmentError(name, value)
  return encodeURIComponent(value)
}

/**
 * The params' scalars as a query string, each under its JSON name: a server may read no other
 * (@a2a-js/sdk's reads `historyLength`, never `history_length`). A field given by both names
 * is read as a ProtoJSON parser reads it, the JSON name's value (`fieldOf`).
 */
const query = (params: Params, skip: string[]) => {
  const skipped = new Set(skip.flatMap((name) => [name, protoName(name)]))
  const entries = new Map<string, string>()
  for (const [name, value] of Object.entries(params)) {
    // A number kept as the caller wrote it (`1.0`) goes as the number it is: a query is text.
    const given = asNumber(value)
    if (skipped.has(name) || given === undefined || given === null || typeof given === 'object') {
      continue
    }
    const named = jsonName(name)
    if (name === named || !entries.has(named)) entries.set(named, String(given))
  }
  return entries.size > 0 ? `?${new URLSearchParams([...entries]).toString()}` : ''
}

/** The params without these fields, under either of their names. */
const without = (params: Params, names: string[]) => {
  const dropped = new Set(names.flatMap((name) => [name, protoName(name)]))
  return Object.fromEntries(Object.entries(params).filter(([name]) => !dropped.has(name)))
}

const jsonRpcToRest: Record<OperationName, (p: Params) => RestRequest> = {
  SendMessage: (p) => ({ method: 'POST', path: '/message:send', body: without(p, ['tenant']) }),
  SendStreamingMessage: (p) => ({
    method: 'POST',
    path: '/message:stream',
    body: without(p, ['tenant']),
  }),
  GetTask: (p) => ({
    method: 'GET',
    path: `/tasks/${segment(p, 'id')}${query(p, ['id', 'tenant'])}`,
  }),
  ListTasks: (p) => ({ method: 'GET', path: `/tasks${query(p, ['tenant'])}` }),
  CancelTask: (p) => ({
    method: 'POST',
    path: `/tasks/${segment(p, 'id')}:cancel`,
    body: without(p, ['id', 'tenant']),
  }),
  SubscribeToTask: (p) => ({ method: 'GET', path: `/tasks/${segment(p, 'id')}:subscribe` }),
  CreateTaskPushNotificationConfig: (p) => ({
    method: 'POST',
    path: `/tasks/${segment(p, 'taskId')}/pushNotificationConfigs`,
    body: without(p, ['taskId', 'tenant']),
  }),
  GetTaskPushNotificationConfig: (p) => ({
    method: 'GET',
    path: `/tasks/${segment(p, 'taskId')}/pushNotificationConfigs/${segment(p, 'id')}`,
  }),
  ListTaskPushNotificationConfigs: (p) => ({
    method: 'GET',
    path: `/tasks/${segment(p, 'taskId')}/pushNotificationConfigs${query(p, ['taskId', 'tenant'])}`,
  }),
  DeleteTaskPushNotificationConfig: (p) => ({
    method: 'DELETE',
    path: `/tasks/${segment(p, 'taskId')}/pushNotificationConfigs/${segment(p, 'id')}`,
  }),
  GetExtendedAgentCard: () => ({ method: 'GET', path: '/extendedAgentCard' }),
}

/** A JSON-RPC call as the HTTP+JSON request that means the same. */
export const restRequestFor = (call: Pick<A2ACall, 'operation' | 'params'>): RestRequest => {
  const params = (call.params ?? {}) as Params
  const request = jsonRpcToRest[call.operation](params)
  return typeof params.tenant === 'string' && params.tenant !== ''
    ? { ...request, path: `/${segment(params, 'tenant')}${request.path}` }
    : request
}

export interface TranslatedAnswer {
  statusCode: number
  headers: Record<string, string>
  body: string
}

const json = (
  statusCode: number,
  body: unknown,
  contentType = jsonAnswerType('JSONRPC', '1.0'),
): TranslatedAnswer => ({
  statusCode,
  headers: { 'content-type': contentType },
  body: JSON.stringify(body),
})

/** An HTTP+JSON answer as the JSON-RPC response to `jsonRpcId`. */
export const restAnswerAsJsonRpc = (
  statusCode: number,
  text: string,
  jsonRpcId: A2ACall['jsonRpcId'],
  operation: OperationName,
  seen: Seen = unseen,
): TranslatedAnswer =>
  answerFor(
    seen(restOutcome('1.0', statusCode, text, operation)),
    { ...jsonRpcCaller, jsonRpcId },
    operation,
  )

export const restStatusOf: Partial<Record<OperationName, number>> = {
  CreateTaskPushNotificationConfig: 201,
  DeleteTaskPushNotificationConfig: 204,
}

/** A JSON-RPC answer as the HTTP+JSON response for `operation`. */
export const jsonRpcAnswerAsRest = (
  text: string,
  operation: OperationName,
  statusCode = 200,
  seen: Seen = unseen,
): TranslatedAnswer =>
  answerFor(seen(jsonRpcOutcome(statusCode, text, '1.0', operation)), restCaller, operation)

/** An HTTP+JSON stream event as a JSON-RPC one. */
export const restEventAsJsonRpc = (
  event: SseEvent,
  jsonRpcId: A2ACall['jsonRpcId'],
  seen: Seen = unseen,
): SseEvent =>
  eventFor(seen(eventOutcomeOf('HTTP+JSON', '1.0', event)), { ...jsonRpcCaller, jsonRpcId })

/** A JSON-RPC stream event as an HTTP+JSON one. */
export const jsonRpcEventAsRest = (event: SseEvent, seen: Seen = unseen): SseEvent =>
  eventFor(seen(eventOutcomeOf('JSONRPC', '1.0', event)), restCaller)

/**
 * What an answer says, whatever its binding: a result, or an error as a
 * JSON-RPC error object (the shape both versions' JSON-RPC share). `refusedWith`, the agent's
 * status when the error is its refusal of the caller's request (`agentRefusal`).
 */
export type Outcome = { result: unknown } | { error: JsonRpcError; refusedWith?: number }

/** An agent's status that refuses the caller's request: a 4xx. */
const isRefusalStatus = (statusCode: number) => statusCode >= 400 && statusCode < 500

/**
 * An agent's 4xx that names no A2A error (no integer JSON-RPC code, no A2A reason or code in an
 * HTTP+JSON body, or no A2A answer at all: Fastify's `{"statusCode":413,"error":"Payload Too
 * Large",…}` past its bodyLimit, @fastify/rate-limit's 429, a proxy's 413 page) is the agent
 * refusing the caller's request, as that status says and as a same-version call relays it: the
 * caller gets the agent's status in either binding (JSON-RPC's as the gateway's own refusals keep
 * theirs), the agent's words (or, for a body that could not be read, why: "The agent answered HTTP
 * 404 with something other than JSON."), on JSON-RPC Invalid Request (-32600, a request error:
 * A2A pairs no status with it, @a2a-js/sdk a 400), on 1.0 HTTP+JSON a `google.rpc.Status` of that
 * status naming no A2A error (`answerFor`); so `callRecorder` counts no failure of the agent's. Until the 30th session a translated
 * call gave it -32603 (HTTP 500 to an HTTP+JSON caller), the agent's failure, so a caller's large
 * or many calls could raise the agent's failure alarm.
 */
const agentRefusal = (statusCode: number, body: unknown): Outcome => {
  const whole = isObject(body) ? body : {}
  const error = isObject(whole.error) ? whole.error : {}
  const said = [error.message, whole.message, whole.error].find(
    (text): text is string => typeof text === 'string' && text !== '',
  )
  return refusal(
    statusCode,
    `The agent refused the request (HTTP ${statusCode})${said === undefined ? '.' : `: ${said}`}`,
  )
}

const refusal = (statusCode: number, message: string): Outcome => ({
  error: { code: A2A_ERROR_CODE.INVALID_REQUEST, message },
  refusedWith: statusCode,
})

/** A 4xx whose body could not be read (`readableJson`): a refusal, in the words that say why. */
const unreadRefusal = (statusCode: number, invalid: Outcome): Outcome =>
  refusal(statusCode, 'error' in invalid ? invalid.error.message : `HTTP ${statusCode}`)

/** The outcomes `invalidAnswer` made: the gateway's word on the agent's answer, not the agent's. */
const madeInvalid = new WeakSet<Outcome>()

/** The agent's answer is none its binding defines: A2A's InvalidAgentResponseError. */
const invalidAnswer = (statusCode: number, what: string): Outcome => {
  const outcome = {
    error: {
      code: -32006,
      message: `The agent answered${statusCode >= 300 ? ` HTTP ${statusCode}` : ''} with ${what}.`,
    },
  }
  madeInvalid.add(outcome)
  return outcome
}

/**
 * Whether the gateway read this outcome as the agent's invalid answer (no JSON, no A2A answer),
 * rather than the agent answering an error itself, with whatever code.
 */
export const isInvalidAnswer = (outcome: Outcome): boolean => madeInvalid.has(outcome)

/** What a translation is told of each outcome it read: by default, nothing. */
type Seen = (outcome: Outcome) => Outcome
const unseen: Seen = (outcome) => outcome

/**
 * `text` as JSON, or none when it is not JSON. Each number JSON would write back otherwise (an
 * integer past 2^53, `1e20`, `-0`) is kept as the agent wrote it (`parseKeepingInexactNumbers`):
 * read as a double, `12345678901234567890` reached the caller as `12345678901234567000` and `1e20`
 * as 21 digits, until 7 December 2026. A byte-order mark before it is passed over, as a caller's
 * client passes it over (`withoutByteOrderMark`, as `parseAnswer`); until a review that day such an answer was no JSON here.
 */
const parsedJson = (text: string): { value: unknown } | undefined => {
  try {
    return { value: parseKeepingInexactNumbers(withoutByteOrderMark(text)) }
  } catch {
    return undefined
  }
}

/**
 * How deep an agent's answer may nest to be translated: far past any A2A answer's own shape (a
 * data part's value sits eight levels down in a JSON-RPC task), and short of what walking it
 * could exhaust the stack with.
 */
export const maxAnswerDepth = 128

/** JSON an answer may be read as: none when it is no JSON, or nests too deep to walk. */
const readableJson = (
  statusCode: number,
  text: string,
): { value: unknown } | { invalid: Outcome } => {
  const parsed = parsedJson(text)
  if (!parsed) return { invalid: invalidAnswer(statusCode, 'something other than JSON') }
  if (nestsDeeperThan(parsed.value, maxAnswerDepth)) {
    return {
      invalid: invalidAnswer(statusCode, `JSON nested deeper than ${maxAnswerDepth} levels`),
    }
  }
  return parsed
}

/**
 * A result an A2A answer to `operation` can hold: an object; `null` only for a push config's
 * delete (0.3's answer), a list only for 0.3's list of configs. A stream event's (no operation
 * named) is an object.
 */
const isA2AResult = (
  result: unknown,
  version: '1.0' | '0.3',
  operation: OperationName | undefined,
) => {
  if (result === null) return operation === 'DeleteTaskPushNotificationConfig'
  if (Array.isArray(result)) {
    return version === '0.3' && operation === 'ListTaskPushNotificationConfigs'
  }
  return isObject(result)
}

/**
 * What a JSON-RPC answer or stream event says: its error, or its result. Anything else (not
 * JSON, an array, an object with neither member, a result no A2A answer is) is the agent's
 * invalid answer, never a result.
 */
const jsonRpcOutcome = (
  statusCode: number,
  text: string,
  version: '1.0' | '0.3',
  operation: OperationName | undefined,
): Outcome => {
  const refused = isRefusalStatus(statusCode)
  const read = readableJson(statusCode, text)
  if ('invalid' in read) return refused ? unreadRefusal(statusCode, read.invalid) : read.invalid
  const answer = read.value
  if (isObject(answer) && answer.error) {
    return refused && typeof errorCodeIn(answer.error) !== 'number'
      ? agentRefusal(statusCode, answer)
      : { error: asJsonRpcError(answer.error) }
  }
  if (!isObject(answer) || !('result' in answer)) {
    return refused
      ? agentRefusal(statusCode, answer)
      : invalidAnswer(statusCode, 'something other than a JSON-RPC response')
  }
  return isA2AResult(answer.result, version, operation)
    ? { result: answer.result }
    : invalidAnswer(statusCode, 'a result that is no JSON object')
}

/**
 * What an HTTP+JSON answer or stream event says: a success is a JSON object (or nothing, for
 * `operation` a delete), an error status the error its body names. A body that is no JSON (a proxy's HTML
 * page) is the agent's invalid answer, its status named.
 */
const restOutcome = (
  version: '1.0' | '0.3',
  statusCode: number,
  text: string,
  operation: OperationName | undefined,
): Outcome => {
  const read = text ? readableJson(statusCode, text) : { value: undefined }
  if ('invalid' in read) {
    return isRefusalStatus(statusCode) ? unreadRefusal(statusCode, read.invalid) : read.invalid
  }
  const body = read.value
  if (statusCode < 400) {
    if (isObject(body)) return { result: body }
    if (body !== undefined) return invalidAnswer(statusCode, 'something other than a JSON object')
    // Nothing is an answer only where HTTP+JSON answers with nothing (a delete's 204).
    return operation && restStatusOf[operation] === 204
      ? { result: undefined }
      : invalidAnswer(statusCode, 'nothing')
  }
  const error =
    version === '0.3'
      ? legacyRestErrorAsJsonRpc(body, statusCode, operation)
      : restErrorAsJsonRpc(body, statusCode)
  // Internal error is what a status naming no A2A error maps to (the SDK's, and 0.3's by status).
  return isRefusalStatus(statusCode) && error.code === A2A_ERROR_CODE.INTERNAL_ERROR
    ? agentRefusal(statusCode, body)
    : { error }
}

/**
 * An answer's outcome: `version` is the answering side's, since HTTP+JSON
 * errors differ (1.0 a `google.rpc.Status` under `error`, 0.3 a JSON-RPC-like
 * `{ code, message }`).
 */
export const outcomeOf = (
  binding: 'JSONRPC' | 'HTTP+JSON',
  version: '1.0' | '0.3',
  statusCode: number,
  text: string,
  operation?: OperationName,
): Outcome =>
  binding === 'JSONRPC'
    ? jsonRpcOutcome(statusCode, text, version, operation)
    : restOutcome(version, statusCode, text, operation)

/** A stream event's outcome (an HTTP+JSON error event is `event: error`). */
export const eventOutcomeOf = (
  binding: 'JSONRPC' | 'HTTP+JSON',
  version: '1.0' | '0.3',
  event: SseEvent,
): Outcome =>
  outcomeOf(
    binding,
    version,
    binding === 'HTTP+JSON' && event.event === 'error' ? 500 : 200,
    event.data,
  )

/**
 * An outcome as a JSON-RPC response to `jsonRpcId`: a result HTTP+JSON left empty (a delete's
 * 204) is `{}`; one that is `null` (0.3's delete) stays `null`.
 */
const jsonRpcResponse = (outcome: Outcome, jsonRpcId: A2ACall['jsonRpcId']) => ({
  jsonrpc: '2.0',
  id: jsonRpcId ?? null,
  ...('error' in outcome
    ? { error: outcome.error }
    : { result: outcome.result === undefined ? {} : outcome.result }),
})

/** Callers of the 1.0 binding translation answers (no version changes). */
const restCaller = { binding: 'HTTP+JSON', version: '1.0', jsonRpcId: undefined } as const
const jsonRpcCaller = { binding: 'JSONRPC', version: '1.0' } as const

const restError = (error: JsonRpcError, version: '1.0' | '0.3') => {
  if (version === '1.0') return jsonRpcErrorAsRest(error)
  const sdkError = fromJsonRpcErrorResponse({ jsonrpc: '2.0', id: null, error } as never)
  return { statusCode: restStatusFor(sdkError), body: error }
}

/** An outcome as the answer in the caller's binding and version. */
export const answerFor = (
  outcome: Outcome,
  caller: {
    binding: 'JSONRPC' | 'HTTP+JSON'
    version: '1.0' | '0.3'
    jsonRpcId: A2ACall['jsonRpcId']
  },
  operation: OperationName,
): TranslatedAnswer => {
  const refusedWith = 'error' in outcome ? outcome.refusedWith : undefined
  if (caller.binding === 'JSONRPC') {
    return json(refusedWith ?? 200, jsonRpcResponse(outcome, caller.jsonRpcId))
  }
  const contentType = jsonAnswerType(caller.binding, caller.version)
  if ('error' in outcome) {
    const { statusCode, body } = restError(outcome.error, caller.version)
    if (refusedWith === undefined) return json(statusCode, body, contentType)
    // The agent's status, in the body too where 1.0's `google.rpc.Status` carries it, naming no
    // A2A error, as the agent named none: the SDK's INVALID_PARAMS ErrorInfo for -32600 made an
    // agent's 429 or 404 a RequestMalformedError to the caller's client until a review in the 30th
    // session, where the agent's own answer relayed reads as an error of that status.
    const refusal =
      'code' in body ? body : toRestErrorBody(new Error(outcome.error.message), refusedWith)
    return json(refusedWith, refusal, contentType)
  }
  const statusCode = restStatusOf[operation] ?? 200
  return statusCode === 204
    ? { statusCode, headers: {}, body: '' }
    : json(statusCode, outcome.result ?? {}, contentType)
}

/** An outcome as a stream event in the caller's binding and version. */
export const eventFor = (
  outcome: Outcome,
  caller: {
    binding: 'JSONRPC' | 'HTTP+JSON'
    version: '1.0' | '0.3'
    jsonRpcId: A2ACall['jsonRpcId']
  },
): SseEvent => {
  if (caller.binding === 'JSONRPC') {
    return { data: JSON.stringify(jsonRpcResponse(outcome, caller.jsonRpcId)) }
  }
  if ('error' in outcome) {
    return { event: 'error', data: JSON.stringify(restError(outcome.error, caller.version).body) }
  }
  return { data: JSON.stringify(outcome.result ?? {}) }
}
