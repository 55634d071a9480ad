import { PermissionNotFoundError } from '../errors.ts'
import { type IfMatch, ifMatchPasses } from '../http/preconditions.ts'
import { permissionETag, permissionPreconditionFailed, shownPermission } from './permission-etag.ts'
import type { PermissionStore } from './permission-store.ts'

/**
 * `GET /admin/permissions/{scope}`: the scope's permission as it stands now (a consistent read),
 * shown as the list shows it, with the `etag` its `PUT` and `DELETE` take as `If-Match`; a
 * PermissionNotFoundError (404) where the scope has none. With `ifMatch`, answered only at a
 * version it names (a 412 naming the tag now), as an agent's read is.
 *
 * @example
 * await readPermission('weather:invoke', permissions) // { scope: 'weather:invoke', agents: [...], etag: '"Yx1…"' }
 */
export const readPermission = async (
  scope: string,
  permissions: Pick<PermissionStore, 'get'>,
  ifMatch?: IfMatch,
): Promise<ReturnType<typeof shownPermission>> => {
  const current = await permissions.get(scope)
  if (!current) throw new PermissionNotFoundError(scope)
  if (!ifMatchPasses(ifMatch, permissionETag(current))) {
    throw permissionPreconditionFailed(scope, current, ifMatch)
  }
  return shownPermission(current)
}
