import {
  decodeCursor,
  encodeCursor,
  maxPageBytes,
  responseBytes,
  withinPageBytes,
} from '../http/page-cursor.ts'
import { pageQuerySchema } from '../http/page-query.ts'
import { scopeSchema } from '../ids.ts'
import { shownPermission } from '../permissions/permission-etag.ts'
import type { PermissionStore } from '../permissions/permission-store.ts'

/**
 * The most permissions one page of `GET /admin/permissions` holds: as many as a resource server
 * has scopes (Cognito's most, and `maxScopes`), so a gateway's every permission comes on one
 * page unless their size cuts it.
 */
export const maxPermissionsPerPage = 100

const isScope = (text: string) => scopeSchema.safeParse(text).success

/** The query of `GET /admin/permissions`: the page size and the cursor of the page before. */
export const permissionsQuerySchema = pageQuerySchema(
  maxPermissionsPerPage,
  maxPermissionsPerPage,
  'Permissions',
  isScope,
)

/** The body of `GET /admin/permissions`. */
export interface PermissionsPage {
  permissions: ReturnType<typeof shownPermission>[]
  /** Present while more permissions may follow: pass it back for the next page. */
  cursor?: string
}

/**
 * One page of the permissions, each shown with its `etag`: at most `limit`, fewer when they would
 * pass what a Lambda may answer (a permission may name 2,000 agents and a limit for each, some
 * 280 KB, so two dozen such were a 502 on every listing). Permissions come in the table's order,
 * a page sorted by scope; the cursor is present while more may follow. The table is read on past
 * its 1 MB a read until the page is full, so permissions that fit 5 MiB come on one page with no
 * cursor, as they did before the list had pages (a client reading one page sees them all).
 *
 * @example
 * await permissionsPage({ limit: '20' }, permissions) // { permissions: [...], cursor: 'ZmxlZXQ6YQ' }
 */
export const permissionsPage = async (
  query: unknown,
  store: Pick<PermissionStore, 'listPage'>,
): Promise<PermissionsPage> => {
  const { limit, cursor } = permissionsQuerySchema.parse(query ?? {})
  // Each as shown (its etag a hash of it, made once), in the table's order.
  const read: { scope: string; shown: ReturnType<typeof shownPermission> }[] = []
  let bytes = 0
  let last = cursor === undefined ? undefined : decodeCursor(cursor, isScope)
  do {
    const page = await store.listPage(limit - read.length, last)
    for (const permission of page.permissions) {
      const shown = shownPermission(permission)
      read.push({ scope: permission.scope, shown })
      bytes += responseBytes(shown)
    }
    last = page.last
  } while (last !== undefined && read.length < limit && bytes <= maxPageBytes)
  // Cut in the table's order, which the next page resumes from; sorted only to be shown.
  const count = withinPageBytes(read.map(({ shown }) => shown)).length
  const ended = count < read.length ? read[count - 1]?.scope : last
  const shown = read
    .slice(0, count)
    .sort((a, b) => a.scope.localeCompare(b.scope))
    .map(({ shown }) => shown)
  return ended === undefined
    ? { permissions: shown }
    : { permissions: shown, cursor: encodeCursor(ended) }
}
