import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { batchGetItems } from '../batch-get.ts'
import { boundedCache } from '../bounded-cache.ts'
import type { GatewayConfig } from '../config.ts'
import { type IfMatch, ifMatchPasses } from '../http/preconditions.ts'
import { checkOptions, optionRules } from '../options.ts'
import { tableName, tables } from '../tables.ts'
import {
  grantingPermissionSchema,
  type Permission,
  permissionSchema,
  type StoredPermission,
  storedPermissionSchema,
} from './permission.ts'
import {
  newPermissionVersion,
  permissionETag,
  permissionExistsAlready,
  permissionPreconditionFailed,
} from './permission-etag.ts'

/**
 * The most list entries one write of removeAgent takes out (an agent a PUT named that often is
 * taken out by several): DynamoDB refuses a condition expression longer than 4 KB.
 */
const maxRemovedAtOnce = 100

/** Whether the permission grants the agent anything: in its `agents`, or a limit of its own. */
const grantsTo = ({ agents, agentLimits }: StoredPermission, agentId: string): boolean =>
  agents.includes(agentId) || Object.hasOwn(agentLimits ?? {}, agentId)

export interface PermissionStore {
  /** The permissions of every scope given that has one. */
  forScopes(scopes: readonly string[]): Promise<Permission[]>
  /** Creates or replaces the permission of a scope; returns the one replaced. */
  put(permission: Permission): Promise<StoredPermission | undefined>
  /**
   * Creates or replaces the permission of a scope, with `ifMatch` only if it is still at a
   * version that names, with `createOnly` only if it has none (else a PreconditionFailedError,
   * nothing written); returns the one replaced and the one written, with its new `version`.
   */
  write(
    permission: Permission,
    ifMatch?: IfMatch,
    createOnly?: boolean,
  ): Promise<{ before: StoredPermission | undefined; after: StoredPermission }>
  /** One scope's permission as it stands now (a consistent read), or undefined if it has none. */
  get(scope: string): Promise<StoredPermission | undefined>
  list(): Promise<StoredPermission[]>
  /**
   * Up to `limit` permissions in the table's own order (one Scan page), after the scope `after`
   * names; `last` names where the scan stopped while more may follow.
   */
  listPage(
    limit: number,
    after?: string,
  ): Promise<{ permissions: StoredPermission[]; last?: string }>
  /**
   * Removes a scope's permission, with `ifMatch` only at a version that names (else a
   * PreconditionFailedError); returns it, or undefined if there was none.
   */
  delete(scope: string, ifMatch?: IfMatch): Promise<StoredPermission | undefined>
  /**
   * Takes an agent out of every permission that names it (its `agents` and
   * `agentLimits`); a permission left with no agent is removed. A permission
   * written meanwhile is kept, the agent taken out of it. Returns the permissions
   * it changed, each as it was just before.
   */
  removeAgent(agentId: string): Promise<StoredPermission[]>
}

