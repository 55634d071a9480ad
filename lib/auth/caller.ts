import * as z from 'zod'
import type { Permission } from '../permissions/permission.ts'
import type { VerifiedCaller } from './bearer.ts'
import {
  allTasksAgents,
  decodeGrants,
  decodeLimits,
  encodeGrants,
  encodeLimits,
  type Grants,
  grantsFromPermissions,
  type Limits,
  limitsFromPermissions,
} from './grants.ts'

/**
 * Who is calling and what it holds: the one "who is calling" contract of the
 * middleware kit, always at `context.caller` (`callerKey`). Written by exactly
 * one of `verifiedCaller` (from the gateway authorizer's context) or
 * `jwtAuth` + `permissionLookup` (in any Lambda); read by `agentGrant`,
 * `rateLimit`'s subject, `taskOwnership` and `routeMessage`.
 */
export interface Caller {
  principal: string
  clientId: string
  scopes: string[]
  grants: Grants
  /**
   * Requests per minute: a call's with `limitFor(limits, agentId, operation)`; `limits[agentId]`
   * is the agent's most generous for any operation.
   */
  limits: Limits
  /** Agents on which it reads every caller's tasks (`taskAccess: "all"`), not only its own. */
  allTasksOn: string[]
  isAdmin: boolean
  /** When the authorizer made this decision (ms since the epoch): older than an agent's registration, it grants nothing there. */
  authorizedAt: number
  /** The token's `exp` (seconds since the epoch): API Gateway may serve the cached decision past it. */
  expiresAt: number
  /**
   * When the token's holder authenticated (seconds since the epoch): its `auth_time` where
   * earlier, else its `iat`; 0 when it has neither. A revocation refuses tokens issued before it.
   */
  issuedAt: number
}

/** The request-context key every middleware reads the caller from. */
export const callerKey = 'caller'

export interface CallerSettings {
  adminScope: string
  /** Requests per minute where no permission sets a limit. */
  defaultRateLimit: number
  /** When the decision was made (ms since the epoch), taken before the permissions were read. */
  authorizedAt: number
}

/**
 * The caller a verified token and its scopes' permissions make: grants, limits
 * and task access settled by the union rules of ./grants.ts. The one place the
 * authorizer and `permissionLookup` both build a `Caller`.
 *
 * @example
 * const caller = callerFrom(verified, await store.forScopes(verified.scopes), settings)
 */
export const callerFrom = (
  verified: VerifiedCaller,
  permissions: readonly Permission[],
  settings: CallerSettings,
): Caller => ({
  principal: verified.principal,
  clientId: verified.clientId,
  scopes: verified.scopes,
  expiresAt: verified.expiresAt,
  issuedAt: verified.issuedAt,
  grants: grantsFromPermissions(permissions),
  limits: limitsFromPermissions(permissions, settings.defaultRateLimit),
  allTasksOn: allTasksAgents(permissions),
  isAdmin: verified.scopes.includes(settings.adminScope),
  authorizedAt: settings.authorizedAt,
})

/** At most this many agents are named in a refusal; the rest are counted. */
const namedAgents = 20

/**
 * The caller's agents for a person to read in a 403 (`$context.authorizer.agents`
 * in lib/gateway-responses.ts): agent ids only, so safe inside a JSON string.
 */
export const grantedAgentsText = (grants: Grants): string => {
  const agentIds = Object.keys(grants).sort()
  if (agentIds.length === 0) return 'none'
  const named = agentIds.slice(0, namedAgents).join(', ')
  const more = agentIds.length - namedAgents
  return more > 0 ? `${named} and ${more} more` : named
}

/** API Gateway passes authorizer context values on as strings only. */
export const toAuthorizerContext = (caller: Caller): Record<string, string> => ({
  principal: caller.principal,
  clientId: caller.clientId,
  scopes: caller.scopes.join(' '),
  grants: encodeGrants(caller.grants),
  limits: encodeLimits(caller.limits),
  allTasksOn: JSON.stringify(caller.allTasksOn),
  admin: String(caller.isAdmin),
  authorizedAt: String(caller.authorizedAt),
  exp: String(caller.expiresAt),
  iat: String(caller.issuedAt),
  agents: grantedAgentsText(caller.grants),
})

const contextSchema = z.object({
  principal: z.string().min(1),
  clientId: z.string().min(1),
  scopes: z.string(),
  grants: z.string().min(2),
  limits: z.string().min(2),
  // Absent from a context cached before the field existed: own tasks only.
  allTasksOn: z.string().default('[]'),
  admin: z.enum(['true', 'false']),
  // Both absent from a context an authorizer before 4 December 2026 cached (`earlierDecision`).
  authorizedAt: z.coerce.number().int().nonnegative().optional(),
  exp: z.coerce.number().int().positive().optional(),
  // Absent from a context cached before the field existed: as a token without `iat`.
  iat: z.coerce.number().int().nonnegative().default(0),
})

