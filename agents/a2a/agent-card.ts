import { A2A_PROTOCOL_VERSION, type AgentCard, type AgentSkill } from '@a2a-js/sdk'

/** Where the sample agents mount each A2A binding, below their base URL. */
export const JSONRPC_PATH = '/a2a/jsonrpc'
export const REST_PATH = '/a2a/rest'

/** Both sample agents accept and return plain text and JSON data parts. */
export const SAMPLE_AGENT_MODES = ['text/plain', 'application/json']

/** What makes one sample agent's card different from another's. */
export interface AgentCardContent {
  name: string
  description: string
  version: string
  skills: AgentSkill[]
}

/**
 * An A2A 1.0 agent card for a sample agent served at `baseUrl`: JSON-RPC first
 * (the preferred interface), then HTTP+JSON; streaming, push notifications
 * and an extended card; no security (the gateway in front adds its own).
 */
export function sampleAgentCard(baseUrl: string, content: AgentCardContent): AgentCard {
  return {
    name: content.name,
    description: content.description,
    version: content.version,
    supportedInterfaces: [
      {
        url: `${baseUrl}${JSONRPC_PATH}`,
        protocolBinding: 'JSONRPC',
        protocolVersion: A2A_PROTOCOL_VERSION,
        tenant: '',
      },
      {
        url: `${baseUrl}${REST_PATH}`,
        protocolBinding: 'HTTP+JSON',
        protocolVersion: A2A_PROTOCOL_VERSION,
        tenant: '',
      },
    ],
    provider: undefined,
    capabilities: {
      streaming: true,
      pushNotifications: true,
      extendedAgentCard: true,
      extensions: [],
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: SAMPLE_AGENT_MODES,
    defaultOutputModes: SAMPLE_AGENT_MODES,
    skills: content.skills,
    signatures: [],
  }
}
