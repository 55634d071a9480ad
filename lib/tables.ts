import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'

/**
 * A DynamoDB table as the gateway uses it. This module is the one definition:
 * the local database, the tests and the Terraform check all read it.
 */
export interface TableDefinition {
  /** Logical name; the physical name is `${TABLE_PREFIX}${name}`. */
  name: string
  /** String partition key; no table has a sort key. */
  partitionKey: string
  /** Epoch-seconds attribute DynamoDB's TTL deletes on, if any. */
  ttlAttribute?: string
  pointInTimeRecovery: boolean
}

export const tables = {
  agents: { name: 'agents', partitionKey: 'agentId', pointInTimeRecovery: true },
  permissions: { name: 'permissions', partitionKey: 'scope', pointInTimeRecovery: true },
  rateLimits: {
    name: 'rate-limits',
    partitionKey: 'pk',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: false,
  },
  // Attribute names are Powertools idempotency's defaults.
  idempotency: {
    name: 'idempotency',
    partitionKey: 'id',
    ttlAttribute: 'expiration',
    pointInTimeRecovery: false,
  },
  // Who created each task: pk `{agentId}#{taskId}`, attribute `principal`.
  taskOwners: {
    name: 'task-owners',
    partitionKey: 'pk',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: false,
  },
  // Clients' push configs behind the gateway's callbacks (lib/push/push-configs.ts): pk `configId`.
  pushConfigs: {
    name: 'push-configs',
    partitionKey: 'configId',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: false,
  },
  // Pushes the gateway gave up delivering (lib/push/dead-letters.ts): pk `deliveryId`.
  pushDeadLetters: {
    name: 'push-dead-letters',
    partitionKey: 'deliveryId',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: false,
  },
  // Gateway-wide settings an admin operation chose (lib/discovery/route-settings.ts): pk `name`.
  settings: { name: 'settings', partitionKey: 'name', pointInTimeRecovery: true },
} as const satisfies Record<string, TableDefinition>

export type TableKey = keyof typeof tables

export const tableName = (key: TableKey, prefix: string): string => `${prefix}${tables[key].name}`

/** The CreateTable request for one table (on-demand billing, as in Terraform). */
export const createTableInput = (key: TableKey, prefix: string): CreateTableCommandInput => {
  const { partitionKey } = tables[key]
  return {
    TableName: tableName(key, prefix),
    AttributeDefinitions: [{ AttributeName: partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }
}
