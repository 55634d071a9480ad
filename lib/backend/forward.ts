import { validateHeaderValue } from 'node:http'
import type { A2ACall } from '../a2a/request.ts'
import { isEventStreamType, isStreamAnswer } from '../a2a/sse.ts'
import { BackendTimeoutError, BackendUnavailableError } from '../errors.ts'
import { maxUnaryAnswerBytes } from '../http/answer-size.ts'
import { asUtf8ContentType } from '../http/charset.ts'
import { BodyTooLargeError } from '../http/read-bounded.ts'
import { isJsonObject } from '../json-object.ts'
import { parseJson } from '../json-parse.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import { agentCoreRuntimeOf } from './agentcore.ts'
import { withRuntimeSession } from './agentcore-session.ts'
import { type BackendBody, bodyBytes, bodyText, discardBody } from './body.ts'
import type { BackendCredentials } from './credentials.ts'
import { type BackendAnswer, type MaybeGuardedFetch, refusedAddress } from './guarded-fetch.ts'

/** Request headers that travel to the backend; everything else (Authorization, cookies) stays. */
const forwardedRequestHeaders = ['a2a-version', 'a2a-extensions', 'content-type', 'accept']
/**
 * Names the verified caller to the agent, which otherwise sees only the
 * gateway's credentials: for its audit log, or to keep callers' tasks apart. Set
 * by the gateway alone; a caller's own header of that name never travels.
 */
export const callerHeader = 'x-switchboard-caller'
/**
 * `all` when the gateway lets this caller read every caller's tasks on the
 * agent (a permission's `taskAccess: "all"`, on GetTask, ListTasks and
 * SubscribeToTask), so an agent that keeps callers apart may too. Set by the
 * gateway alone, like `callerHeader`.
 */
export const taskAccessHeader = 'x-switchboard-task-access'
/**
 * An agent's answer's headers a caller gets: what it is, its A2A version and extensions, when to
 * retry. Never its `Cache-Control`: an answer is one caller's, and an agent's `public` or
 * `s-maxage` would let a shared cache hand it to the next caller of the same URL (a red team's
 * finding); the agents handler marks every answer `no-store`.
 */
const forwardedResponseHeaders = ['content-type', 'a2a-version', 'a2a-extensions', 'retry-after']

export interface BackendRequest {
  url: string
  method: string
  headers: Record<string, string>
  /** Text is sent UTF-8 encoded; bytes as they are. */
  body: string | Uint8Array | undefined
}

export interface BackendResponse {
  statusCode: number
  headers: Record<string, string>
  /** A unary answer's bytes, read whole; a stream as it comes (see BackendBody). */
  body: BackendBody | null
  /** `x-amzn-errortype`'s name: an answer AWS's front door made (a function URL's, AgentCore's), not the agent. */
  awsErrorType?: string
  /** A 401's or 403's `WWW-Authenticate`: for the log, never for the caller. */
  challenge?: string
}

/**
 * The fetch an agent is called with: the guarded fetch, whose `exchange` answers
 * with Node's own stream (no web stream made and read back), or any fetch.
 */
export type ForwardFetch = MaybeGuardedFetch

/** A plain fetch's answer in the shape of `exchange`'s (a header read through `headers.get`). */
const exchanged = async (
  fetch: ForwardFetch,
  url: string,
  init: RequestInit,
): Promise<{
  status: number
  header: (name: string) => string | undefined
  body: BackendBody | null
}> => {
  if (fetch.exchange) {
    const answer: BackendAnswer = await fetch.exchange(url, init)
    return {
      status: answer.status,
      header: (name) => {
        const value = answer.headers[name]
        return Array.isArray(value) ? value.join(', ') : value
      },
      body: answer.body,
    }
  }
  const response = await fetch(url, init)
  return {
    status: response.status,
    header: (name) => response.headers.get(name) ?? undefined,
    body: response.body,
  }
}

/**
 * The headers named (lower case) in `names`, under their lower-case names, in one pass: of a name
 * that comes in two casings (two keys of the event, as `npm start`'s API Gateway passes them, names
 * as the client cased them), the first, as the gateway reads it (`headerOf`, `a2aVersionOf`). Until 7 December 2026 the last went on, so `A2A-Version: 1.0`
 * then `a2a-version: 0.3` was a call the gateway read as 1.0 and the agent as 0.3.
 */
