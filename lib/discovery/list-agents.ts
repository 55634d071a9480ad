import type { AgentCardJson } from '../a2a/agent-card.ts'
import { callerBindings, type GatewayIdentity, rewriteCard } from '../a2a/card-rewrite.ts'
import type { SignCard } from '../a2a/card-signer.ts'
import { type Grants, mayInvoke } from '../auth/grants.ts'
import { decodeCursor, encodeCursor, maxPageBytes, responseBytes } from '../http/page-cursor.ts'
import { pageQuerySchema } from '../http/page-query.ts'
import { agentIdSchema } from '../ids.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

export interface ListedAgent {
  agentId: string
  card: AgentCardJson
}

/** How the gateway serves an agent's card to a caller: rewritten to its own face, signed. */
export interface CardServing {
  /** The gateway's face for an agent, for the rewritten card. */
  gatewayFor: (agentId: string) => GatewayIdentity
  /** Signs each card as served (the gateway's signature replaces the agent's). */
  signCard: SignCard
}

/**
 * An agent's card as a caller gets it from `GET /agents` and `/search`: its
 * addresses the gateway's, its bindings those the caller can use, signed.
 */
export const servedCard = (record: AgentRecord, serving: CardServing): Promise<AgentCardJson> =>
  serving.signCard(
    rewriteCard(record.card, {
      ...serving.gatewayFor(record.agentId),
      bindings: callerBindings(record),
    }),
  )

/** The most agents one page of `GET /agents` holds. */
export const maxAgentsPerPage = 50

/** The agent id a cursor names, or undefined if it is not one this API gave out. */
export const decodeAgentCursor = (cursor: string): string | undefined =>
  decodeCursor(cursor, (agentId) => agentIdSchema.safeParse(agentId).success)

/**
 * The query of a page of agents: `limit`, 1 to `max` (`fallback` when absent), and the `cursor`
 * of the page before, one this API gave out.
 */
export const agentPageQuerySchema = (max: number, fallback: number, items: string) =>
  pageQuerySchema(max, fallback, items, (agentId) => agentIdSchema.safeParse(agentId).success)

/** The query of `GET /agents`: the page size and the cursor of the page before. */
export const agentsQuerySchema = agentPageQuerySchema(maxAgentsPerPage, 20, 'Agents')

/** The body of `GET /agents`. */
export interface AgentsPage {
  agents: ListedAgent[]
  /** Present when more of the caller's agents may follow: pass it back for the next page. */
  cursor?: string
}

export interface AgentsPageDeps extends CardServing {
  /** The agent's record (cached for at most REGISTRY_CACHE_TTL_MS, so the 1-second rule holds). */
  getAgent: (agentId: string) => Promise<AgentRecord | undefined>
}

/**
 * One page of the active agents a caller may invoke, by agentId, cards as the
 * gateway serves them. The work is the caller's own: only the records of the
 * agents its grants name on this page are read, at most `limit` of them, never
 * the whole table. A page ends early, with a cursor, before its agents would
 * pass `maxPageBytes`; it may also hold fewer than `limit` when some of
 * the caller's agents are inactive or gone. The cursor is present while more
 * may follow.
 *
 * @example
 * await agentsPage({ limit: '20' }, caller.grants, { getAgent, gatewayFor, signCard })
 * // { agents: [{ agentId: 'calculator', card }, …], cursor: 'Y2FsY3VsYXRvcg' }
 */
export const agentsPage = async (
  query: unknown,
  grants: Grants,
  deps: AgentsPageDeps,
): Promise<AgentsPage> => {
  const { limit, cursor } = agentsQuerySchema.parse(query ?? {})
  const after = cursor === undefined ? undefined : decodeAgentCursor(cursor)
  const remaining = Object.keys(grants)
    .filter((agentId) => mayInvoke(grants, agentId) && (after === undefined || agentId > after))
    .sort()
  const considered = remaining.slice(0, limit)
  const listed = await Promise.all(
    considered.map(async (agentId): Promise<ListedAgent | undefined> => {
      const record = await deps.getAgent(agentId)
      return record?.status === 'active'
        ? { agentId, card: await servedCard(record, deps) }
        : undefined
    }),
  )
  const agents: ListedAgent[] = []
  let bytes = 0
  let covered: string | undefined
  for (const [i, agentId] of considered.entries()) {
    const agent = listed[i]
    if (agent) {
      const size = responseBytes(agent)
      if (agents.length > 0 && bytes + size > maxPageBytes) break
      bytes += size
      agents.push(agent)
    }
    covered = agentId
  }
  return covered !== undefined && covered !== remaining.at(-1)
    ? { agents, cursor: encodeCursor(covered) }
    : { agents }
}
