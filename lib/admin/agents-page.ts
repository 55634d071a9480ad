import { agentPageQuerySchema, decodeAgentCursor } from '../discovery/list-agents.ts'
import { encodeCursor, withinPageBytes } from '../http/page-cursor.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import type { DynamoAgentRegistry } from '../registry/agent-registry.ts'

/** The most records one page of `GET /admin/agents` holds. */
export const maxAdminAgentsPerPage = 100

/** The query of `GET /admin/agents`: the page size and the cursor of the page before. */
export const adminAgentsQuerySchema = agentPageQuerySchema(
  maxAdminAgentsPerPage,
  maxAdminAgentsPerPage,
  'Records',
)

/** The body of `GET /admin/agents`. */
export interface AdminAgentsPage {
  agents: AgentRecord[]
  /** Present while more records may follow: pass it back for the next page. */
  cursor?: string
}

/**
 * One page of every agent record, whatever its status: at most `limit`, fewer when their cards
 * would pass what a Lambda may answer (the page then ends early, with a cursor). Records come in
 * the table's order, a page sorted by agentId; the cursor is present while more may follow.
 *
 * @example
 * await adminAgentsPage({ limit: '50' }, registry) // { agents: [...], cursor: 'ZWNoby1i' }
 */
export const adminAgentsPage = async (
  query: unknown,
  registry: Pick<DynamoAgentRegistry, 'listPage'>,
): Promise<AdminAgentsPage> => {
  const { limit, cursor } = adminAgentsQuerySchema.parse(query ?? {})
  const after = cursor === undefined ? undefined : decodeAgentCursor(cursor)
  const { records, last } = await registry.listPage(limit, after)
  // Cut in the table's order, which the next page resumes from; sorted only to be shown.
  const taken = withinPageBytes(records)
  const ended = taken.length < records.length ? taken.at(-1)?.agentId : last
  const agents = taken.sort((a, b) => a.agentId.localeCompare(b.agentId))
  return ended === undefined ? { agents } : { agents, cursor: encodeCursor(ended) }
}
