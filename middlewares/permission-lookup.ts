import type { MiddlewareObj, Request } from '@middy/core'
import { type Caller, callerFrom, callerKey } from '../lib/auth/caller.ts'
import { maxRegistryCacheTtlMs } from '../lib/config.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import type { Permission } from '../lib/permissions/permission.ts'
import { cachedPermissions, type PermissionStore } from '../lib/permissions/permission-store.ts'

/** The permissions table's store, for `options.permissions` (the package exports middlewares only). */
export { DynamoPermissionStore } from '../lib/permissions/permission-store.ts'

// Types only: the lookup's bundle stays free of jwtAuth's verifier and error renderers.
import type { JwtAuthContext } from './jwt-auth.ts'
import { requires } from './support/requires.ts'

/** Where `permissionLookup` puts the permissions it read: `context.permissionLookup`. */
export const permissionLookupKey = 'permissionLookup'

export type PermissionLookupContext = JwtAuthContext & {
  [permissionLookupKey]: { permissions: Permission[] }
  [callerKey]: Caller
}

export interface PermissionLookupOptions {
  /** The permissions table (lib/permissions/permission-store.ts `DynamoPermissionStore`). */
  permissions: Pick<PermissionStore, 'forScopes'>
  /** Requests per minute where no permission sets a limit. */
  defaultRateLimit: number
  /** The scope that makes a caller an admin; none by default. */
  adminScope?: string
  /** How long a scope set's permissions are reused, in ms (default 750, at most 900). */
  cacheTtlMs?: number
  /** The clock, in ms since the epoch. */
  now?: () => number
}

/**
 * Turns the scopes `jwtAuth` verified into grants (agents, operations, limits,
 * task access) with the gateway authorizer's own code: one `BatchGetItem` on the
 * permissions table, the grants' union rules of lib/auth/grants.ts. The result is
 * the kit's one "who is calling" contract, `context.caller` (the same `Caller`
 * `verifiedCaller` reads from the authorizer), so `agentGrant`, `rateLimit`,
 * `taskOwnership` and `routeMessage` work after it; the permissions read are at
 * `context.permissionLookup`. Reads are cached per container for under a second,
 * so a revoked permission stops granting within `cacheTtlMs`.
 *
 * @example
 * ```ts
 * import { jwtAuth } from 'switchboard/middlewares/jwt-auth'
 * import { DynamoPermissionStore, permissionLookup } from 'switchboard/middlewares/permission-lookup'
 *
 * middy()
 *   .use(jwtAuth({ issuer, jwksUrl, resourceUrl }))
 *   .use(permissionLookup({
 *     permissions: new DynamoPermissionStore(documentClient, 'switchboard-permissions'),
 *     defaultRateLimit: 60,
 *   }))
 *   .handler(async (_event, context) => ({ statusCode: 200, body: Object.keys(context.caller.grants).join() }))
 * ```
 */
export const permissionLookup = (
  options: PermissionLookupOptions,
): MiddlewareObj<unknown, unknown, Error, PermissionLookupContext> => {
  checkOptions('permissionLookup', options, {
    permissions: optionRules.methods('forScopes'),
    defaultRateLimit: optionRules.positiveInteger(),
    adminScope: optionRules.string().optional(),
    cacheTtlMs: optionRules.integerFrom(0, maxRegistryCacheTtlMs).optional(),
    now: optionRules.function().optional(),
  })
  const { defaultRateLimit, adminScope = '', cacheTtlMs = 750, now = Date.now } = options
  const permissions = cachedPermissions(options.permissions, cacheTtlMs, now)

  const permissionLookupMiddlewareBefore = async (
    request: Request<unknown, unknown, Error, PermissionLookupContext>,
  ) => {
    const verified = requires(request.context, 'jwtAuth', 'permissionLookup')
    // Before the permissions are read: a decision is never dated later than what it saw.
    const authorizedAt = now()
    const read = await permissions.forScopes(verified.scopes)
    request.context[permissionLookupKey] = { permissions: read }
    request.context[callerKey] = callerFrom(verified, read, {
      // No scope is empty, so an unset admin scope makes no one an admin.
      adminScope,
      defaultRateLimit,
      authorizedAt,
    })
  }

  return { before: permissionLookupMiddlewareBefore }
}