const pick = (headers: Record<string, string | undefined>, names: readonly string[]) => {
  const picked: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const lower = name.toLowerCase()
    if (names.includes(lower) && !Object.hasOwn(picked, lower)) picked[lower] = value
  }
  return picked
}

/** Whether Node's `http` sends this header value: its own check, which would throw at send. */
const sendable = (value: string) => {
  try {
    validateHeaderValue('x', value)
    return true
  } catch {
    return false
  }
}

/**
 * The caller's headers that may travel to an agent, but a value Node cannot send: it would
 * fail the call as the agent's 502, when it is the caller's header that is wrong.
 */
export const forwardedHeaders = (
  headers: Record<string, string | undefined>,
): Record<string, string> => {
  const picked = pick(headers, forwardedRequestHeaders)
  for (const name in picked) {
    if (!sendable(picked[name] as string)) delete picked[name]
  }
  return picked
}

/**
 * The request to send to the agent for a call, in the call's own binding, with
 * the body passed through byte for byte. Undefined when the agent does not serve
 * that binding.
 */
export const backendRequestFor = (
  call: A2ACall,
  record: Pick<AgentRecord, 'endpoints'>,
  incoming: { method: string; headers: Record<string, string | undefined>; body: string | null },
): BackendRequest | undefined => {
  const endpoint = record.endpoints[call.binding]
  if (!endpoint) return undefined
  const url =
    call.binding === 'JSONRPC' ? endpoint : `${endpoint.replace(/\/$/, '')}${call.restPath ?? ''}`
  const headers = versionNamed(call, forwardedHeaders(incoming.headers))
  return { url, method: incoming.method, headers, body: incoming.body ?? undefined }
}

/**
 * The caller's headers for an agent of the call's own version, with `A2A-Version` when the caller
 * sent none: the version it declared as a request parameter (which agents do not read, so an
 * unknown one is still the agent's to refuse), else the version the gateway read the call as. The
 * gateway reads a 1.0 method or path sent without the header, or with it empty
 * (`requestedVersion`), as 1.0, which is what such a caller means; an agent, as the spec says,
 * takes either for 0.3 (@a2a-js/sdk reads an empty header as absent) and refuses it. A 0.3 call
 * goes as it came: none means 0.3.
 */
export const versionNamed = (
  call: Pick<A2ACall, 'version' | 'declaredVersion'>,
  headers: Record<string, string>,
): Record<string, string> => {
  if (call.version !== '1.0' || headers['a2a-version']?.trim()) return headers
  const declared = call.declaredVersion?.trim()
  return { ...headers, 'a2a-version': declared && sendable(declared) ? declared : '1.0' }
}

/**
 * A unary answer read whole before anything goes to the caller, so an agent
 * that stalls or breaks off mid-answer is a 504 or 502 in the caller's binding,
 * not a 200 cut short, and no answer holds more than `maxUnaryAnswerBytes`.
 * Also a stream call's answer that is no event stream (an error, a task as JSON).
 */
const readWhole = async (
  agentId: string,
  body: BackendBody,
  timeoutMs: number,
): Promise<Uint8Array> => {
  try {
    return await bodyBytes(body, maxUnaryAnswerBytes)
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new BackendUnavailableError(
        agentId,
        `its answer is over the ${maxUnaryAnswerBytes / 1024 / 1024} MiB a gateway answer may carry`,
      )
    }
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      throw new BackendTimeoutError(agentId, timeoutMs)
    }
    throw new BackendUnavailableError(agentId, 'it broke off its answer')
  }
}

/**
 * Sends a call to its agent and hands back the response. Unary calls are
 * bounded by `timeoutMs` and read whole (`readWhole`); a stream must start (its
 * headers arrive) within `timeoutMs`, then its body is handed on as it comes,
 * so SSE events reach the caller as the agent writes them, until the agent ends
 * it or the caller goes away. A stream call the agent answers with anything but
 * an event stream is read whole within `timeoutMs`, as a unary answer is.
 */
