import type { Binding } from '../a2a/agent-card.ts'
import { operations } from '../a2a/operations.ts'
import type { A2ACall } from '../a2a/request.ts'
import { jsonRpcParamsFor } from '../a2a/rest-call-params.ts'
import { formatSse, isStreamAnswer, mapSse, type SseEvent } from '../a2a/sse.ts'
import { isA2AError } from '../a2a/stream-end.ts'
import {
  answerFor,
  eventFor,
  eventOutcomeOf,
  isInvalidAnswer,
  jsonRpcAnswerAsRest,
  jsonRpcEventAsRest,
  type Outcome,
  outcomeOf,
  restAnswerAsJsonRpc,
  restEventAsJsonRpc,
  restRequestFor,
} from '../a2a/translate.ts'
import {
  configsNamingNoTask,
  mayGrowPast,
  paramsFromV1,
  paramsToV1,
  resultFromV1,
  resultToV1,
  v1ParamsFor03,
  withTaskOfCall,
} from '../a2a/version-values.ts'
import { type Dialect, dialectOf, VersionTranslationError } from '../a2a/versions.ts'
import { defaultMaxRequestBytes } from '../config.ts'
import { PayloadTooLargeError } from '../errors.ts'
import { maxUnaryAnswerBytes } from '../http/answer-size.ts'
import { envelopeBytes, type RequestRewrite, withinRequestBound } from '../http/request-bound.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import { bodyTextAsSent, webBody } from './body.ts'
import { type BackendRequest, type BackendResponse, versionNamed } from './forward.ts'
import { carriedHeadersOf, withKeptNumbers } from './written-anew.ts'

/** What a translation is held to, and whom it tells when it refuses an agent's answer. */
export interface TranslationOptions {
  /** The most one event of a translated stream may hold (MAX_STREAM_EVENT_BYTES). */
  maxEventBytes: number
  /**
   * The most the request written anew for the agent may be (MAX_REQUEST_BYTES): the caller is
   * held to it, and a translation may grow what it sent (0.3's wrapped data parts).
   */
  maxRequestBytes?: number
  /**
   * Told why the gateway refused the agent's answer, or one of its events, as invalid (-32006):
   * the words the caller got, for the call's access line, which has only the code.
   */
  onInvalidAnswer?: (reason: string) => void
}

/** A call's request to the agent, and how to bring the agent's answer back to the caller. */
export type TranslatedCall = {
  request: BackendRequest
  answer: (response: BackendResponse) => Promise<BackendResponse>
}

