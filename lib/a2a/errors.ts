import {
  A2A_ERROR_CODE,
  type A2AError,
  ContentTypeNotSupportedError,
  RequestMalformedError,
  restStatusFor,
  TaskNotFoundError,
  toJsonRpcError,
  toRestErrorBody,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors'
import { errorAnswerOf, SwitchboardError } from '../errors.ts'
import { noStoreHeaders } from '../http/no-store.ts'
import type { Binding } from './agent-card.ts'
import { jsonAnswerType } from './media-types.ts'
import type { FieldViolation } from './params.ts'
import { defaultMaxEventBytes } from './sse.ts'

/**
 * Why an A2A request could not be served, independent of binding. The A2A
 * reasons map onto the SDK's error classes; the gateway's own reasons use
 * JSON-RPC codes from the implementation-defined range and an ErrorInfo whose
 * domain is the gateway's.
 */
export type A2AFailure =
  | { kind: 'parse-error'; message: string }
  | { kind: 'invalid-request'; message: string }
  | { kind: 'invalid-params'; message: string; violations?: FieldViolation[] }
  | { kind: 'method-not-found'; message: string }
  | { kind: 'unsupported-operation'; message: string }
  | { kind: 'task-not-found'; message: string }
  | { kind: 'agent-not-found'; message: string }
  | { kind: 'unauthenticated'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'backend-unavailable'; message: string }
  | { kind: 'rate-limited'; message: string }
  | { kind: 'backend-timeout'; message: string }
  | { kind: 'payload-too-large'; message: string }
  /** The body came as a media type no A2A binding takes (`Content-Type: text/plain`). */
  | { kind: 'content-type-not-supported'; message: string }
  | { kind: 'skill-failed'; message: string }
  | {
      kind: 'no-confident-route'
      message: string
      /** The closest agents, best first, for the client to choose from. */
      candidates?: { agentId: string; score: number }[]
    }
  | { kind: 'search-unavailable'; message: string }
  | { kind: 'service-unavailable'; message: string }
  | { kind: 'internal'; message: string }

const gatewayReasons = {
  'agent-not-found': {
    httpStatus: 404,
    rpcCode: -32050,
    reason: 'AGENT_NOT_FOUND',
    status: 'NOT_FOUND',
  },
  unauthenticated: {
    httpStatus: 401,
    rpcCode: -32059,
    reason: 'UNAUTHENTICATED',
    status: 'UNAUTHENTICATED',
  },
  forbidden: { httpStatus: 403, rpcCode: -32051, reason: 'FORBIDDEN', status: 'PERMISSION_DENIED' },
  'backend-unavailable': {
    httpStatus: 502,
    rpcCode: -32052,
    reason: 'BACKEND_UNAVAILABLE',
    status: 'UNAVAILABLE',
  },
  'backend-timeout': {
    httpStatus: 504,
    rpcCode: -32054,
    reason: 'BACKEND_TIMEOUT',
    status: 'DEADLINE_EXCEEDED',
  },
  'payload-too-large': {
    httpStatus: 413,
    rpcCode: -32055,
    reason: 'PAYLOAD_TOO_LARGE',
    status: 'INVALID_ARGUMENT',
  },
  'no-confident-route': {
    httpStatus: 422,
    rpcCode: -32057,
    reason: 'NO_CONFIDENT_ROUTE',
    status: 'FAILED_PRECONDITION',
  },
  'search-unavailable': {
    httpStatus: 503,
    rpcCode: -32058,
    reason: 'SEARCH_UNAVAILABLE',
    status: 'UNAVAILABLE',
  },
  // An AWS service the gateway needs (its database, a key, a secret) did not serve the call.
  'service-unavailable': {
    httpStatus: 503,
    rpcCode: -32060,
    reason: 'SERVICE_UNAVAILABLE',
    status: 'UNAVAILABLE',
  },
  'skill-failed': {
    httpStatus: 200,
    rpcCode: -32056,
    reason: 'SKILL_FAILED',
    status: 'FAILED_PRECONDITION',
  },
  'rate-limited': {
    httpStatus: 429,
    rpcCode: -32053,
    reason: 'RATE_LIMITED',
    status: 'RESOURCE_EXHAUSTED',
  },
  internal: {
    httpStatus: 500,
    rpcCode: A2A_ERROR_CODE.INTERNAL_ERROR,
    reason: 'INTERNAL',
    status: 'INTERNAL',
  },
} as const

const jsonRpcProtocolCodes = {
  'parse-error': A2A_ERROR_CODE.PARSE_ERROR,
  'invalid-request': A2A_ERROR_CODE.INVALID_REQUEST,
  'method-not-found': A2A_ERROR_CODE.METHOD_NOT_FOUND,
} as const

export const gatewayErrorDomain = 'switchboard.gateway'

export interface RenderedError {
  statusCode: number
  headers: Record<string, string>
  body: string
}

const sdkErrorFor = (failure: A2AFailure): A2AError | undefined => {
  switch (failure.kind) {
    case 'unsupported-operation':
      return new UnsupportedOperationError(failure.message)
    case 'task-not-found':
      return new TaskNotFoundError(failure.message)
    case 'content-type-not-supported':
      return new ContentTypeNotSupportedError(failure.message)
    case 'parse-error':
    case 'invalid-request':
    case 'invalid-params':
    case 'method-not-found':
      return new RequestMalformedError(failure.message)
    default:
      return undefined
  }
}

/**
 * `details` with the fields a request got wrong added, as the google.rpc.BadRequest
 * detail A2A 1.0 suggests for validation errors.
 */
const withViolations = <D>(details: D[] | undefined, failure: A2AFailure) =>
  failure.kind === 'invalid-params' && failure.violations?.length
    ? [
        ...(details ?? []),
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: failure.violations,
        },
      ]
    : details