export const forwardToBackend = async (
  agentId: string,
  request: BackendRequest,
  options: {
    streaming: boolean
    timeoutMs: number
    signal?: AbortSignal
    /** The address-guarded fetch (guardedFetch). */
    fetch: ForwardFetch
  },
): Promise<BackendResponse> => {
  // One signal for the request (no AbortSignal.any per call): the caller's own, or the deadline.
  // A unary deadline covers the body too; an event stream's only its start (the relay's idle timeout takes over).
  const sending = new AbortController()
  const deadline = setTimeout(
    () =>
      sending.abort(
        new DOMException(
          options.streaming ? 'stream did not start' : 'The operation was aborted due to timeout',
          'TimeoutError',
        ),
      ),
    options.timeoutMs,
  )
  const abandoned = () => sending.abort(options.signal?.reason)
  if (options.signal?.aborted) abandoned()
  else options.signal?.addEventListener('abort', abandoned, { once: true })
  const settled = () => {
    clearTimeout(deadline)
    options.signal?.removeEventListener('abort', abandoned)
  }
  let response: Awaited<ReturnType<typeof exchanged>>
  try {
    response = await exchanged(options.fetch, request.url, {
      method: request.method,
      headers: request.headers,
      // A Uint8Array's own buffer, so fetch sends exactly these bytes (no copy, no re-encoding).
      body: request.body as BodyInit | undefined,
      redirect: 'manual',
      signal: sending.signal,
    })
  } catch (error) {
    settled()
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      throw new BackendTimeoutError(agentId, options.timeoutMs)
    }
    if (options.signal?.aborted) throw error
    // The kind of address, not the address or the name: the caller learns nothing of the network.
    const refused = refusedAddress(error)
    if (refused) {
      throw new BackendUnavailableError(agentId, `its address is ${refused.callerReason}`)
    }
    // The cause's code (ECONNREFUSED, ENOTFOUND) says what failed without naming the backend.
    const code = (error as { cause?: { code?: string } }).cause?.code
    throw new BackendUnavailableError(
      agentId,
      code ? `connection failed (${code})` : 'connection failed',
    )
  }
  if (response.status >= 300 && response.status < 400) {
    // Never followed (the next address is another backend, which no one registered), and
    // never passed on: its Location is not among the headers a caller gets.
    discardBody(response.body)
    settled()
    throw new BackendUnavailableError(
      agentId,
      `it answered with a redirect (HTTP ${response.status}), which the gateway does not follow`,
    )
  }
  if (response.status < 200 || response.status > 599) {
    // A 101 (or a status past 599) is no answer: handed on, it breaks the caller's HTTP client
    // (undici's fetch fails on a 101 it did not ask for), where it should hear the agent failed.
    discardBody(response.body)
    settled()
    throw new BackendUnavailableError(
      agentId,
      `it answered with HTTP status ${response.status}, which is no final answer`,
    )
  }
  const headers: Record<string, string> = {}
  for (const name of forwardedResponseHeaders) {
    const value = response.header(name)
    if (value !== undefined) headers[name] = value
  }
  // Read by the caller's client as the gateway read it: as UTF-8.
  if (headers['content-type']) headers['content-type'] = asUtf8ContentType(headers['content-type'])
  // An answer AWS's front door made: sendWithCredentials withholds it from an aws_iam agent's caller.
  const awsErrorType =
    response.status >= 400 ? awsErrorTypeOf(response.header('x-amzn-errortype')) : undefined
  const challenge =
    response.status === 401 || response.status === 403
      ? response.header('www-authenticate')?.slice(0, 500)
      : undefined
  const diagnostics = {
    ...(awsErrorType === undefined ? {} : { awsErrorType }),
    ...(challenge === undefined ? {} : { challenge }),
  }
  const isEventStream = isEventStreamType(headers['content-type'])
  if (isEventStream && !options.streaming && response.status < 400) {
    // A one-shot call answered with events: a client may read it whole or as a stream, and the
    // checks of what it hands the caller could read it the other way. Refused, never passed on.
    discardBody(response.body)
    settled()
    throw new BackendUnavailableError(
      agentId,
      'it sent an event stream for a call that is not a stream',
    )
  }
  if (!response.body) {
    settled()
    return { statusCode: response.status, headers, body: null, ...diagnostics }
  }
  if (options.streaming && isStreamAnswer(response.status, headers['content-type'])) {
    // A stream's start is over: from here the caller's signal alone may abort it.
    clearTimeout(deadline)
    return { statusCode: response.status, headers, body: response.body }
  }
  // A unary answer, or a stream call's answered otherwise (an error, whatever its type, or a
  // task as JSON): read whole within the same deadline, so a stall is the same 504.
  try {
    return {
      statusCode: response.status,
      headers,
      body: await readWhole(agentId, response.body, options.timeoutMs),
      ...diagnostics,
    }
  } finally {
    settled()
  }
}

