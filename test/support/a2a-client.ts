import { SendMessageRequest } from '@a2a-js/sdk'
import {
  type Client,
  ClientFactory,
  createAuthenticatingFetchWithRetry,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client'

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
