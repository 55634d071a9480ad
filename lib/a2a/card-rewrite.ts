import { type AgentCardJson, type Binding, bindings } from './agent-card.ts'

export interface GatewayIdentity {
  /** The agent's address on the gateway, e.g. `https://gw.example.com/agents/weather`. */
  agentUrl: string
  /** Where callers get a token (Cognito's or the local token endpoint). */
  tokenUrl: string
  /** The bindings callers can use for this agent (see `callerBindings`); both by default. */
  bindings?: readonly Binding[]
}

/**
 * The bindings the gateway can serve for an agent: both for a 1.0 agent (it
 * translates to the one the agent serves), only the agent's own for a 0.3 agent
 * (0.3 calls are passed through, never translated).
 *
 * @example
 * callerBindings({ protocolVersion: '0.3', endpoints: { JSONRPC: 'https://a/rpc' } }) // ['JSONRPC']
 */
export const callerBindings = (agent: {
  protocolVersion: '1.0' | '0.3'
  endpoints: Partial<Record<Binding, string>>
}): Binding[] =>
  agent.protocolVersion === '1.0'
    ? [...bindings]
    : bindings.filter((binding) => agent.endpoints[binding] !== undefined)

const schemeName = 'switchboard'
const schemeDescription =
  'OAuth 2.0 client credentials issued for the Switchboard gateway; the scopes you hold decide which agents and operations you may use.'

/**
 * The card as callers of the gateway must see it: every interface points at the
 * gateway, security is the gateway's, and the backend's signatures are dropped
 * (they would not verify over a rewritten card).
 *
 * @example
 * rewriteCard(card, { agentUrl: 'http://127.0.0.1:3000/agents/weather', tokenUrl })
 */
export const rewriteCard = (card: AgentCardJson, gateway: GatewayIdentity): AgentCardJson => {
  const { signatures: _signatures, ...rest } = card as AgentCardJson & { signatures?: unknown }
  const served = gateway.bindings ?? bindings
  if ('supportedInterfaces' in rest) {
    return {
      ...rest,
      // The same URL serves both bindings: POST to it is JSON-RPC, paths below it are HTTP+JSON.
      supportedInterfaces: served.map((protocolBinding) => ({
        url: gateway.agentUrl,
        protocolBinding,
        protocolVersion: '1.0',
      })),
      securitySchemes: {
        [schemeName]: {
          oauth2SecurityScheme: {
            description: schemeDescription,
            flows: { clientCredentials: { tokenUrl: gateway.tokenUrl, scopes: {} } },
          },
        },
      },
      securityRequirements: [{ schemes: { [schemeName]: { list: [] } } }],
    }
  }
  return {
    ...rest,
    url: gateway.agentUrl,
    preferredTransport: served[0] ?? 'JSONRPC',
    additionalInterfaces: served.map((transport) => ({ url: gateway.agentUrl, transport })),
    securitySchemes: {
      [schemeName]: {
        type: 'oauth2',
        description: schemeDescription,
        flows: { clientCredentials: { tokenUrl: gateway.tokenUrl, scopes: {} } },
      },
    },
    security: [{ [schemeName]: [] }],
  }
}

/**
 * A GetExtendedAgentCard answer with its card rewritten like the public one: the
 * JSON-RPC `result`, or the HTTP+JSON body. An error answer is left as it is.
 */
export const rewriteCardAnswer = (
  text: string,
  binding: Binding,
  gateway: GatewayIdentity,
): string => {
  const answer = JSON.parse(text) as { result?: AgentCardJson; error?: unknown }
  if (binding === 'JSONRPC') {
    return answer.result
      ? JSON.stringify({ ...answer, result: rewriteCard(answer.result, gateway) })
      : text
  }
  return answer.error ? text : JSON.stringify(rewriteCard(answer as AgentCardJson, gateway))
}