/**
 * Sends a call to its agent with the caller's name (`callerHeader`) and the
 * trace it belongs to (`traceHeaders`), authenticated by the agent's auth type: the whole request, its body as the
 * exact bytes sent, goes to the adapter (a signature covers those bytes). A
 * call to an AgentCore runtime first gets its session (`withRuntimeSession`:
 * the session header, and a contextId in a message that had none). When the agent refuses the
 * credentials (401) and its type renews them, they are renewed (the secret may have been rotated;
 * at most once a window per agent, `BackendCredentials.renew`) and a call that only reads is sent
 * once more. An agent's 401 or 407, or 403 that is no A2A error, that stands is never the caller's:
 * `refusedGateway`.
 */
export const sendWithCredentials = async (
  record: Pick<AgentRecord, 'agentId' | 'auth'>,
  request: BackendRequest,
  options: {
    credentials: BackendCredentials
    /** The verified caller's principal. */
    caller: string
    /** The gateway let this caller read every caller's tasks (`taskAccessHeader`). */
    readsAllTasks?: boolean
    /** The task the call names, as recorded: its creator and context (an AgentCore session's). */
    task?: { owner: string; contextId?: string | undefined } | undefined
    /** The W3C trace context (`traceparent`, `tracestate`) the call carries to the agent. */
    traceHeaders?: Record<string, string> | undefined
    safeToRepeat: boolean
    streaming: boolean
    timeoutMs: number
    signal?: AbortSignal
    fetch: ForwardFetch
    /** The most a request written anew on its way may be (MAX_REQUEST_BYTES, as the caller's). */
    maxRequestBytes?: number | undefined
  },
): Promise<BackendResponse> => {
  const prepared = {
    method: request.method,
    url: request.url,
    headers: {
      ...request.headers,
      ...options.traceHeaders,
      [callerHeader]: options.caller,
      ...(options.readsAllTasks ? { [taskAccessHeader]: 'all' } : {}),
    },
    body: typeof request.body === 'string' ? new TextEncoder().encode(request.body) : request.body,
  }
  // An AgentCore runtime: the call goes to its caller's conversation's session (agentcore-session.ts).
  const outgoing = agentCoreRuntimeOf(request.url)
    ? withRuntimeSession(
        prepared,
        { agentId: record.agentId, principal: options.caller, task: options.task },
        undefined,
        options,
      ).request
    : prepared
  const { credentials } = options
  const send = async () =>
    forwardToBackend(
      record.agentId,
      await credentials.authenticate(outgoing, record.auth, { agentId: record.agentId }),
      options,
    )
  // Read before the credentials are: a renewal ending meanwhile is then one this call may use.
  const sentWith = credentials.generation(record.agentId)
  const response = await send()
  if (response.awsErrorType !== undefined && record.auth.type === 'aws_iam') {
    throw await refusedByAws(record.agentId, response)
  }
  if (!refusesGateway(response)) return response
  if (response.statusCode === 401 && credentials.renewsOn401(record.auth)) {
    // A call that may not be sent twice still renews, for the calls after it.
    const renewed = await credentials.renew(record.agentId, record.auth, sentWith)
    if (renewed && options.safeToRepeat) {
      discardBody(response.body)
      const again = await send()
      if (!refusesGateway(again)) return again
      throw refusedGateway(record.agentId, again)
    }
  }
  throw refusedGateway(record.agentId, response)
}

/**
 * An agent's answer that refuses what authenticates the request: its 401 (RFC 9110), its 407 (a
 * proxy before it asking the gateway for credentials; relayed, fetch makes a 407 a network error,
 * so a caller's client read nothing, until a review in the 30th session), and its 403 unless the
 * body is an A2A error, which is the agent refusing the caller (`refusesCaller`).
 */