/** A JSON-RPC request (id 1) for `method` to the agent's endpoint. */
const jsonRpcRequest = (
  endpoint: string,
  headers: Record<string, string>,
  method: string | undefined,
  params: unknown,
): BackendRequest => ({
  url: endpoint,
  method: 'POST',
  headers: { ...headers, 'content-type': 'application/json' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
})

/**
 * A request `jsonRpcRequest` wrote around the caller's params (translated), held to the limit
 * beyond its envelope, the gateway's own: what the params became counts, the envelope does not.
 */
const withinBoundAsJsonRpc = (
  request: BackendRequest,
  params: unknown,
  limits: TranslationOptions,
  rewrite: Omit<RequestRewrite, 'added'>,
): BackendRequest =>
  withinRequestBound(request, limits, {
    ...rewrite,
    added: envelopeBytes(request.body as string, params),
  })

/**
 * The request for a call to an agent that serves the other binding only, and
 * how to bring its answer back into the caller's binding. Undefined when the
 * agent serves neither or is not a 1.0 agent (0.3 calls pass through only).
 */
export const translatedCall = (
  given: A2ACall,
  record: Pick<AgentRecord, 'endpoints' | 'protocolVersion'>,
  headers: Record<string, string>,
  limits: TranslationOptions,
): TranslatedCall | undefined => {
  const other: Binding = given.binding === 'JSONRPC' ? 'HTTP+JSON' : 'JSONRPC'
  const endpoint = record.endpoints[other]
  if (!endpoint || record.protocolVersion !== '1.0' || given.version !== '1.0') return undefined
  const call = withKeptNumbers(given)
  const how = `carried to ${other} for this agent`
  const seen = (outcome: Outcome) => toldIfInvalid(limits, outcome)
  const sent = {
    ...versionNamed(call, headers),
    accept: call.stream ? 'text/event-stream' : 'application/json',
  }

  if (other === 'HTTP+JSON') {
    const rest = restRequestFor(call)
    return {
      request: withinRequestBound(
        {
          url: `${endpoint.replace(/\/$/, '')}${rest.path}`,
          method: rest.method,
          headers: rest.body === undefined ? sent : { ...sent, 'content-type': 'application/json' },
          body: rest.body === undefined ? undefined : JSON.stringify(rest.body),
        },
        limits,
        { how, from: call.body, added: 0 },
      ),
      answer: async (response) =>
        isEventStream(response)
          ? withBody(
              response,
              mapSse(
                webBody(response.body as NonNullable<BackendResponse['body']>),
                withinEventBound(
                  (event) => restEventAsJsonRpc(event, call.jsonRpcId, seen),
                  limits,
                  call,
                  `carried to ${call.binding}`,
                ),
                endingOnError(limits, 'JSONRPC'),
              ),
            )
          : asAnswer(
              withinAnswerBound(
                restAnswerAsJsonRpc(
                  response.statusCode,
                  await textOf(response),
                  call.jsonRpcId,
                  call.operation,
                  seen,
                ),
                call,
                `carried to ${call.binding}`,
                limits,
              ),
              response,
            ),
    }
  }
  const params = jsonRpcParamsFor(call)
  return {
    request: withinBoundAsJsonRpc(
      jsonRpcRequest(endpoint, sent, call.operation, params),
      params,
      limits,
      { how, from: call.body },
    ),
    answer: async (response) =>
      isEventStream(response)
        ? withBody(
            response,
            mapSse(
              webBody(response.body as NonNullable<BackendResponse['body']>),
              withinEventBound(
                (event) => jsonRpcEventAsRest(event, seen),
                limits,
                call,
                `carried to ${call.binding}`,
              ),
              endingOnError(limits, 'HTTP+JSON'),
            ),
          )
        : asAnswer(
            withinAnswerBound(
              jsonRpcAnswerAsRest(
                await textOf(response),
                call.operation,
                response.statusCode,
                seen,
              ),
              call,
              `carried to ${call.binding}`,
              limits,
            ),
            response,
          ),
  }
}

/**
 * How far past its limit a translation may be built before it is measured. `mayGrowPast` counts
 * every object at the most any grows (80 bytes; a text part grows 14), so held to the limit
 * itself it refused answers of many small parts from about half of it (60,000 parts of 100
 * bytes, 6.1 MB, some 7 MB translated). Built first, such an answer is refused only when it
 * truly passes; four times the limit still keeps the building small (at most about half a
 * million new objects for a whole answer, where 10 MiB of `{}` parts built 3.4 million).
 */
const translationBuildFactor = 4

/**
 * The agent's invalid answer (-32006): what was done to it (`how`) passes, or could pass, the
 * bytes it may hold.
 */
const invalidPast = (
  how: string,
  passes: 'passes' | 'could pass',
  bytes: number,
  what: string,
) => ({
  error: {
    code: -32006,
    message: `The agent's answer is invalid: ${how}, it ${passes} the ${bytes} bytes ${what}.`,
  },
})

/**
 * The outcome, the agent's invalid answer when the gateway made it so (`isInvalidAnswer`, or a
 * refusal of this module's), told to `onInvalidAnswer`: the caller gets the reason, and until 7
 * December 2026 no log line held it (the access line shows the code, -32006, alone).
 */
const told = <O extends Outcome>(options: TranslationOptions, outcome: O): O => {
  if ('error' in outcome) options.onInvalidAnswer?.(outcome.error.message)
  return outcome
}

/** The outcome as read, told to `onInvalidAnswer` when it is the agent's invalid answer. */
const toldIfInvalid = (options: TranslationOptions, outcome: Outcome): Outcome =>
  isInvalidAnswer(outcome) ? told(options, outcome) : outcome

/**
 * A translated answer, held to the bytes an answer may carry: a 1.0 answer carried to the other
 * binding rebuilds no object, nor does an error carried to the other version, but both write each
 * number back as JSON writes it, and an agent's 2.5 MB of `1e20` (21 digits each) reached the
 * caller as 11 MB. Measured once built, since it grows by 17 bytes a number at most (`mayGrowPast`
 * judges a version's translation of a result, which rebuilds objects, before it is built).
 * `how` says what was done to it: `carried to JSONRPC`, `translated to A2A 0.3`.
 */
const withinAnswerBound = (
  answer: { statusCode: number; headers: Record<string, string>; body: string },
  call: A2ACall,
  how: string,
  options: TranslationOptions,
) =>
  Buffer.byteLength(answer.body) > maxUnaryAnswerBytes
    ? answerFor(
        told(options, invalidPast(how, 'passes', maxUnaryAnswerBytes, 'an answer may carry')),
        { binding: call.binding, version: call.version, jsonRpcId: call.jsonRpcId },
        call.operation,
      )
    : answer

/**
 * A stream's events rewritten, each held to the bytes one event may hold once rewritten, measured
 * as the relay measures one (its lines and the blank line ending it): past them it is the agent's
 * invalid answer in the caller's binding, which ends the stream (`endingOnError`), not an event
 * the relay then cuts as one the agent sent too large. Rewriting writes each number back as JSON
 * writes it (`1e20` as 21 digits), so 0.3 MB of them from a 1.0 agent reached the other binding
 * as 1.26 MB until a review on 7 December 2026. `how` says what was done to it.
 */
const withinEventBound =
  (
    rewrite: (event: SseEvent) => SseEvent,
    limits: TranslationOptions,
    call: A2ACall,
    how: string,
  ) =>
  (event: SseEvent): SseEvent => {
    const rewritten = rewrite(event)
    if (Buffer.byteLength(formatSse(rewritten)) <= limits.maxEventBytes) return rewritten
    const refusal = invalidPast(how, 'passes', limits.maxEventBytes, 'a stream event may hold')
    return eventFor(told(limits, refusal), {
      binding: call.binding,
      version: call.version,
      jsonRpcId: call.jsonRpcId,
    })
  }

/**
 * A translated stream's options: its event bound, and its end at the first error it carries in
 * the caller's binding (`isA2AError`), the agent's stream cancelled. Its other terminal events
 * end it in the relay (`a2aStreamEnd`), which reads the agent's stream on to its end so that
 * the agent's connection is kept.
 */
const endingOnError = (limits: TranslationOptions, binding: Binding) => ({
  maxEventBytes: limits.maxEventBytes,
  endsAfter: isA2AError(binding),
})

const isEventStream = (response: BackendResponse) =>
  response.body !== null && isStreamAnswer(response.statusCode, response.headers['content-type'])

const withBody = (response: BackendResponse, body: ReadableStream<Uint8Array>): BackendResponse => {
  // The agent's `A2A-Version` names the version its events were in, not the caller's they are
  // now in: a whole translated answer carries only `carriedHeaders`, and a stream no more of it.
  const { 'a2a-version': _agentVersion, ...headers } = response.headers
  return { ...response, headers: { ...headers, 'content-type': 'text/event-stream' }, body }
}

/**
 * A non-SSE answer as text: a stream call's too was read whole by `forwardToBackend`,
 * within the call's deadline and a unary answer's bound, so a stall is the same 504 and
 * a huge one the same 502.
 */
// Its byte-order mark kept: the parse passes one over, as the caller's client does (`parsedJson`).
const textOf = (response: BackendResponse) => bodyTextAsSent(response.body)

/**
 * A translated answer, with the headers of the agent's answer it came from that mean the same
 * in any binding: the extensions the agent activated, and when to retry.
 */
const asAnswer = (
  answer: {
    statusCode: number
    headers: Record<string, string>
    body: string
  },
  from: BackendResponse,
): BackendResponse => ({
  statusCode: answer.statusCode,
  headers: { ...carriedHeadersOf(from.headers), ...answer.headers },
  body: answer.body ? Buffer.from(answer.body) : null,
})

/** A call's params in 1.0 spelling, read from the binding and version it came in. */
const paramsInV1 = (call: A2ACall): Record<string, unknown> => {
  if (call.binding === 'JSONRPC') {
    return paramsToV1(dialectOf(call.version, 'JSONRPC'), call.operation, call.params)
  }
  // The path and query name ids and options alike in both versions (`jsonRpcParamsFor`
  // gives them 1.0's names); only a body is spelled in the caller's version.
  const fromPath = jsonRpcParamsFor({ ...call, params: {} })
  if (call.version === '1.0' || call.params === undefined) {
    return call.version === '1.0' ? jsonRpcParamsFor(call) : fromPath
  }
  const body = paramsToV1('0.3-rest', call.operation, call.params)
  return call.operation === 'CancelTask' ? fromPath : { ...body, ...fromPath }
}

/** An outcome in another dialect; an answer that cannot be carried over is the agent's fault. */
const outcomeIn = (
  outcome: Outcome,
  operation: A2ACall['operation'],
  from: Dialect,
  to: Dialect,
  options: TranslationOptions,
): Outcome => {
  if ('error' in outcome) {
    const { data, ...error } = outcome.error
    // 1.0's error data is a list of google.rpc details; 0.3's anything.
    return { ...outcome, error: to !== '1.0' || Array.isArray(data) ? outcome.error : error }
  }
  try {
    return { result: resultFromV1(to, operation, resultToV1(from, operation, outcome.result)) }
  } catch (error) {
    if (!(error instanceof VersionTranslationError)) throw error
    return told(options, {
      error: { code: -32006, message: `The agent's answer is invalid: ${error.message}` },
    })
  }
}

/**
 * The request for a call to an agent of the other protocol version (0.3 or
 * 1.0), in whichever binding the agent serves (the caller's if it can), and how
 * to bring its answer back into the caller's binding and version: the params go
 * through 1.0 (`paramsToV1`, `paramsFromV1`), the answer and each stream event
 * the same way back. Undefined when the versions are the same, or the agent
 * serves no binding. Throws VersionTranslationError for a call the agent's
 * version cannot express (ListTasks to a 0.3 agent) or params it cannot read.
 */
export const versionedCall = (
  given: A2ACall,
  record: Pick<AgentRecord, 'endpoints' | 'protocolVersion'>,
  headers: Record<string, string>,
  limits: TranslationOptions,
): TranslatedCall | undefined => {
  const agentVersion = record.protocolVersion
  if (given.version === agentVersion) return undefined
  const call = withKeptNumbers(given)
  const binding: Binding = record.endpoints[call.binding]
    ? call.binding
    : call.binding === 'JSONRPC'
      ? 'HTTP+JSON'
      : 'JSONRPC'
  const endpoint = record.endpoints[binding]
  if (!endpoint) return undefined
  const legacyMethod = operations[call.operation].legacyMethod
  if (agentVersion === '0.3' && !legacyMethod) {
    throw new VersionTranslationError(
      `${call.operation} has no A2A 0.3 equivalent.`,
      'unsupported-operation',
    )
  }
  const agentDialect = dialectOf(agentVersion, binding)
  const callerDialect = dialectOf(call.version, call.binding)
  const inV1 = paramsInV1(call)
  // 0.3 has no tenants, nor pages of push configs: a 1.0 caller's cannot reach a 0.3 agent.
  const agentV1 = agentVersion === '1.0' ? inV1 : v1ParamsFor03(call.operation, inV1)
  const how = `translated to A2A ${agentVersion} for this agent`
  const maxRequestBytes = limits.maxRequestBytes ?? defaultMaxRequestBytes
  // Never built when it could pass its limit many times over, as an answer (`backToCaller`).
  if (
    call.body !== undefined &&
    mayGrowPast(
      call.params,
      translationBuildFactor * maxRequestBytes - Buffer.byteLength(call.body),
    )
  ) {
    throw new PayloadTooLargeError(maxRequestBytes, { how })
  }
  const params = paramsFromV1(agentDialect, call.operation, agentV1)
  const sent = {
    ...headers,
    'a2a-version': agentVersion,
    accept: call.stream ? 'text/event-stream' : 'application/json',
  }
  const caller = { binding: call.binding, version: call.version, jsonRpcId: call.jsonRpcId }
  const request =
    binding === 'JSONRPC'
      ? withinBoundAsJsonRpc(
          jsonRpcRequest(
            endpoint,
            sent,
            agentVersion === '1.0' ? call.operation : legacyMethod,
            params,
          ),
          params,
          limits,
          { how, from: call.body },
        )
      : withinRequestBound(
          restRequestIn(agentVersion, call.operation, agentV1, params, endpoint, sent),
          limits,
          { how, from: call.body, added: 0 },
        )
  /**
   * The task a 0.3 caller's push config call names, for the configs its 1.0 agent answers
   * without one (`withTaskOfCall`): 1.0's `taskId` is optional, 0.3's is not.
   */
  const taskOfCall =
    call.version === '0.3' && typeof inV1.taskId === 'string' && inV1.taskId !== ''
      ? inV1.taskId
      : undefined
  /**
   * An outcome of the agent's, in the caller's version: through 1.0 both ways. The agent's `text`
   * was read within `limit` bytes, and its translation is held to them too: measured once built
   * (`withinAnswerBound`, and each event below), and never built when it could pass
   * `translationBuildFactor` times them (`mayGrowPast`).
   */
  const backToCaller = (outcome: Outcome, text: string, limit: number, what: string): Outcome => {
    // Each config naming no task is given the call's, a copy each (`"taskId":"…",`): counted in
    // the bound. (A 0.3 caller's agent is a 1.0 one: its result is in 1.0's spelling already.)
    const untasked =
      taskOfCall === undefined || !('result' in outcome)
        ? 0
        : configsNamingNoTask(call.operation, outcome.result)
    const named =
      untasked === 0 ? 0 : untasked * (Buffer.byteLength(JSON.stringify(taskOfCall)) + 10)
    if (
      'result' in outcome &&
      mayGrowPast(outcome.result, translationBuildFactor * limit - Buffer.byteLength(text) - named)
    ) {
      return told(
        limits,
        invalidPast(`translated to A2A ${call.version}`, 'could pass', limit, what),
      )
    }
    const inV1 = outcomeIn(
      toldIfInvalid(limits, outcome),
      call.operation,
      agentDialect,
      '1.0',
      limits,
    )
    const tasked =
      untasked > 0 && 'result' in inV1 && taskOfCall !== undefined
        ? { result: withTaskOfCall(call.operation, inV1.result, taskOfCall) }
        : inV1
    return outcomeIn(tasked, call.operation, '1.0', callerDialect, limits)
  }
  return {
    request,
    answer: async (response) => {
      if (isEventStream(response)) {
        return withBody(
          response,
          mapSse(
            webBody(response.body as NonNullable<BackendResponse['body']>),
            withinEventBound(
              (event) =>
                eventFor(
                  backToCaller(
                    eventOutcomeOf(binding, agentVersion, event),
                    event.data,
                    limits.maxEventBytes,
                    'a stream event may hold',
                  ),
                  caller,
                ),
              limits,
              call,
              `translated to A2A ${call.version}`,
            ),
            endingOnError(limits, call.binding),
          ),
        )
      }
      const text = await textOf(response)
      const outcome = outcomeOf(binding, agentVersion, response.statusCode, text, call.operation)
      // An error is not judged before it is built (its translation rebuilds no object) but
      // measured once built, as the whole answer is: its numbers are written back too.
      return asAnswer(
        withinAnswerBound(
          answerFor(
            backToCaller(outcome, text, maxUnaryAnswerBytes, 'an answer may carry'),
            caller,
            call.operation,
          ),
          call,
          `translated to A2A ${call.version}`,
          limits,
        ),
        response,
      )
    },
  }
}

/** The operations whose HTTP+JSON body is their params (the others' ids are in the path). */
const operationsWithParamsBody = new Set<A2ACall['operation']>([
  'SendMessage',
  'SendStreamingMessage',
  'CreateTaskPushNotificationConfig',
])

/**
 * An HTTP+JSON request to an agent of `version`: the path from the 1.0 params
 * (0.3's below `/v1`, its extended card at `/v1/card`), the body from the
 * params in the agent's spelling.
 */
const restRequestIn = (
  version: '1.0' | '0.3',
  operation: A2ACall['operation'],
  v1: Record<string, unknown>,
  params: Record<string, unknown>,
  endpoint: string,
  headers: Record<string, string>,
): BackendRequest => {
  const rest = restRequestFor({ operation, params: v1 })
  const path =
    version === '1.0'
      ? rest.path
      : operation === 'GetExtendedAgentCard'
        ? '/v1/card'
        : `/v1${rest.path}`
  const sentBody = version === '0.3' && operationsWithParamsBody.has(operation) ? params : rest.body
  return {
    url: `${endpoint.replace(/\/$/, '')}${path}`,
    method: rest.method,
    headers: sentBody === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: sentBody === undefined ? undefined : JSON.stringify(sentBody),
  }
}
