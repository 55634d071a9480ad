import type { AgentCardJson, Binding } from '../a2a/agent-card.ts'
import type { AgentConfig } from './agent-config.ts'

/** An item of the agents table. Never holds a secret, only where to find one. */
export interface AgentRecord {
  agentId: string
  backendUrl: string
  agentCardUrl: string
  auth: { type: AgentConfig['auth']['type'] }
  status: AgentConfig['status']
  /** The backend's own card, as last fetched (rewritten only on the way out). */
  card: AgentCardJson
  protocolVersion: '1.0' | '0.3'
  /** Where the backend serves each binding, resolved at registration. */
  endpoints: Partial<Record<Binding, string>>
  createdAt: string
  updatedAt: string
}