export class DynamoPermissionStore implements PermissionStore {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #warn: ((message: string, details: Record<string, unknown>) => void) | undefined

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    options: {
      /** Told of each permission `forScopes` cannot read, and so takes as granting nothing. */
      warn?: (message: string, details: Record<string, unknown>) => void
    } = {},
  ) {
    // Its arguments, named as such: `tableName must be a non-empty string`.
    checkOptions(
      'DynamoPermissionStore',
      { client, tableName, warn: options.warn },
      {
        client: optionRules.methods('send'),
        tableName: optionRules.text(),
        warn: optionRules.function().optional(),
      },
      '',
    )
    this.#client = client
    this.#tableName = tableName
    this.#warn = options.warn
  }

  /**
   * The scopes' permissions as they stand (a consistent read): the authorizer's answer built from
   * them is cached per token for 300 s, and permissionLookup's for under a second, so a read that
   * could answer a permission as it was before a change would carry a revoked grant past both.
   *
   * A permission this version cannot read (an attribute it does not know, written by a later
   * version; a field out of shape) grants nothing and is reported to `warn`: what it would
   * grant is not known here, and the caller's other scopes still grant. Thrown, it failed the
   * whole token (the authorizer's 500 on every route) for every holder of the scope.
   */
  async forScopes(scopes: readonly string[]): Promise<Permission[]> {
    const keys = [...new Set(scopes)].map((scope) => ({ [tables.permissions.partitionKey]: scope }))
    const items = await batchGetItems(this.#client, this.#tableName, keys, {
      lookup: 'permissions lookup',
      consistentRead: true,
    })
    return this.#granting(items, scopes)
  }

  /**
   * The items that grant, as `grantingPermissionSchema` reads them, in the order of `scopes` (a
   * BatchGetItem answers in no order, and a caller's grants, limits and policy should not change
   * with it); each it cannot read told to `warn`.
   */
  #granting(items: Record<string, unknown>[], scopes: readonly string[]): Permission[] {
    const rank = new Map(scopes.map((scope, index) => [scope, index]))
    const rankOf = (item: Record<string, unknown>) =>
      rank.get(item[tables.permissions.partitionKey] as string) ?? scopes.length
    return items
      .toSorted((a, b) => rankOf(a) - rankOf(b))
      .flatMap((item) => {
        const read = grantingPermissionSchema.safeParse(item)
        if (read.success) return [read.data]
        this.#warn?.('permission unreadable by this version: it grants nothing here', {
          scope: item[tables.permissions.partitionKey],
          problems: read.error.issues.map(({ path, message }) => `${path.join('.')}: ${message}`),
        })
        return []
      })
  }

  /**
   * The scopes' permissions as they stand (a consistent read: a change is seen once written),
   * with only what grants (`scope`, `agents`, `operations`): what a push config's setting is
   * checked against, every second, where a permission may hold 2,000 agents' limits too. One
   * this version cannot read (an operation a later version knows) grants nothing, as in
   * `forScopes`: its ZodError failed the push callback's and delivery's check instead.
   */
  async grantsForScopes(scopes: readonly string[]): Promise<Permission[]> {
    const keys = [...new Set(scopes)].map((scope) => ({ [tables.permissions.partitionKey]: scope }))
    const items = await batchGetItems(this.#client, this.#tableName, keys, {
      lookup: 'permissions lookup',
      consistentRead: true,
      attributes: ['scope', 'agents', 'operations'],
    })
    return this.#granting(items, scopes)
  }

  async put(permission: Permission): Promise<StoredPermission | undefined> {
    return (await this.write(permission)).before
  }

  /**
   * Every write of a permission stores a new `version` (its ETag's), so a tag read before any
   * change of it names no version after. With `ifMatch`, the permission is read, the tag checked
   * (a 412 naming the tag now, nothing written), and the write made conditional on the very
   * version read: a change landing between the two refuses it too.
   */
  async write(
    permission: Permission,
    ifMatch?: IfMatch,
    createOnly = false,
  ): Promise<{ before: StoredPermission | undefined; after: StoredPermission }> {
    const after = { ...permissionSchema.parse(permission), version: newPermissionVersion() }
    const condition = createOnly
      ? {
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': tables.permissions.partitionKey },
        }
      : ifMatch && (await this.#unchanged(permission.scope, ifMatch))
    const { Attributes } = await this.#conditionally(
      permission.scope,
      condition,
      () =>
        this.#client.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: after,
            ReturnValues: 'ALL_OLD',
            ...condition,
          }),
        ),
      createOnly,
    )
    return { before: Attributes ? storedPermissionSchema.parse(Attributes) : undefined, after }
  }

  /**
   * The condition that the scope's permission is still as read now, if `ifMatch` passes it
   * (else a PreconditionFailedError naming its tag now): `If-Match: *` asks only that it exist;
   * a tag, that it be at the version read. One written before `version` was (or by the release
   * before this one, which removes it) is pinned as far as a condition can: still without a
   * version and with as many agents (dynalite compares no lists). Its tag is checked on its
   * whole content as read, so only a change that release makes between this read and the write
   * slips by, during a deploy or after a rollback (docs/architecture.md).
   */
  async #unchanged(scope: string, ifMatch: IfMatch) {
    const current = await this.get(scope)
    if (!current || !ifMatchPasses(ifMatch, permissionETag(current))) {
      throw permissionPreconditionFailed(scope, current, ifMatch)
    }
    const names = { '#pk': tables.permissions.partitionKey }
    if ('any' in ifMatch) {
      return { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: names }
    }
    const versioned = typeof current.version === 'number'
    return {
      ConditionExpression: versioned
        ? '#version = :version'
        : 'attribute_exists(#pk) AND attribute_not_exists(#version) AND size(#agents) = :count',
      ExpressionAttributeNames: {
        ...(versioned ? {} : names),
        '#version': 'version',
        ...(versioned ? {} : { '#agents': 'agents' }),
      },
      ExpressionAttributeValues: versioned
        ? { ':version': current.version }
        : { ':count': current.agents.length },
    }
  }

  /** The write, a ConditionalCheckFailedException of `condition` a 412 naming the tag now. */
  async #conditionally<Result>(
    scope: string,
    condition: object | undefined,
    write: () => Promise<Result>,
    createOnly = false,
  ): Promise<Result> {
    try {
      return await write()
    } catch (error) {
      if (!condition || !(error instanceof ConditionalCheckFailedException)) throw error
      const current = await this.get(scope)
      throw createOnly && current
        ? permissionExistsAlready(scope, current)
        : permissionPreconditionFailed(scope, current)
    }
  }

  async list(): Promise<StoredPermission[]> {
    const found: StoredPermission[] = []
    // Consistent: removeAgent must see a permission written a moment before, or leave its grant.
    for await (const page of paginateScan(
      { client: this.#client },
      { TableName: this.#tableName, ConsistentRead: true },
    )) {
      found.push(...(page.Items ?? []).map((item) => storedPermissionSchema.parse(item)))
    }
    return found.sort((a, b) => a.scope.localeCompare(b.scope))
  }

  async listPage(
    limit: number,
    after?: string,
  ): Promise<{ permissions: StoredPermission[]; last?: string }> {
    const key = tables.permissions.partitionKey
    const { Items, LastEvaluatedKey } = await this.#client.send(
      new ScanCommand({
        TableName: this.#tableName,
        ConsistentRead: true,
        Limit: limit,
        ...(after === undefined ? {} : { ExclusiveStartKey: { [key]: after } }),
      }),
    )
    const last = LastEvaluatedKey?.[key] as string | undefined
    const permissions = (Items ?? []).map((item) => storedPermissionSchema.parse(item))
    return { permissions, ...(last === undefined ? {} : { last }) }
  }

  async removeAgent(agentId: string): Promise<StoredPermission[]> {
    const changed: StoredPermission[] = []
    for (const read of await this.naming(agentId)) {
      const change = await this.removeAgentFrom(read, agentId)
      if (change) changed.push(change.before)
    }
    return changed
  }

  /** The permissions that grant the agent anything (its `agents`, or a limit of its own). */
  async naming(agentId: string): Promise<StoredPermission[]> {
    return (await this.list()).filter((permission) => grantsTo(permission, agentId))
  }

  /**
   * Takes an agent out of one permission, as it is in the table now (read again if it changed
   * since `read`); the permission just before and as the write left it (undefined: removed, as
   * it named no other agent). Undefined when it no longer names the agent.
   */
  async removeAgentFrom(
    read: StoredPermission,
    agentId: string,
  ): Promise<{ before: StoredPermission; after: StoredPermission | undefined } | undefined> {
    let permission: StoredPermission | undefined = read
    let before: StoredPermission | undefined
    // A write takes out at most `maxRemovedAtOnce` entries: again until none names the agent.
    while (permission && grantsTo(permission, agentId)) {
      try {
        const after = await this.#takeOut(permission, agentId)
        before ??= permission
        permission = after
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error
        // Changed (or deleted) since it was read: the agent is taken out of it as it is now.
        permission = await this.get(read.scope)
      }
    }
    return before ? { before, after: permission } : undefined
  }

  /**
   * One write taking the agent out of the permission as it was read: the list entries that
   * name it (each still where it was read, the list still as long) and its limit, or the whole
   * permission if it names no other agent. Everything else is left as it is in the table now,
   * so another admin's PUT that lands after the read is kept. Returns the permission after the
   * write (undefined once deleted); a ConditionalCheckFailedException if it changed so that the
   * write would not take out just the agent.
   */
  async #takeOut(
    permission: StoredPermission,
    agentId: string,
  ): Promise<StoredPermission | undefined> {
    const at = permission.agents.flatMap((granted, i) => (granted === agentId ? [i] : []))
    // Highest first: dynalite applies each REMOVE in turn, DynamoDB all at the read positions.
    const positions = at.reverse().slice(0, maxRemovedAtOnce)
    const attributes = { '#pk': tables.permissions.partitionKey, '#agents': 'agents' }
    const entriesAsRead = [
      'size(#agents) = :count',
      ...positions.map((i) => `#agents[${i}] = :agent`),
    ].join(' AND ')
    // DynamoDB refuses a value no expression uses: `:agent` only when list entries name it.
    const values = {
      ':count': permission.agents.length,
      ...(positions.length > 0 ? { ':agent': agentId } : {}),
    }
    if (positions.length === permission.agents.length) {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: { [tables.permissions.partitionKey]: permission.scope },
          ConditionExpression: `attribute_exists(#pk) AND ${entriesAsRead}`,
          ExpressionAttributeNames: attributes,
          ExpressionAttributeValues: values,
        }),
      )
      return undefined
    }
    const limited = Object.hasOwn(permission.agentLimits ?? {}, agentId)
    const removed = [
      ...positions.map((i) => `#agents[${i}]`),
      ...(limited ? ['#agentLimits.#agent'] : []),
    ]
    const { Attributes } = await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { [tables.permissions.partitionKey]: permission.scope },
        // A new version, as every change of a permission writes (its ETag's): an admin's PUT or
        // DELETE sent with the tag read before this change is refused, and never puts the agent
        // back. Whatever the version was: this change is not conditional on it.
        UpdateExpression: `SET #version = :version REMOVE ${removed.join(', ')}`,
        ConditionExpression: [
          `attribute_exists(#pk) AND ${entriesAsRead}`,
          ...(limited ? ['attribute_exists(#agentLimits.#agent)'] : []),
        ].join(' AND '),
        ExpressionAttributeNames: {
          ...attributes,
          '#version': 'version',
          ...(limited ? { '#agentLimits': 'agentLimits', '#agent': agentId } : {}),
        },
        ExpressionAttributeValues: { ...values, ':version': newPermissionVersion() },
        ReturnValues: 'ALL_NEW',
      }),
    )
    return storedPermissionSchema.parse(Attributes)
  }

  /**
   * One permission as it stands now (a consistent read: `GET /admin/permissions/{scope}` answers
   * the tag a `PUT` or `DELETE` sent right after it is checked against).
   */
  async get(scope: string): Promise<StoredPermission | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { [tables.permissions.partitionKey]: scope },
        ConsistentRead: true,
      }),
    )
    return Item ? storedPermissionSchema.parse(Item) : undefined
  }

  async delete(scope: string, ifMatch?: IfMatch): Promise<StoredPermission | undefined> {
    const condition = ifMatch && (await this.#unchanged(scope, ifMatch))
    const { Attributes } = await this.#conditionally(scope, condition, () =>
      this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: { [tables.permissions.partitionKey]: scope },
          ReturnValues: 'ALL_OLD',
          ...condition,
        }),
      ),
    )
    return Attributes ? storedPermissionSchema.parse(Attributes) : undefined
  }
}

