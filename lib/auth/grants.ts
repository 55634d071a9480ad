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

const knownOperations: ReadonlySet<string> = new Set(operationNames)

/**
 * An operation this version does not know is dropped, not refused: only a later release's
 * authorizer writes one, and API Gateway hands its cached answer to this release's handlers for
 * up to its TTL during a deploy or after a rollback, where refusing the context refused every call
 * of the token (403). Such an operation grants nothing here; the agent's other operations stand.
 */
const grantsSchema = z.record(
  z.string(),
  z.union([
    z.literal('*'),
    z
      .array(z.string())
      .transform((names) =>
        names.filter((name): name is OperationName => knownOperations.has(name)),
      ),
  ]),
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
 * The requests per minute a caller may make, as few keys as say it (the authorizer's context
 * carries them on every call):
 * - `weather`: the most generous of its scopes granting the agent anything, which a reader that
 *   knows no operation (the middleware kit's consumers, `caller.limits[agentId]`) takes;
 * - `weather *`: what its scopes granting every operation there offer, when less than that;
 * - `weather GetTask`: an operation's own, when it differs from what the keys above give it.
 * A call's own limit is `limitFor`'s.
 */
export type Limits = Record<string, number>

/** Agent ids hold no space: `weather *`, `weather GetTask`. */
const keyFor = (agentId: string, operation: OperationName | '*') => `${agentId} ${operation}`

const most = (offers: (number | undefined)[]) => {
  const defined = offers.filter((offer): offer is number => offer !== undefined)
  return defined.length > 0 ? Math.max(...defined) : undefined
}

/**
 * The caller's limits (`Limits`): for each call, the most generous among its scopes that grant
 * that call (the agent and the operation), each scope offering its per-agent override, else its
 * own limit, else the configured default. So a scope granting only reads lifts no limit but the
 * reads'.
 *
 * @example
 * limitsFromPermissions([{ scope: 's', agents: ['weather'], agentLimits: { weather: 120 } }], 60)
 * // { weather: 120 }
 */
export const limitsFromPermissions = (
  permissions: readonly Permission[],
  defaultLimit: number,
): Limits => {
  /** Per agent: its scopes' offers for every operation, and for each operation of their own. */
  type Offers = { every?: number; own: Map<OperationName, number> }
  const offers = new Map<string, Offers>()
  for (const permission of permissions) {
    for (const agentId of permission.agents) {
      const offered =
        own(permission.agentLimits ?? {}, agentId) ?? permission.requestsPerMinute ?? defaultLimit
      const agent: Offers = offers.get(agentId) ?? { own: new Map() }
      offers.set(agentId, agent)
      if (!permission.operations) agent.every = Math.max(agent.every ?? 0, offered)
      for (const operation of permission.operations ?? []) {
        agent.own.set(operation, Math.max(agent.own.get(operation) ?? 0, offered))
      }
    }
  }
  const limits: Limits = {}
  for (const [agentId, { every, own: byOperation }] of offers) {
    const anything = most([every, ...byOperation.values()]) as number
    limits[agentId] = anything
    if (every !== undefined && every < anything) limits[keyFor(agentId, '*')] = every
    // What limitFor reads for an operation with no key of its own.
    const unkeyed = every ?? anything
    for (const [operation, offered] of byOperation) {
      const limit = Math.max(offered, every ?? 0)
      if (limit !== unkeyed) limits[keyFor(agentId, operation)] = limit
    }
  }
  return limits
}

/**
 * A call's limit: the most generous its scopes granting `operation` on the agent offer (for an
 * operation no scope grants, which the grant check refuses first, the agent's most generous).
 *
 * @example
 * const limit = limitFor(context.caller.limits, call.agentId, call.operation) ?? 60
 */
export const limitFor = (
  limits: Limits,
  agentId: string,
  operation: OperationName,
): number | undefined =>
  own(limits, keyFor(agentId, operation)) ??
  own(limits, keyFor(agentId, '*')) ??
  own(limits, agentId)

/**
 * The most generous limit for any of `operations` on any agent whose grant includes it (what
 * `/route` may send); none when no grant does.
 */
export const mostGenerousLimit = (
  { grants, limits }: { grants: Grants; limits: Limits },
  operations: readonly OperationName[],
): number | undefined =>
  most(
    Object.keys(grants).flatMap((agentId) =>
      operations
        .filter((operation) => mayInvoke(grants, agentId, operation))
        .map((operation) => limitFor(limits, agentId, operation)),
    ),
  )

const limitsSchema = z.record(z.string(), z.number().int().positive())

export const encodeLimits = (limits: Limits): string => JSON.stringify(limits)

export const decodeLimits = (encoded: string): Limits => limitsSchema.parse(JSON.parse(encoded))
