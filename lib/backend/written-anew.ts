import type { A2ACall } from '../a2a/request.ts'
import { isKeptNumber, parseKeepingInexactNumbers } from '../json-kept-numbers.ts'
import { isJsonObject as isObject } from '../json-object.ts'
import type { BackendResponse } from './forward.ts'

// What a call or an answer the gateway writes anew keeps of the one it came from: a translated
// call's and a skill call's. Apart from the translation itself (lib/backend/translation.ts), which
// is loaded only when a call needs it, since a skill call needs only these.

/**
 * The call with its params read again from the body it came with, each number JSON would write
 * otherwise kept as the caller wrote it (`parseKeepingInexactNumbers`): a request written anew
 * for the agent sent `12345678901234567890` rounded and `1e20` as 21 digits until 7 December 2026.
 * So is a JSON-RPC caller's id, which its answer echoes (a client matches it as it wrote it). The
 * params were checked as read first; reading again gives the same values, numbers apart. Only a
 * translated call pays this second parse: one sent as it came is sent byte for byte.
 */
export const withKeptNumbers = <
  Call extends Pick<A2ACall, 'binding' | 'body' | 'params' | 'jsonRpcId'>,
>(
  call: Call,
): Call => {
  if (call.body === undefined) return call
  const read = parseKeepingInexactNumbers(call.body)
  if (call.binding !== 'JSONRPC' || !isObject(read)) return { ...call, params: read }
  // A kept id is written back as the caller wrote it; the type says number, and JSON reads one.
  const id = isKeptNumber(read.id) ? { jsonRpcId: read.id as A2ACall['jsonRpcId'] } : {}
  return { ...call, params: read.params, ...id }
}

/** What an agent's answer says beside its body, which its translation keeps. */
const carriedHeaders = ['a2a-extensions', 'retry-after'] as const

/** The headers of an agent's answer that an answer written anew from it carries (`carriedHeaders`). */
export const carriedHeadersOf = (headers: BackendResponse['headers']): Record<string, string> =>
  Object.fromEntries(
    carriedHeaders.flatMap((name) => (headers[name] === undefined ? [] : [[name, headers[name]]])),
  )
