import * as z from 'zod'
import { operationNames } from '../a2a/operations.ts'
import { UnregisteredAgentError } from '../errors.ts'
import { agentIdSchema, scopeSchema } from '../ids.ts'
import { mapConcurrently } from '../map-concurrently.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

/** At most this many agents (and limits) keep a permission within DynamoDB's 400 KB item. */
const maxAgents = 2000
const tooManyAgents = `must name at most ${maxAgents.toLocaleString('en')} agents`

/** One item of the permissions table: what holders of `scope` may do. */
export const permissionSchema = z.strictObject({
  scope: scopeSchema,
  agents: z
    .array(agentIdSchema)
    .min(1, 'must name at least one agent')
    .max(maxAgents, tooManyAgents),
  /** Omitted = every operation. */
  operations: z.array(z.enum(operationNames)).min(1).optional(),
  requestsPerMinute: z.number().int().positive().optional(),
  agentLimits: z
    .record(agentIdSchema, z.number().int().positive())
    .refine((limits) => Object.keys(limits).length <= maxAgents, tooManyAgents)
    .optional(),
  /**
   * Whose tasks holders may read on these agents (GetTask, ListTasks,
   * SubscribeToTask): `own` (the default) or `all`, for auditors. Cancelling,
   * continuing a task and push configs stay with the task's creator either way.
   */
  taskAccess: z.enum(['own', 'all']).optional(),
})

export type Permission = z.infer<typeof permissionSchema>

/** The body of `PUT /admin/permissions/{scope}`: `scope` may be left out, but not differ. */
export const parsePermissionFor = (scope: string, body: unknown): Permission =>
  permissionSchema
    .extend({
      scope: z
        .literal(scope, { error: `must be '${scope}', the scope in the path` })
        .default(scope),
    })
    .parse(body)

/** Agents read at once when a permission is checked: a fleet's worth stays a few round trips. */
const agentReadsAtOnce = 16

/**
 * Refuses a permission that names an agent not registered (or being deleted), in `agents` or
 * `agentLimits`: each is read as it stands now (a consistent read), so an agent registered a
 * moment ago counts.
 *
 * @example
 * await requireRegisteredAgents({ agents: ['weather', 'wether'] }, registry)
 * // throws UnregisteredAgentError naming 'wether'
 */
export const requireRegisteredAgents = async (
  permission: Pick<Permission, 'agents' | 'agentLimits'>,
  registry: { get(agentId: string): Promise<Pick<AgentRecord, 'status'> | undefined> },
): Promise<void> => {
  const named = [...new Set([...permission.agents, ...Object.keys(permission.agentLimits ?? {})])]
  const records = await mapConcurrently(named, agentReadsAtOnce, (agentId) => registry.get(agentId))
  const unregistered = named.filter(
    (_, i) => records[i] === undefined || records[i]?.status === 'deleting',
  )
  if (unregistered.length > 0) throw new UnregisteredAgentError(unregistered)
}