/**
 * The longest API Gateway serves a cached authorizer answer (`AUTHORIZER_CACHE_TTL_SECONDS`'s
 * most, lib/config.ts; Terraform's `authorizer_result_ttl`).
 */
export const longestCachedAnswerSeconds = 3600

/**
 * The bounds a context without `authorizedAt` and `exp` keeps to: an authorizer before
 * 4 December 2026 wrote neither, and API Gateway hands such an answer to the new handlers for up
 * to its TTL after a deploy (refused whole, each of its tokens met 403 for those minutes). Its
 * decision was made at most the longest TTL before any read of it, so its grants hold on no agent
 * registered since then. Its token's `exp` is not known here: taken as an hour past the read, it
 * is served as long as API Gateway serves it, as every answer was before 4 December 2026.
 */
const earlierDecision = (now: number) => ({
  authorizedAt: now - longestCachedAnswerSeconds * 1000,
  expiresAt: Math.floor(now / 1000) + longestCachedAnswerSeconds,
})

/** Whether the context says when it was decided and until when (every release since 4 December 2026's). */
const isDated = (context: unknown) => {
  const { authorizedAt, exp } = context as Record<string, unknown>
  return authorizedAt !== undefined && exp !== undefined
}

const decodeCaller = (context: unknown): Caller => {
  const fields = contextSchema.parse(context)
  const earlier = earlierDecision(Date.now())
  return {
    principal: fields.principal,
    clientId: fields.clientId,
    scopes: fields.scopes.split(' ').filter(Boolean),
    grants: decodeGrants(fields.grants),
    limits: decodeLimits(fields.limits),
    allTasksOn: z.array(z.string()).parse(JSON.parse(fields.allTasksOn)),
    isAdmin: fields.admin === 'true',
    authorizedAt: fields.authorizedAt ?? earlier.authorizedAt,
    expiresAt: fields.exp ?? earlier.expiresAt,
    issuedAt: fields.iat,
  }
}

const contextFields = Object.keys(contextSchema.shape)
/** Callers decoded lately, by their context's text, oldest first. */
const decodedCallers = new Map<string, Caller>()
const decodedCallersMax = 1000
/**
 * The most context text kept decoded, in characters (each held about twice over: the key and
 * the caller read from it). A context grows with its grants: one granted 2,000 agents is some
 * 320 KB, and every re-authorization of a token (each 300 s) is a new context, so a count alone
 * let 1,000 of them hold 770 MB of a warm instance, more than a 512 MB function has.
 */
export const decodedCallersMaxCharacters = 4 * 1024 * 1024
let decodedCharacters = 0

/** The context's fields as one key, or undefined when one is not a string (decoded, never cached). */
const contextKey = (context: unknown): string | undefined => {
  if (typeof context !== 'object' || context === null) return undefined
  const values: (string | undefined)[] = []
  for (const field of contextFields) {
    const value = (context as Record<string, unknown>)[field]
    if (value !== undefined && typeof value !== 'string') return undefined
    values.push(value)
  }
  return JSON.stringify(values)
}

/**
 * Reads the caller back from `requestContext.authorizer`; throws if it is not
 * there. API Gateway hands every call of a token the same cached context, so a
 * context decoded lately is not parsed again: the same text gives the same
 * caller (frozen, as it is shared).
 */
export const fromAuthorizerContext = (context: unknown): Caller => {
  const key = contextKey(context)
  const known = key === undefined ? undefined : decodedCallers.get(key)
  if (known) return known
  const caller = decodeCaller(context)
  // One larger than the whole bound is decoded on every call, never kept. So is one without
  // `authorizedAt` or `exp` (`earlierDecision`): its bounds are the read's, not its text's, and
  // an authorizer not yet replaced writes that text again for each new token of the client.
  if (key === undefined || key.length > decodedCallersMaxCharacters || !isDated(context))
    return caller
  // The oldest go first, until this one fits both bounds.
  for (const [oldest] of decodedCallers) {
    if (
      decodedCallers.size < decodedCallersMax &&
      decodedCharacters + key.length <= decodedCallersMaxCharacters
    )
      break
    decodedCallers.delete(oldest)
    decodedCharacters -= oldest.length
  }
  Object.freeze(caller.scopes)
  for (const operations of Object.values(caller.grants)) Object.freeze(operations)
  Object.freeze(caller.grants)
  Object.freeze(caller.limits)
  Object.freeze(caller.allTasksOn)
  decodedCallers.set(key, Object.freeze(caller))
  decodedCharacters += key.length
  return caller
}
