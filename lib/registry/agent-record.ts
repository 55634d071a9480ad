import type { AgentCardJson, Binding } from '../a2a/agent-card.ts'
import type { BackendAuth } from '../backend/auth/auth-types.ts'

export type { BackendAuth }

/** An item of the agents table. */
export interface AgentRecord {
  agentId: string
  backendUrl: string
  agentCardUrl: string
  auth: BackendAuth
  /** `deleting` while a delete is under way: not served, and a retried delete finishes it. */
  status: 'active' | 'inactive' | 'deleting'
  /** The backend's own card, as last fetched (rewritten only on the way out). */
  card: AgentCardJson
  protocolVersion: '1.0' | '0.3'
  /** Who may read the rewritten card; absent (a record from before the field) = `granted`. */
  cardVisibility?: 'public' | 'granted'
  /** Overrides BACKEND_TIMEOUT_MS for this agent: unary calls, and the start of a stream. */
  timeoutMs?: number
  /** Phrases users say to this agent, indexed as more of its vectors (absent = none). */
  routingExamples?: string[]
  /** Where the backend serves each binding, resolved at registration. */
  endpoints: Partial<Record<Binding, string>>
  createdAt: string
  updatedAt: string
  /**
   * False from each change until the search index has taken it (an embedding
   * that failed leaves it so; the next sync or `npm run reindex` indexes it).
   */
  indexed?: boolean
  /**
   * Secrets the gateway created for this agent and no longer uses, whose delete
   * failed: the next PUT and the agent's delete try again.
   */
  retiredSecretArns?: string[]
}