/**
 * Keeps each set of scopes' permissions in memory for at most `ttlMs`, counted
 * from when its read began, so a permission deleted or narrowed stops granting
 * on every instance `ttlMs` after the write (the registry cache's bound, at most
 * a second). Calls that miss while a read is under way share it; a failed read
 * is not remembered.
 *
 * @example
 * const permissions = cachedPermissions(new DynamoPermissionStore(client, table), 750)
 * await permissions.forScopes(['weather:invoke']) // one BatchGetItem per scope set per 750 ms
 */
export const cachedPermissions = (
  store: Pick<PermissionStore, 'forScopes'>,
  ttlMs: number,
  now: () => number = Date.now,
): Pick<PermissionStore, 'forScopes'> => {
  const read = boundedCache<Permission[]>(ttlMs, now)
  return {
    forScopes: (scopes: readonly string[]): Promise<Permission[]> =>
      read([...new Set(scopes)].sort().join(' '), () => store.forScopes(scopes)),
  }
}

/**
 * The cached read of the scopes' grants a function builds once from configuration
 * (`grantsForScopes`, consistent), as old as the registry's cache allows: the push callback and
 * delivery check with it that a push config's scopes still grant the call that set it.
 *
 * @example
 * const permissions = permissionsFor(config, documentClient)
 */
export const permissionsFor = (
  config: Pick<GatewayConfig, 'tablePrefix' | 'registryCacheTtlMs'>,
  client: DynamoDBDocumentClient,
): Pick<PermissionStore, 'forScopes'> => {
  const store = new DynamoPermissionStore(client, tableName('permissions', config.tablePrefix))
  return cachedPermissions(
    { forScopes: (scopes) => store.grantsForScopes(scopes) },
    config.registryCacheTtlMs,
  )
}
