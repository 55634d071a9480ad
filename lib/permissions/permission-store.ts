import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  paginateScan,
} from '@aws-sdk/lib-dynamodb'
import { batchGetItems } from '../batch-get.ts'
import { boundedCache } from '../bounded-cache.ts'
import { tables } from '../tables.ts'
import { type Permission, permissionSchema } from './permission.ts'

export interface PermissionStore {
  /** The permissions of every scope given that has one. */
  forScopes(scopes: readonly string[]): Promise<Permission[]>
  /** Creates or replaces the permission of a scope; returns the one replaced. */
  put(permission: Permission): Promise<Permission | undefined>
  list(): Promise<Permission[]>
  /** Removes a scope's permission; returns it, or undefined if there was none. */
  delete(scope: string): Promise<Permission | undefined>
  /**
   * Takes an agent out of every permission that names it (its `agents` and
   * `agentLimits`); a permission left with no agent is removed. Returns the
   * permissions as they were before.
   */
  removeAgent(agentId: string): Promise<Permission[]>
}

export class DynamoPermissionStore implements PermissionStore {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client
    this.#tableName = tableName
  }

  async forScopes(scopes: readonly string[]): Promise<Permission[]> {
    const keys = [...new Set(scopes)].map((scope) => ({ [tables.permissions.partitionKey]: scope }))
    const items = await batchGetItems(this.#client, this.#tableName, keys, {
      lookup: 'permissions lookup',
    })
    return items.map((item) => permissionSchema.parse(item))
  }

  async put(permission: Permission): Promise<Permission | undefined> {
    const { Attributes } = await this.#client.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: permissionSchema.parse(permission),
        ReturnValues: 'ALL_OLD',
      }),
    )
    return Attributes ? permissionSchema.parse(Attributes) : undefined
  }

  async list(): Promise<Permission[]> {
    const found: Permission[] = []
    // Consistent: removeAgent must see a permission written a moment before, or leave its grant.
    for await (const page of paginateScan(
      { client: this.#client },
      { TableName: this.#tableName, ConsistentRead: true },
    )) {
      found.push(...(page.Items ?? []).map((item) => permissionSchema.parse(item)))
    }
    return found.sort((a, b) => a.scope.localeCompare(b.scope))
  }

  async removeAgent(agentId: string): Promise<Permission[]> {
    const naming = (await this.list()).filter(
      ({ agents, agentLimits }) =>
        agents.includes(agentId) || Object.hasOwn(agentLimits ?? {}, agentId),
    )
    for (const permission of naming) {
      const { [agentId]: _removed, ...agentLimits } = permission.agentLimits ?? {}
      const rest: Permission = {
        ...permission,
        agents: permission.agents.filter((granted) => granted !== agentId),
        ...(permission.agentLimits ? { agentLimits } : {}),
      }
      // A permission deleted meanwhile stays deleted.
      const unlessGone = {
        TableName: this.#tableName,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': tables.permissions.partitionKey },
      }
      try {
        if (rest.agents.length === 0) {
          await this.#client.send(
            new DeleteCommand({
              ...unlessGone,
              Key: { [tables.permissions.partitionKey]: permission.scope },
            }),
          )
        } else {
          await this.#client.send(
            new PutCommand({ ...unlessGone, Item: permissionSchema.parse(rest) }),
          )
        }
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error
      }
    }
    return naming
  }

  async delete(scope: string): Promise<Permission | undefined> {
    const { Attributes } = await this.#client.send(
      new DeleteCommand({
        TableName: this.#tableName,
        Key: { [tables.permissions.partitionKey]: scope },
        ReturnValues: 'ALL_OLD',
      }),
    )
    return Attributes ? permissionSchema.parse(Attributes) : undefined
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
