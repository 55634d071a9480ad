import { createHash } from 'node:crypto'
import { ZodError } from 'zod'
import { revocationPassed, type TokenRevocations } from '../auth/token-revocations.ts'
import { isAwsUnavailable } from '../aws-unavailable.ts'
import type { OneAtATime } from '../dynamo-lease.ts'
import {
  AdminScopeError,
  ClientDeleteUnfinishedError,
  ClientNotFoundError,
  errorAnswerOf,
  IdempotencyKeySpentError,
  ManagedClientError,
  RotationUnfinishedError,
  ScopeInUseError,
  ScopeNotFoundError,
  SwitchboardError,
  TokensNotRevokedError,
  UnknownScopeError,
} from '../errors.ts'
import type { AdminIdempotencyKey } from '../http/idempotency-key.ts'
import { decodeCursor, encodeCursor, unknownCursor } from '../http/page-cursor.ts'
import type { PermissionStore } from '../permissions/permission-store.ts'
import {
  type CallerClient,
  type CallerRegistry,
  clientsQuerySchema,
  createClientSchema,
  type IssuedSecret,
  isClientPageStart,
  type ScopeDefinition,
  type ShownClient,
  scopeBodySchema,
  UnknownPageStartError,
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
  /** The clients the Terraform stack owns (MANAGED_CLIENT_IDS): shown marked, never changed. */
  managedClientIds: readonly string[]
  /**
   * The only clients whose tokens the gateway accepts (ALLOWED_CLIENT_IDS, Terraform's
   * `restrict_client_ids`); every other is shown `tokensRefused`. Absent: every client's.
   */
  allowedClientIds?: readonly string[] | undefined
  /** Says what a failed creation could not undo (a client left working, a key not released). */
  logError: (message: string, details: Record<string, unknown>) => void
  /** When each client's tokens were last revoked: a delete, a scope taken away, or on request. */
  revocations: Pick<TokenRevocations, 'revoke'>
  /**
   * Keeps a scope's deletion apart from the writes that name scopes (`withDefinedScopes`), across
   * instances (a DynamoDB lease, `scopeUses`).
   */
  oneAtATime: OneAtATime
}

/** The lease a scope's deletion and every write naming scopes hold (`withDefinedScopes`). */
export const scopeUses = 'the scopes and what names them'

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

/**
 * Runs `write` (a permission or a client naming `scopes`) once the scopes are found defined, no
 * scope's deletion running between that check and the write: both hold the `scopeUses` lease, so
 * a deletion either finds the write's use (409) or the write finds the scope gone (422). Until
 * 6 December 2026 the two could cross, a red team's finding: the scope deleted, and a permission
 * or a client naming it written a moment after its check.
 *
 * @example
 * await withDefinedScopes([permission.scope], deps, () => permissions.put(permission))
 */
export const withDefinedScopes = <T>(
  scopes: readonly string[],
  { callers, oneAtATime }: Pick<CallerAdminDeps, 'callers' | 'oneAtATime'>,
  write: () => Promise<T>,
): Promise<T> =>
  oneAtATime(scopeUses, async () => {
    await requireScopes(scopes, callers)
    return write()
  })

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
 * `DELETE /admin/scopes/{scope}`: only a scope nothing uses; the admin scope never. The check
 * and the delete hold the `scopeUses` lease, as every write naming scopes does
 * (`withDefinedScopes`), so no permission or client takes the scope up between them.
 */
export const deleteScope = async (
  scope: string,
  {
    callers,
    permissions,
    adminScope,
    oneAtATime,
  }: Pick<CallerAdminDeps, 'callers' | 'permissions' | 'adminScope' | 'oneAtATime'>,
): Promise<CallerChange<ScopeDefinition>> => {
  if (scope === adminScope) throw new AdminScopeError(scope)
  return oneAtATime(scopeUses, () => deleteUnusedScope(scope, { callers, permissions }))
}