const withRpcViolations = (error: ReturnType<typeof toJsonRpcError>, failure: A2AFailure) => {
  const data = withViolations(error.data, failure)
  return data ? { ...error, data } : error
}

const withRestViolations = (body: ReturnType<typeof toRestErrorBody>, failure: A2AFailure) => ({
  error: { ...body.error, details: withViolations(body.error.details, failure) },
})

/**
 * An A2A failure in the caller's binding: a JSON-RPC error object, or A2A 1.0's
 * HTTP+JSON error shape (0.3's, `{ code, message }` with the JSON-RPC code, for
 * a 0.3 caller). Invalid params also name each field they got wrong (a
 * google.rpc.BadRequest detail next to the ErrorInfo). A refusal is one caller's: `no-store`
 * and `nosniff`, also when a middleware answers with it early, past the `noStore` middleware.
 */
export const renderA2AFailure = (
  failure: A2AFailure,
  binding: Binding,
  jsonRpcId: string | number | null = null,
  version: '1.0' | '0.3' = '1.0',
): RenderedError => {
  if (binding === 'HTTP+JSON' && version === '0.3') {
    const rest = renderA2AFailure(failure, 'HTTP+JSON', jsonRpcId)
    const rpc = JSON.parse(renderA2AFailure(failure, 'JSONRPC', jsonRpcId).body) as {
      error: { code: number; message: string }
    }
    const body = { code: rpc.error.code, message: rpc.error.message }
    return {
      ...rest,
      headers: { ...rest.headers, 'content-type': jsonAnswerType(binding, version) },
      body: JSON.stringify(body),
    }
  }
  const sdkError = sdkErrorFor(failure)
  const gateway =
    failure.kind in gatewayReasons
      ? gatewayReasons[failure.kind as keyof typeof gatewayReasons]
      : undefined
  const info = gateway && {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason: gateway.reason,
    domain: gatewayErrorDomain,
    // ErrorInfo's metadata is a string map: each candidate agent's id to its score.
    ...(failure.kind === 'no-confident-route' && failure.candidates?.length
      ? {
          metadata: Object.fromEntries(
            failure.candidates.map(({ agentId, score }) => [agentId, score.toFixed(3)]),
          ),
        }
      : {}),
  }
  if (binding === 'JSONRPC') {
    const protocolCode = jsonRpcProtocolCodes[failure.kind as keyof typeof jsonRpcProtocolCodes]
    const error = protocolCode
      ? { code: protocolCode, message: failure.message }
      : sdkError
        ? withRpcViolations(toJsonRpcError(sdkError), failure)
        : {
            code: gateway?.rpcCode ?? A2A_ERROR_CODE.INTERNAL_ERROR,
            message: failure.message,
            data: [info],
          }
    return {
      // Protocol errors travel as JSON-RPC answers; gateway refusals keep their HTTP meaning.
      statusCode: gateway && failure.kind !== 'internal' ? gateway.httpStatus : gateway ? 500 : 200,
      headers: { ...noStoreHeaders, 'content-type': jsonAnswerType(binding, version) },
      body: JSON.stringify({ jsonrpc: '2.0', id: jsonRpcId, error }),
    }
  }
  const statusCode = sdkError ? restStatusFor(sdkError) : (gateway?.httpStatus ?? 500)
  const body = sdkError
    ? withRestViolations(toRestErrorBody(sdkError, statusCode), failure)
    : {
        error: {
          code: statusCode,
          status: gateway?.status ?? 'INTERNAL',
          message: failure.message,
          details: [info],
        },
      }
  return {
    statusCode,
    headers: { ...noStoreHeaders, 'content-type': jsonAnswerType(binding, version) },
    body: JSON.stringify(body),
  }
}

