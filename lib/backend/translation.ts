import type { Binding } from '../a2a/agent-card.ts'
import type { A2ACall } from '../a2a/request.ts'
import { mapSse } from '../a2a/sse.ts'
import {
  jsonRpcAnswerAsRest,
  jsonRpcEventAsRest,
  jsonRpcParamsFor,
  restAnswerAsJsonRpc,
  restEventAsJsonRpc,
  restRequestFor,
} from '../a2a/translate.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import type { BackendRequest, BackendResponse } from './forward.ts'

/**
 * The request for a call to an agent that serves the other binding only, and
 * how to bring its answer back into the caller's binding. Undefined when the
 * agent serves neither or is not a 1.0 agent (0.3 calls pass through only).
 */
export const translatedCall = (
  call: A2ACall,
  record: Pick<AgentRecord, 'endpoints' | 'protocolVersion'>,
  headers: Record<string, string>,
  /** The most one event of a translated stream may hold. */
  limits: { maxEventBytes: number },
):
  | { request: BackendRequest; answer: (response: BackendResponse) => Promise<BackendResponse> }
  | undefined => {
  const other: Binding = call.binding === 'JSONRPC' ? 'HTTP+JSON' : 'JSONRPC'
  const endpoint = record.endpoints[other]
  if (!endpoint || record.protocolVersion !== '1.0' || call.version !== '1.0') return undefined
  const sent = { ...headers, accept: call.stream ? 'text/event-stream' : 'application/json' }

  if (other === 'HTTP+JSON') {
    const rest = restRequestFor(call)
    return {
      request: {
        url: `${endpoint.replace(/\/$/, '')}${rest.path}`,
        method: rest.method,
        headers: rest.body === undefined ? sent : { ...sent, 'content-type': 'application/json' },
        body: rest.body === undefined ? undefined : JSON.stringify(rest.body),
      },
      answer: async (response) =>
        isEventStream(response)
          ? withBody(
              response,
              mapSse(
                response.body as ReadableStream<Uint8Array>,
                (event) => restEventAsJsonRpc(event, call.jsonRpcId),
                limits,
              ),
            )
          : asAnswer(
              restAnswerAsJsonRpc(response.statusCode, await textOf(response), call.jsonRpcId),
            ),
    }
  }
  return {
    request: {
      url: endpoint,
      method: 'POST',
      headers: { ...sent, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: call.operation,
        params: jsonRpcParamsFor(call),
      }),
    },
    answer: async (response) =>
      isEventStream(response)
        ? withBody(
            response,
            mapSse(response.body as ReadableStream<Uint8Array>, jsonRpcEventAsRest, limits),
          )
        : asAnswer(jsonRpcAnswerAsRest(await textOf(response), call.operation)),
  }
}

const isEventStream = (response: BackendResponse) =>
  response.body !== null && (response.headers['content-type'] ?? '').startsWith('text/event-stream')

const withBody = (
  response: BackendResponse,
  body: ReadableStream<Uint8Array>,
): BackendResponse => ({
  ...response,
  headers: {
    ...response.headers,
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
  },
  body,
})

const textOf = async (response: BackendResponse) =>
  response.body ? new Response(response.body).text() : ''

const asAnswer = (answer: {
  statusCode: number
  headers: Record<string, string>
  body: string
}): BackendResponse => ({
  statusCode: answer.statusCode,
  headers: answer.headers,
  body: answer.body ? new Response(answer.body).body : null,
})