const deleteUnusedScope = async (
  scope: string,
  { callers, permissions }: Pick<CallerAdminDeps, 'callers' | 'permissions'>,
): Promise<CallerChange<ScopeDefinition>> => {
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

export type ShownDeps = Pick<CallerAdminDeps, 'managedClientIds' | 'allowedClientIds'>

/**
 * The client as the admin API shows it: marked when Terraform owns it, and when the gateway
 * refuses its tokens (a client made here while the stack accepts only the clients it lists).
 * The audit trail records the client itself, unmarked.
 */
export const shown = <C extends CallerClient>(
  client: C,
  { managedClientIds, allowedClientIds }: ShownDeps,
): C & ShownClient => ({
  ...client,
  ...(managedClientIds.includes(client.clientId) ? { managedBy: 'terraform' as const } : {}),
  ...(allowedClientIds && !allowedClientIds.includes(client.clientId)
    ? { tokensRefused: true as const }
    : {}),
})

/**
 * Refuses to change a client Terraform owns: the API would fight the next
 * apply, and could break the console's sign-in or lock operators out.
 */
const refuseManaged = (
  clientId: string,
  { managedClientIds }: Pick<CallerAdminDeps, 'managedClientIds'>,
) => {
  if (managedClientIds.includes(clientId)) throw new ManagedClientError(clientId)
}

/** The body of `GET /admin/clients`. */
export interface ClientsPage {
  clients: ShownClient[]
  /** Present while more clients may follow: pass it back for the next page. */
  cursor?: string
}

/**
 * `GET /admin/clients`: a page of the clients, those Terraform owns marked `managedBy:
 * "terraform"`. On Cognito a page is one ListUserPoolClients and its clients described, where
 * the whole pool, described in one request, was hundreds of calls against Cognito's request
 * rate and API Gateway's 29 s. A page needs no cut for its bytes: 60 clients of 50 scopes each
 * are well under 1 MB.
 *
 * @example
 * await listClients({ limit: '20' }, deps) // { clients: [...], cursor: 'ZmxlZXQ6YQ' }
 */
export const listClients = async (
  query: unknown,
  deps: Pick<CallerAdminDeps, 'callers'> & ShownDeps,
): Promise<ClientsPage> => {
  const { limit, cursor } = clientsQuerySchema.parse(query ?? {})
  const after = cursor === undefined ? undefined : decodeCursor(cursor, isClientPageStart)
  const { clients, next } = await deps.callers
    .listClientPage({ limit, after })
    .catch((error: unknown) => {
      if (!(error instanceof UnknownPageStartError)) throw error
      throw new ZodError([
        { code: 'custom', path: ['cursor'], message: unknownCursor, input: cursor },
      ])
    })
  const page = clients.map((client) => shown(client, deps))
  return next === undefined ? { clients: page } : { clients: page, cursor: encodeCursor(next) }
}

/** `GET /admin/clients/{clientId}`: the client, marked as in a listing. */
export const getClient = async (
  clientId: string,
  deps: Pick<CallerAdminDeps, 'callers'> & ShownDeps,
): Promise<ShownClient> => {
  const client = await deps.callers.getClient(clientId)
  if (!client) throw new ClientNotFoundError(clientId)
  return shown(client, deps)
}

/**
 * Runs a clean-up after a failure without letting its own failure replace the
 * one being answered: a failed clean-up is logged as `left`, with the details.
 */
const cleanUp = async (
  step: () => Promise<unknown>,
  left: string,
  details: Record<string, unknown>,
  { logError }: Pick<CallerAdminDeps, 'logError'>,
) => {
  try {
    await step()
  } catch (error) {
    logError(left, { ...details, error })
  }
}

/**
 * `POST /admin/clients`: the client and its secret, shown this once. With an `Idempotency-Key`
 * (claimed as the admin's own, `ofAdmin`, so another admin's same key makes a client of their
 * own; named as sent), a retry makes no second client: it answers the client the key made, with
 * a new secret (`replayed`), since the first answer's secret is kept nowhere and cannot be shown
 * again; the secret that answer held stops working, as with a rotation. A creation that fails
 * leaves no client working (one made before the key could be marked is deleted again) and the key
 * released, so a retry creates afresh; what cannot be undone is logged.
 */
export const createClient = async (
  body: unknown,
  deps: Pick<CallerAdminDeps, 'callers' | 'creations' | 'logError' | 'oneAtATime'> & ShownDeps,
  idempotency?: AdminIdempotencyKey,
): Promise<{
  replayed: boolean
  before: CallerClient | undefined
  after: CallerClient
  issued: ShownClient & IssuedSecret
}> => {
  const { callers, creations } = deps
  const client = createClientSchema.parse(body)
  await requireScopes(client.scopes, callers)
  const create = async () => {
    const issued = await withDefinedScopes(client.scopes, deps, () => callers.createClient(client))
    const { clientSecret: _shownOnce, ...after } = issued
    return { replayed: false, before: undefined, after, issued: shown(issued, deps) }
  }
  if (!idempotency) return create()
  const { key: idempotencyKey, ofAdmin } = idempotency
  const fingerprint = createHash('sha256').update(JSON.stringify(client)).digest('hex')
  const { clientId } = await creations.claim(ofAdmin, fingerprint)
  if (clientId) {
    const rotation = await rotateClientSecret(clientId, deps).catch((error: unknown) => {
      if (error instanceof ClientNotFoundError) {
        throw new IdempotencyKeySpentError(idempotencyKey, clientId)
      }
      throw error
    })
    return {
      replayed: true,
      before: rotation.before,
      after: rotation.after,
      issued: shown({ ...rotation.after, ...rotation.issued }, deps),
    }
  }
  const release = () =>
    cleanUp(
      () => creations.release(ofAdmin),
      'Idempotency-Key not released after a failed client creation; a retry with it is refused until its claim lapses (a minute, an hour if marked): retry with a new key',
      { idempotencyKey },
      deps,
    )
  const created = await create().catch(async (error: unknown) => {
    await release()
    throw error
  })
  try {
    await creations.complete(ofAdmin, created.after.clientId)
  } catch (error) {
    // Unmarked, the client would keep a working secret nobody was shown, and a
    // retry would make a second one: it is deleted, the key given up.
    const { clientId } = created.after
    await cleanUp(
      () => callers.deleteClient(clientId),
      'client made by a failed creation is left working with a secret nobody was shown; delete it by hand',
      { clientId, idempotencyKey },
      deps,
    )
    await release()
    throw error
  }
  return created
}

/**
 * `PATCH /admin/clients/{clientId}`: name and scopes, each kept when left out. A scope taken away
 * also revokes the tokens the client was issued until then, which carry it: revoked only once
 * the change is made, so no token issued before it survives; if the revocation fails, the change
 * stays and TokensNotRevokedError (503) says how to finish it.
 */
export const updateClient = async (
  clientId: string,
  body: unknown,
  deps: Pick<CallerAdminDeps, 'callers' | 'managedClientIds' | 'revocations' | 'oneAtATime'>,
): Promise<CallerChange<CallerClient>> => {
  const { callers } = deps
  const change = updateClientSchema.parse(body)
  refuseManaged(clientId, deps)
  // Merged by the registry with the client as it reads it: a change made meanwhile is kept.
  const update = () => callers.updateClient(clientId, change)
  const changed = change.scopes
    ? await withDefinedScopes(change.scopes, deps, update)
    : await update()
  if (!changed) throw new ClientNotFoundError(clientId)
  const { before, after } = changed
  const kept = new Set(after.scopes)
  if (before.scopes.some((scope) => !kept.has(scope))) {
    const issuedBefore = await deps.revocations.revoke(clientId).catch((error: unknown) => {
      throw Object.assign(new TokensNotRevokedError(clientId, 'changed', { cause: error }), {
        made: changed,
      })
    })
    await revocationPassed(issuedBefore)
  }
  return changed
}

/**
 * `POST /admin/clients/{clientId}/revoke-tokens`: every token the client was issued until now is
 * refused from a second later (each handler reads revocations at most once a second); a token it
 * gets once this has answered works (the answer waits for the revocation's second to begin). Its
 * credentials are unchanged, so a Terraform-owned client may be revoked too (revoking the
 * console's signs every operator out).
 */
export const revokeClientTokens = async (
  clientId: string,
  deps: Pick<CallerAdminDeps, 'callers' | 'revocations'>,
): Promise<{ before: CallerClient; after: CallerClient; issuedBefore: number }> => {
  const client = await deps.callers.getClient(clientId)
  if (!client) throw new ClientNotFoundError(clientId)
  const issuedBefore = await deps.revocations.revoke(clientId)
  await revocationPassed(issuedBefore)
  // The client is the same before and after: what changed is which of its tokens work.
  return { before: client, after: client, issuedBefore }
}

/** `POST /admin/clients/{clientId}/rotate-secret`: the new secret, shown this once. */
export const rotateClientSecret = async (
  clientId: string,
  deps: Pick<CallerAdminDeps, 'callers' | 'managedClientIds'>,
): Promise<{ before: CallerClient; after: CallerClient; issued: IssuedSecret }> => {
  const { callers } = deps
  refuseManaged(clientId, deps)
  const client = await callers.getClient(clientId)
  if (!client) throw new ClientNotFoundError(clientId)
  const issued = await callers.rotateSecret(clientId).catch((error: unknown) => {
    // A secret no one was shown may be held: the trail keeps the rotation, as far as it got.
    if (error instanceof RotationUnfinishedError && error.held !== 'old') {
      error.made = { before: client, after: client }
    }
    throw error
  })
  if (!issued) throw new ClientNotFoundError(clientId)
  // The record is the same before and after: what changed is a secret, never recorded.
  return { before: client, after: client, issued }
}

/** Whether a failure passes, so that a retry may succeed: the identity provider busy or down. */
const passes = (error: unknown) =>
  isAwsUnavailable(error) ||
  (error instanceof SwitchboardError && errorAnswerOf(error).status === 503)

/**
 * `DELETE /admin/clients/{clientId}`: its credentials no longer get tokens, and the tokens they
 * got are refused. Revoked before the delete, so a delete that fails leaves the client working
 * (its old tokens refused, new ones good; ClientDeleteUnfinishedError when the failure passes,
 * audited as the revocation it made) and a retry finishes it, and again after it, for a
 * token issued while the delete ran (a revocation refuses tokens to the second after it). A
 * revocation of an id that is no client (a 404) lapses with its item (`longestSettingSeconds`).
 */
export const deleteClient = async (
  clientId: string,
  deps: Pick<CallerAdminDeps, 'callers' | 'managedClientIds' | 'revocations'>,
): Promise<CallerChange<CallerClient>> => {
  refuseManaged(clientId, deps)
  const issuedBefore = await deps.revocations.revoke(clientId)
  const before = await deps.callers.deleteClient(clientId).catch((error: unknown) => {
    // A failure a retry may not mend (a refused permission, a bad request) is said as it is.
    if (!passes(error)) throw error
    // The revocation stays, so the trail keeps it, as a revoke-tokens would have.
    throw Object.assign(new ClientDeleteUnfinishedError(clientId, { cause: error }), {
      made: {
        action: 'client.revoke-tokens',
        before: null,
        after: { clientId, tokensIssuedBefore: new Date(issuedBefore * 1000).toISOString() },
      },
    })
  })
  if (!before) throw new ClientNotFoundError(clientId)
  const deleted = { before, after: undefined }
  await deps.revocations.revoke(clientId).catch((error: unknown) => {
    throw Object.assign(new TokensNotRevokedError(clientId, 'deleted', { cause: error }), {
      made: deleted,
    })
  })
  return deleted
}
