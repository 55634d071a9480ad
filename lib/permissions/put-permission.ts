import { UnregisteredAgentError } from '../errors.ts'
import type { IfMatch } from '../http/preconditions.ts'
import type { DynamoAgentRegistry } from '../registry/agent-registry.ts'
import type { Permission, StoredPermission } from './permission.ts'
import type { DynamoPermissionStore } from './permission-store.ts'

type Registry = Pick<DynamoAgentRegistry, 'statuses'>
type Permissions = Pick<DynamoPermissionStore, 'write' | 'removeAgent'>

/** The agents a permission names, in `agents` or `agentLimits`, not registered or being deleted. */
const unregisteredIn = async (
  permission: Pick<Permission, 'agents' | 'agentLimits'>,
  registry: Registry,
): Promise<string[]> => {
  const named = [...new Set([...permission.agents, ...Object.keys(permission.agentLimits ?? {})])]
  const statuses = await registry.statuses(named)
  return named.filter((agentId) => {
    const status = statuses.get(agentId)
    return status === undefined || status === 'deleting'
  })
}

/**
 * `PUT /admin/permissions/{scope}`: stores the permission if every agent it names is registered,
 * each read as it stands now (a consistent read, so an agent registered a moment ago counts);
 * otherwise an UnregisteredAgentError naming them, and nothing stored. A grant to an id no one
 * registered would go to whoever registers it later, where a deleted agent's grants go with it.
 * An agent deleted between that read and the write (its delete took it out of every permission
 * before this one was written) is found by a second read and taken out of every permission
 * again, as if its delete had come just after this PUT: the order the two calls' answers allow.
 * Nothing is put back, so no other admin's write meanwhile is undone. `revokeGrants` takes it out
 * (the admin API passes the delete's own, which records each change in the audit trail: else the
 * trail's last entry of the permission would name the agent it no longer grants); by default
 * `permissions.removeAgent`. With `ifMatch`, stored only if the permission is still at a version
 * it names (a PreconditionFailedError otherwise, nothing stored). Answers the permission replaced
 * and the one written (whose `version` such a second take-out has already moved on).
 *
 * @example
 * await putPermission({ scope: 'weather:invoke', agents: ['wether'] }, { permissions, registry })
 * // throws UnregisteredAgentError naming 'wether'
 */
export const putPermission = async (
  permission: Permission,
  {
    permissions,
    registry,
    revokeGrants = (agentId) => permissions.removeAgent(agentId),
    ifMatch,
    createOnly = false,
  }: {
    permissions: Permissions
    registry: Registry
    revokeGrants?: (agentId: string) => Promise<unknown>
    ifMatch?: IfMatch | undefined
    /** `If-None-Match: *`: stored only where the scope has no permission yet. */
    createOnly?: boolean
  },
): Promise<{ before: StoredPermission | undefined; after: StoredPermission }> => {
  const unregistered = await unregisteredIn(permission, registry)
  if (unregistered.length > 0) throw new UnregisteredAgentError(unregistered)
  const written = await permissions.write(permission, ifMatch, createOnly)
  for (const agentId of await unregisteredIn(permission, registry)) {
    await revokeGrants(agentId)
  }
  return written
}
