import * as z from 'zod'
import { type OperationName, operationNames } from '../a2a/operations.ts'
import type { Permission } from '../permissions/permission.ts'

/** Per agent, the operations a caller may use: `'*'` = all of them. */
export type Grants = Record<string, '*' | OperationName[]>

/**
 * A record's own entry for an agent: `constructor` is a valid agentId, and a
 * plain object would answer it with Object.prototype's.
 */
const own = <T>(record: Record<string, T>, agentId: string): T | undefined =>
  Object.hasOwn(record, agentId) ? record[agentId] : undefined

/**
 * A caller's grants: the union, per agent, of what each of its scopes allows.
 *
 * @example
 * grantsFromPermissions([{ scope: 'w', agents: ['weather'], operations: ['GetTask'] }])
 * // { weather: ['GetTask'] }
 */
export const grantsFromPermissions = (permissions: readonly Permission[]): Grants => {
  const grants: Grants = {}
  for (const permission of permissions) {
    for (const agentId of permission.agents) {
      const held = own(grants, agentId)
      if (held === '*' || !permission.operations) {
        grants[agentId] = '*'
        continue
      }
      const union = new Set([...(held ?? []), ...permission.operations])
      grants[agentId] = operationNames.filter((name) => union.has(name))
    }
  }
  return grants
}

export const mayInvoke = (grants: Grants, agentId: string, operation?: OperationName): boolean => {
  const held = own(grants, agentId)
  if (!held) return false
  return operation === undefined || held === '*' || held.includes(operation)
}

const grantsSchema = z.record(
  z.string(),
  z.union([z.literal('*'), z.array(z.enum(operationNames))]),
)

/**
 * The agents on which a caller reads every caller's tasks: those named by a
 * permission with `taskAccess: "all"`.
 *
 * @example
 * allTasksAgents([{ scope: 'tasks:read', agents: ['weather'], taskAccess: 'all' }]) // ['weather']
 */
export const allTasksAgents = (permissions: readonly Permission[]): string[] => [
  ...new Set(
    permissions
      .filter((permission) => permission.taskAccess === 'all')
      .flatMap((permission) => permission.agents),
  ),
]

/** Authorizer context values must be flat strings; grants travel as JSON. */
export const encodeGrants = (grants: Grants): string => JSON.stringify(grants)

export const decodeGrants = (encoded: string): Grants => grantsSchema.parse(JSON.parse(encoded))

/**
 * The requests per minute a caller may make, under three kinds of key:
 * - `weather`: the most generous of its scopes granting the agent anything (a reader that knows
 *   no operation, as the middleware kit's consumers read `caller.limits[agentId]`);
 * - `weather *`: what its scopes granting every operation there offer;
 * - `weather GetTask`: what a scope granting only some operations offers for those.
 * A call's own limit is `limitFor`'s.
 */
export type Limits = Record<string, number>

/** Agent ids hold no space: `weather *`, `weather GetTask`. */
const everyOperation = '*'
const keyFor = (agentId: string, operation: OperationName | typeof everyOperation) =>
  `${agentId} ${operation}`

const raise = (limits: Limits, key: string, offered: number) => {
  limits[key] = Math.max(own(limits, key) ?? 0, offered)
}

/**
 * The caller's limits (`Limits`): for each call, the most generous among its scopes that grant
 * that call (the agent and the operation), each scope offering its per-agent override, else its
 * own limit, else the configured default. So a scope granting only reads lifts no limit but the
 * reads'.
 *
 * @example
 * limitsFromPermissions([{ scope: 's', agents: ['weather'], agentLimits: { weather: 120 } }], 60)
 * // { weather: 120, 'weather *': 120 }
 */
export const limitsFromPermissions = (
  permissions: readonly Permission[],
  defaultLimit: number,
): Limits => {
  const limits: Limits = {}
  for (const permission of permissions) {
    for (const agentId of permission.agents) {
      const offered =
        own(permission.agentLimits ?? {}, agentId) ?? permission.requestsPerMinute ?? defaultLimit
      raise(limits, agentId, offered)
      for (const operation of permission.operations ?? [everyOperation]) {
        raise(limits, keyFor(agentId, operation), offered)
      }
    }
  }
  return limits
}

const mostOf = (offers: (number | undefined)[]) => {
  const defined = offers.filter((offer): offer is number => offer !== undefined)
  return defined.length > 0 ? Math.max(...defined) : undefined
}

/**
 * A call's limit: the most generous its scopes granting `operation` on the agent offer; for
 * limits kept before operations had limits of their own (an authorizer's cached answer), the
 * agent's.
 *
 * @example
 * const limit = limitFor(context.caller.limits, call.agentId, call.operation) ?? 60
 */
export const limitFor = (
  limits: Limits,
  agentId: string,
  operation: OperationName,
): number | undefined =>
  mostOf([own(limits, keyFor(agentId, everyOperation)), own(limits, keyFor(agentId, operation))]) ??
  own(limits, agentId)

/**
 * The most generous limit on any agent for any of `operations` (what `/route` may send); none
 * when no scope grants one of them.
 */
export const mostGenerousLimit = (
  limits: Limits,
  operations: readonly OperationName[],
): number | undefined => {
  const keyed = new Set<string>()
  const offers: number[] = []
  for (const [key, limit] of Object.entries(limits)) {
    const [agentId = '', operation] = key.split(' ')
    if (operation === undefined) continue
    keyed.add(agentId)
    if (operation === everyOperation || (operations as readonly string[]).includes(operation)) {
      offers.push(limit)
    }
  }
  // Limits kept before operations had limits of their own are the agent's, for any operation.
  for (const [key, limit] of Object.entries(limits)) {
    if (!key.includes(' ') && !keyed.has(key)) offers.push(limit)
  }
  return offers.length > 0 ? Math.max(...offers) : undefined
}

const limitsSchema = z.record(z.string(), z.number().int().positive())

export const encodeLimits = (limits: Limits): string => JSON.stringify(limits)

export const decodeLimits = (encoded: string): Limits => limitsSchema.parse(JSON.parse(encoded))
