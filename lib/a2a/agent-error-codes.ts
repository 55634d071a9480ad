import { isJsonObject as isObject, parseAnswer } from '../json-object.ts'
import { parseJson } from '../json-parse.ts'
import { type AgentErrorCode, errorCodeIn, mayNameError } from './error-key.ts'
import type { A2ACall } from './request.ts'
import { type SdkEventType, wholeEvents } from './sse.ts'

// The code of an agent's error in its answer or its stream, for the call's report and metrics:
// read of every call, where the translation of an answer (lib/a2a/translate.ts) is read only of
// translated ones.

/**
 * The code of a whole JSON-RPC error answer (which JSON-RPC sends with HTTP 200, as the A2A SDKs'
 * agents do when their handler fails), for the call's report and metrics, or why an error it
 * names has none (`errorCodeIn`: @a2a-js/sdk's client throws on any `error` key); nothing for any
 * other answer. Only an answer that may name `"error"` (`mayNameError`) is parsed.
 */
export const jsonRpcErrorCodeOf = (
  binding: A2ACall['binding'],
  body: string | Uint8Array,
): AgentErrorCode | undefined => {
  if (binding !== 'JSONRPC') return undefined
  const text =
    typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.length)
  if (!mayNameError(text)) return undefined
  let answer: unknown
  try {
    answer = parseAnswer(text.toString())
  } catch {
    return undefined
  }
  return isObject(answer) && Object.hasOwn(answer, 'error') ? errorCodeIn(answer.error) : undefined
}

/**
 * The code of the last JSON-RPC error among whole SSE events (their `data:` lines), as a
 * JSON-RPC agent's failing handler ends a stream; none when no event is one.
 */
export const jsonRpcEventsErrorCode = (events: string): AgentErrorCode | undefined =>
  lastEventErrorCode(events, undefined, (data) => jsonRpcErrorCodeOf('JSONRPC', data))

/**
 * The code of the last `error` event among whole HTTP+JSON SSE events: 1.0's `{ error: { code } }`
 * (an HTTP status) or 0.3's `{ code }` (a JSON-RPC code); or why it has none, since any `error`
 * event is the agent's error to @a2a-js/sdk's client, whatever its data. An event is one when
 * either the SSE spec's reading or the SDK's names it so (`sdkType`: the type the SDK's reader
 * holds as these events begin, carried on).
 */
export const restEventsErrorCode = (
  events: string,
  sdkType?: SdkEventType,
): AgentErrorCode | undefined =>
  lastEventErrorCode(events, sdkType, (data, name) => {
    if (name !== 'error') return undefined
    let body: unknown
    try {
      body = parseJson(data)
    } catch {
      return errorCodeIn(undefined)
    }
    return errorCodeIn(isObject(body) && isObject(body.error) ? body.error : body)
  })

/**
 * The last code `codeOf` reads from an SSE event's data (and its `event:` name), if any. The events
 * are read as a caller's client reads them (`wholeEvents`: an event's last name is its name, one
 * space after a colon dropped): read otherwise, an event named `error` then `message`, a message
 * to the client, counted as the agent's failure, and one named the other way round did not.
 */
const lastEventErrorCode = (
  events: string,
  sdkType: SdkEventType | undefined,
  codeOf: (data: string, name: string | undefined) => AgentErrorCode | undefined,
): AgentErrorCode | undefined => {
  let code: AgentErrorCode | undefined
  for (const { event, data } of wholeEvents(events, sdkType)) {
    if (data) code = codeOf(data, event) ?? code
  }
  return code
}
