import { SendMessageRequest } from '@a2a-js/sdk'
import {
  type Client,
  ClientFactory,
  createAuthenticatingFetchWithRetry,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client'

import { operationForMethod } from '../../lib/a2a/operations.ts'

export type Transport = 'JSONRPC' | 'HTTP+JSON'

/**
 * The official A2A client for an agent behind the gateway: it finds the card at
 * `agentUrl`, sends the bearer token on every request, and speaks `transport`.
 */
export const gatewayClient = async (
  agentUrl: string,
  token: string,
  transport: Transport,
): Promise<Client> => {
  const fetchImpl = createAuthenticatingFetchWithRetry(fetch, {
    headers: async () => ({ authorization: `Bearer ${token}` }),
    shouldRetryWithHeaders: async () => undefined,
  })
  const factory = new ClientFactory({
    transports: [
      new JsonRpcTransportFactory({ fetchImpl }),
      new RestTransportFactory({ fetchImpl }),
    ],
    preferredTransports: [transport],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
  })
  return factory.createFromUrl(agentUrl)
}

export const textMessage = (text: string): SendMessageRequest =>
  SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })

/** Every text part of a result or stream event, in order. */
export const textsOf = (value: unknown): string[] => {
  const texts: string[] = []
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit)
    else if (node && typeof node === 'object') {
      const content = (node as { content?: { $case?: string; value?: unknown } }).content
      if (content?.$case === 'text' && typeof content.value === 'string') texts.push(content.value)
      Object.values(node).forEach(visit)
    }
  }
  visit(value)
  return texts
}

/** The kind of each event of a stream, in arrival order (`task`, `statusUpdate`, ...). */
export const eventKinds = async (events: AsyncIterable<{ payload?: { $case?: string } }>) => {
  const kinds: string[] = []
  for await (const event of events) kinds.push(event.payload?.$case ?? 'unknown')
  return kinds
}

/** The `A2A-Version` a conforming client sends with a JSON-RPC body: its method's version. */
const versionOfBody = (body: unknown) => {
  const { method } = (body ?? {}) as { method?: unknown }
  return typeof method === 'string' && operationForMethod(method)?.version === '0.3' ? '0.3' : '1.0'
}

/**
 * POSTs an A2A body to the gateway as a raw client would, with the bearer token and the
 * `A2A-Version` of its method (0.3's `message/send`, else 1.0); bounded, so a gateway that
 * never answers fails the test, not hangs it.
 */
export const postA2A = (url: string, token: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'a2a-version': versionOfBody(body),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })

/** A JSON-RPC 2.0 request for an A2A method. */
export const jsonRpc = (method: string, params: unknown, id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
})

/** A text message's SendMessage params as they travel (proto JSON), for raw HTTP calls. */
export const textMessageParams = (text: string) => SendMessageRequest.toJSON(textMessage(text))
