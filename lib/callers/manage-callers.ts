import { createHash } from 'node:crypto'
import {
  AdminScopeError,
  ClientNotFoundError,
  ScopeInUseError,
  ScopeNotFoundError,
  UnknownScopeError,
} from '../errors.ts'
import type { PermissionStore } from '../permissions/permission-store.ts'
import {
  type CallerClient,
  type CallerRegistry,
  createClientSchema,
  type IssuedSecret,
  type ScopeDefinition,
  scopeBodySchema,
  updateClientSchema,
} from './caller-registry.ts'
import type { ClientCreations } from './client-creations.ts'

/** What the callers' admin steps work with. */
export interface CallerAdminDeps {
  callers: CallerRegistry
  /** Read with `list` (a Scan), which the admin role may already do. */
  permissions: Pick<PermissionStore, 'list'>
  /** The admin scope (short name): never deleted. */
  adminScope: string
  /** Which client each `Idempotency-Key` of a creation made. */
  creations: ClientCreations
}

/** A change as the audit trail records it: no secret in either record. */
export interface CallerChange<T> {
  before: T | undefined
  after: T | undefined
}

/**
 * Refuses scopes the identity provider does not define (a permission or a client
 * naming one would grant nothing: no token can carry it).
 *
 * @example
 * await requireScopes([permission.scope], callers) // UnknownScopeError (422) when undefined
 */
export const requireScopes = async (
  scopes: readonly string[],
  callers: Pick<CallerRegistry, 'listScopes'>,
): Promise<void> => {
  const defined = new Set((await callers.listScopes()).map(({ scope }) => scope))
  const unknown = scopes.filter((scope) => !defined.has(scope))
  if (unknown.length > 0) throw new UnknownScopeError(unknown)
}

/** `PUT /admin/scopes/{scope}`: creates the scope or changes its description. */
export const putScope = async (
  scope: string,
  body: unknown,
  { callers }: Pick<CallerAdminDeps, 'callers'>,
): Promise<{ before: ScopeDefinition | undefined; after: ScopeDefinition }> => {
  const after = { scope, ...scopeBodySchema.parse(body) }
  return { before: await callers.putScope(after), after }
}

/**
 * `DELETE /admin/scopes/{scope}`: only a scope nothing uses; the admin scope never.
 * A permission or client taking it up between the check and the delete is not
 * prevented (the two stores share no transaction); the check catches every
 * use made before the request.
 */
export const deleteScope = async (
  scope: string,
  {
    callers,
    permissions,
    adminScope,
  }: Pick<CallerAdminDeps, 'callers' | 'permissions' | 'adminScope'>,
): Promise<CallerChange<ScopeDefinition>> => {
  if (scope === adminScope) throw new AdminScopeError(scope)
  const defined = (await callers.listScopes()).some((each) => each.scope === scope)
  if (!defined) throw new ScopeNotFoundError(scope)
  const [granting, clients] = await Promise.all([
    permissions.list().then((all) => all.filter((permission) => permission.scope === scope)),
    callers.listClients(),
  ])
  const holders = clients.filter((client) => client.scopes.includes(scope))
  if (granting.length > 0 || holders.length > 0) {
    throw new ScopeInUseError(scope, {
      permissions: granting.map((permission) => permission.scope),
      clients: holders.map((client) => client.clientId),
    })
  }
  const before = await callers.deleteScope(scope)
  if (!before) throw new ScopeNotFoundError(scope)
  return { before, after: undefined }
}

/**
 * `POST /admin/clients`: the client and its secret, shown this once. With an
 * `Idempotency-Key`, a retry makes no second client: it answers the client the
 * key made, with a new secret (`replayed`), since the first answer's secret is
 * kept nowhere and cannot be shown again; the secret that answer held stops
 * working, as with a rotation.
 */
export const createClient = async (
  body: unknown,
  { callers, creations }: Pick<CallerAdminDeps, 'callers' | 'creations'>,
  idempotencyKey?: string,
): Promise<{
  replayed: boolean
  before: CallerClient | undefined
  after: CallerClient
  issued: CallerClient & IssuedSecret
}> => {
  const client = createClientSchema.parse(body)
  await requireScopes(client.scopes, callers)
  const create = async () => {
    const issued = await callers.createClient(client)
    const { clientSecret: _shownOnce, ...after } = issued
    return { replayed: false, before: undefined, after, issued }
  }
  if (!idempotencyKey) return create()
  const fingerprint = createHash('sha256').update(JSON.stringify(client)).digest('hex')
  const { clientId } = await creations.claim(idempotencyKey, fingerprint)
  if (clientId) {
    const rotation = await rotateClientSecret(clientId, { callers })
    return {
      replayed: true,
      before: rotation.before,
      after: rotation.after,
      issued: { ...rotation.after, ...rotation.issued },
    }
  }
  const created = await create().catch(async (error: unknown) => {
    await creations.release(idempotencyKey)
    throw error
  })
  await creations.complete(idempotencyKey, created.after.clientId)
  return created
}

/** `PATCH /admin/clients/{clientId}`: name and scopes, each kept when left out. */
export const updateClient = async (
  clientId: string,
  body: unknown,
  { callers }: Pick<CallerAdminDeps, 'callers'>,
): Promise<CallerChange<CallerClient>> => {
  const change = updateClientSchema.parse(body)
  const current = await callers.getClient(clientId)
  if (!current) throw new ClientNotFoundError(clientId)
  if (change.scopes) await requireScopes(change.scopes, callers)
  const after = {
    clientId,
    name: change.name ?? current.name,
    scopes: change.scopes ?? current.scopes,
  }
  const before = await callers.updateClient(clientId, after)
  if (!before) throw new ClientNotFoundError(clientId)
  return { before, after }
}

/** `POST /admin/clients/{clientId}/rotate-secret`: the new secret, shown this once. */
export const rotateClientSecret = async (
  clientId: string,
  { callers }: Pick<CallerAdminDeps, 'callers'>,
): Promise<{ before: CallerClient; after: CallerClient; issued: IssuedSecret }> => {
  const client = await callers.getClient(clientId)
  if (!client) throw new ClientNotFoundError(clientId)
  const issued = await callers.rotateSecret(clientId)
  if (!issued) throw new ClientNotFoundError(clientId)
  // The record is the same before and after: what changed is a secret, never recorded.
  return { before: client, after: client, issued }
}

/** `DELETE /admin/clients/{clientId}`: its credentials no longer get tokens. */
export const deleteClient = async (
  clientId: string,
  { callers }: Pick<CallerAdminDeps, 'callers'>,
): Promise<CallerChange<CallerClient>> => {
  const before = await callers.deleteClient(clientId)
  if (!before) throw new ClientNotFoundError(clientId)
  return { before, after: undefined }
}