/** The failure a thrown error stands for; unknown errors reveal nothing. */
export const failureFromError = (error: unknown): A2AFailure => {
  if (error instanceof SwitchboardError) {
    const { a2a, publicMessage } = errorAnswerOf(error)
    return { kind: a2a, message: publicMessage ?? error.message }
  }
  return {
    kind: 'internal',
    message: 'The gateway failed to handle this request; it has been logged.',
  }
}

/**
 * The SSE event that ends a stream the backend broke off, left silent or
 * flooded with an event too large, in the caller's binding: a JSON-RPC error
 * response, or an `error` event carrying A2A's HTTP+JSON error object (what the
 * SDK's clients read).
 */
export const streamFailureEvent = (
  call: { binding: Binding; jsonRpcId?: string | number | null | undefined },
  agentId: string,
  reason:
    | 'backend-failed'
    | 'idle-timeout'
    | 'agent-withdrawn'
    | 'token-revoked'
    | 'event-too-large'
    | 'lone-cr'
    | 'time-limit',
  /** The configured cap on one event, named when it was passed. */
  maxEventBytes = defaultMaxEventBytes,
): string => {
  const failures: Record<typeof reason, A2AFailure> = {
    'idle-timeout': {
      kind: 'backend-timeout',
      message: `Agent '${agentId}' sent nothing for too long; the stream was ended.`,
    },
    'time-limit': {
      kind: 'backend-timeout',
      message: `The stream from agent '${agentId}' reached the gateway's time limit for a stream and was ended; subscribe to its task to follow it on.`,
    },
    'agent-withdrawn': {
      kind: 'agent-not-found',
      message: `Agent '${agentId}' was deleted or deactivated; the stream was ended.`,
    },
    'token-revoked': {
      kind: 'unauthenticated',
      message:
        "Your access token was revoked while this stream was open: its client's access changed. The stream was ended; get a new token to call again.",
    },
    'event-too-large': {
      kind: 'backend-unavailable',
      message: `Agent '${agentId}' sent a stream event over the ${maxEventBytes}-byte limit; the stream was ended.`,
    },
    'backend-failed': {
      kind: 'backend-unavailable',
      message: `Agent '${agentId}' broke off the stream.`,
    },
    'lone-cr': {
      kind: 'backend-unavailable',
      message: `Agent '${agentId}' ended a stream line with a CR and no LF, which clients read differently; the stream was ended.`,
    },
  }
  return failureEvent(failures[reason], call)
}

/** Any A2A failure as the SSE event that ends a stream, in the caller's binding. */
export const failureEvent = (
  failure: A2AFailure,
  call: {
    binding: Binding
    jsonRpcId?: string | number | null | undefined
    version?: '1.0' | '0.3'
  },
): string => {
  const { body } = renderA2AFailure(failure, call.binding, call.jsonRpcId ?? null, call.version)
  return call.binding === 'JSONRPC' ? `data: ${body}\n\n` : `event: error\ndata: ${body}\n\n`
}
