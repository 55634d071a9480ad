/**
 * An agent's error carried from its binding to the caller's, as A2A defines both (spec §5.4,
 * §9.5, §11.6): a JSON-RPC error's `data` is the list an HTTP+JSON error's `details` is. The
 * SDK's codecs map the code, status and A2A reason; what they drop is kept here: every detail
 * the agent gave (its ErrorInfo's `metadata`, a `google.rpc.BadRequest`), and the meaning of
 * an error that names no A2A reason (an HTTP 400 is invalid params, as A2A's examples map it).
 */

import {
  fromJsonRpcErrorResponse,
  fromRestErrorBody,
  restStatusFor,
  toJsonRpcError,
  toRestErrorBody,
} from '@a2a-js/sdk/errors'
import { asNumber } from '../json-kept-numbers.ts'
import { isJsonObject as isObject } from '../json-object.ts'
import { type OperationName, operations } from './operations.ts'

/** An error in JSON-RPC's shape, which both versions' JSON-RPC share. */
export interface JsonRpcError {
  code: number
  message: string
  data?: unknown
}

type Detail = Record<string, unknown> & { '@type': string }

const errorInfoType = 'type.googleapis.com/google.rpc.ErrorInfo'
const invalidParams = -32602

/** A list of typed details (each a ProtoJSON `Any`), or none. */
const detailsOf = (value: unknown): Detail[] | undefined =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((detail) => isObject(detail) && typeof detail['@type'] === 'string')
    ? (value as Detail[])
    : undefined

const isA2AErrorInfo = (detail: Detail) =>
  detail['@type'] === errorInfoType && detail.domain === 'a2a-protocol.org'

/** Whatever a JSON-RPC error object holds, as one (a missing code is an internal error). */
export const asJsonRpcError = (error: unknown): JsonRpcError => {
  const e = isObject(error) ? error : {}
  // A code written `-32001.0` is kept as written by translation's parse (`asNumber` reads it).
  const code = asNumber(e.code)
  return {
    code: typeof code === 'number' ? code : -32603,
    message: typeof e.message === 'string' ? e.message : 'The agent answered with an error.',
    ...(e.data !== undefined ? { data: e.data } : {}),
  }
}

/**
 * A JSON-RPC error as a 1.0 HTTP+JSON caller gets it: the status and A2A ErrorInfo the SDK maps
 * its code to, and the agent's own details kept (its ErrorInfo in place of the SDK's, when it
 * gave one).
 */
export const jsonRpcErrorAsRest = (error: JsonRpcError) => {
  const sdkError = fromJsonRpcErrorResponse({ jsonrpc: '2.0', id: null, error } as never)
  const statusCode = restStatusFor(sdkError)
  const body = toRestErrorBody(sdkError, statusCode)
  const given = detailsOf(error.data)
  if (!given) return { statusCode, body }
  const details = given.some(isA2AErrorInfo) ? given : [...(body.error.details ?? []), ...given]
  return { statusCode, body: { error: { ...body.error, details } } }
}

/** The message an error body gives, in whichever field a server put it. */
const messageIn = (status: Record<string, unknown>, body: Record<string, unknown>) =>
  [status.message, body.message, body.detail].find((text) => typeof text === 'string') as
    | string
    | undefined

/**
 * The SDK's error for an agent's HTTP+JSON error status (`fromRestErrorBody`), given its message
 * only when it is text: the SDK makes an `Error` of it, and a number kept as written (`1e20`,
 * lib/json-kept-numbers.ts) threw there, the gateway's own 500, until a review on 7 December 2026.
 */
export const fromAgentRestError = (status: unknown, transport: { statusCode: number }) => {
  const given = isObject(status) ? status : {}
  const message = typeof given.message === 'string' ? given.message : undefined
  return fromRestErrorBody({ ...given, message }, transport)
}

/**
 * A 1.0 HTTP+JSON error answer (`{ error: google.rpc.Status }`) as a JSON-RPC error. An error
 * with A2A's ErrorInfo is that A2A error; one without is invalid params for a 400 (or
 * `INVALID_ARGUMENT`), else an internal error. The message is the agent's, wherever its body
 * put it; the details are the agent's, when it gave any.
 */
export const restErrorAsJsonRpc = (body: unknown, statusCode: number): JsonRpcError => {
  const whole = isObject(body) ? body : {}
  const status = isObject(whole.error) ? whole.error : {}
  const mapped = toJsonRpcError(fromAgentRestError(status, { statusCode })) as JsonRpcError
  const given = detailsOf(status.details)
  const named = given?.some(isA2AErrorInfo) ?? false
  const code =
    !named && (statusCode === 400 || status.status === 'INVALID_ARGUMENT')
      ? invalidParams
      : mapped.code
  const data = given ?? (code === mapped.code ? mapped.data : undefined)
  return {
    code,
    message: messageIn(status, whole) ?? mapped.message,
    ...(data !== undefined ? { data } : {}),
  }
}

/**
 * The A2A errors a 0.3 HTTP+JSON agent answers with a status and a message only (a2a-python
 * 0.3's `{ message }`), by status: what each status can only mean for `operation`.
 */
const legacyCodeFor = (statusCode: number, operation: OperationName | undefined) => {
  const namesTask =
    operation !== undefined && operations[operation].rest[0]?.path.startsWith('/tasks/{')
  const pushConfig = operation?.includes('PushNotificationConfig') ?? false
  switch (statusCode) {
    case 400:
      return -32600
    case 404:
      return operation === 'GetExtendedAgentCard' ? -32007 : namesTask ? -32001 : undefined
    case 409:
      return -32002
    case 415:
      return -32005
    case 422:
      return invalidParams
    case 501:
      return pushConfig ? -32003 : -32004
    case 502:
      return -32006
    default:
      return undefined
  }
}

/** A 0.3 HTTP+JSON error answer (`{ code, message }`, or a message alone) as a JSON-RPC error. */
export const legacyRestErrorAsJsonRpc = (
  body: unknown,
  statusCode: number,
  operation: OperationName | undefined,
): JsonRpcError => {
  const whole = isObject(body) ? body : {}
  const error = asJsonRpcError(whole)
  const message = messageIn({}, whole)
  return {
    ...error,
    ...(typeof asNumber(whole.code) === 'number'
      ? {}
      : { code: legacyCodeFor(statusCode, operation) ?? error.code }),
    ...(message !== undefined ? { message } : {}),
  }
}