const refusesGateway = ({ statusCode, body }: Pick<BackendResponse, 'statusCode' | 'body'>) =>
  statusCode === 401 || statusCode === 407 || (statusCode === 403 && !refusesCaller(body))

/** No A2A error is this large; a body past it is not read to find out. */
const maxCallerRefusalBytes = 64 * 1024

/**
 * Whether a 403's body is an A2A error: the agent refusing the caller, whom it knows by
 * `X-Switchboard-Caller` (A2A 1.0 §3.3.2, "Authorization Errors": a task created by another
 * user, a skill the caller may not use), which is the caller's to read, as a JSON-RPC error in a
 * 200 is. Both bindings carry it as an object with a numeric `code` and a string `message`:
 * JSON-RPC's and HTTP+JSON's (google.rpc.Status) under `error`, 0.3 HTTP+JSON's at the top. An
 * agent's own auth refusing the gateway's credentials sends no such body (`{"message":
 * "Forbidden"}` from an AWS API Gateway in front of it, a bare `invalid_token`).
 */
const refusesCaller = (body: BackendResponse['body']): boolean => {
  if (!(body instanceof Uint8Array) || body.length > maxCallerRefusalBytes) return false
  try {
    const answer: unknown = parseJson(
      Buffer.from(body.buffer, body.byteOffset, body.length).toString(),
    )
    if (!isJsonObject(answer)) return false
    const error = isJsonObject(answer.error) ? answer.error : answer
    return typeof error.code === 'number' && typeof error.message === 'string'
  } catch {
    return false
  }
}

/**
 * An agent's own 401, or 403 without an A2A error (`refusesGateway`): an HTTP status of its
 * auth, not of A2A. A caller's `Authorization` never travels to an agent, so it refused the
 * gateway's credentials for it (or their absence): handed on, the caller's client would take it
 * for the gateway refusing its own token (an SDK fetches a new one and retries, for nothing; a
 * 403 reads as a grant it lacks), and the agent's `WWW-Authenticate` would challenge it for a
 * token of the agent's. So the caller gets the agent failing, a 502 in its binding; the operator
 * gets the agent's status (the access line's `agentStatus`) and its challenge (the `agent call
 * failed` line's `cause`). Not its text, which may quote the key or token it refused.
 */
const refusedGateway = (agentId: string, response: BackendResponse) => {
  discardBody(response.body)
  return new BackendUnavailableError(
    agentId,
    `it refused the gateway's credentials for it (HTTP ${response.statusCode}): callers' own tokens never reach an agent, so only the gateway's operator can mend this`,
    {
      cause: new Error(`WWW-Authenticate: ${response.challenge ?? '(none)'}`),
      agentStatus: response.statusCode,
    },
  )
}

/** The error name of `x-amzn-errortype` (`AccessDeniedException:http://…` names AccessDeniedException). */
const awsErrorTypeOf = (header: string | undefined): string | undefined =>
  header?.split(':')[0]?.trim() || undefined

/**
 * A call to an `aws_iam` agent that AWS's front door answered itself: refused (the gateway's role
 * may not invoke it, its signature was refused, throttled), so the call never reached the agent,
 * or failed (a 5xx, AgentCore's 424), when it may have. The caller hears only that, in its binding; AWS's text, which names the gateway's account,
 * role and session and the agent's ARN, goes to the log as the error's cause.
 */
const refusedByAws = async (agentId: string, response: BackendResponse) => {
  const text = (await bodyText(response.body).catch(() => '')).slice(0, 2_000)
  // Only a refusal at the door says the agent never ran: a 5xx, or AgentCore's 424 for its
  // container failing, may come after it acted, and "never reached" would invite a resend.
  const atTheDoor = [401, 403, 404, 429].includes(response.statusCode)
  return new BackendUnavailableError(
    agentId,
    `its AWS endpoint ${atTheDoor ? 'refused' : 'failed'} the gateway's request (HTTP ${response.statusCode} ${response.awsErrorType})${atTheDoor ? ', so the call never reached it' : '; the agent may have acted on it'}`,
    { cause: new Error(text || '(no text)'), agentStatus: response.statusCode },
  )
}
