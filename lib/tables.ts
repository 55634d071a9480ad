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
  /**
   * Global secondary indexes, by name: a string partition key and a string sort
   * key each, projecting every attribute.
   */
  indexes?: Record<string, { partitionKey: string; sortKey: string }>
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
  // When each client's tokens were last revoked (lib/auth/token-revocations.ts): pk `clientId`,
  // `issuedBefore` (epoch seconds), kept until every token issued before it has expired.
  tokenRevocations: {
    name: 'token-revocations',
    partitionKey: 'clientId',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: false,
  },
  // Gateway-wide settings an admin operation chose (lib/discovery/route-settings.ts), and the
  // leases that keep some admin changes one at a time (lib/dynamo-lease.ts, `lease#…`): pk `name`.
  settings: { name: 'settings', partitionKey: 'name', pointInTimeRecovery: true },
  // Admin changes (lib/admin/audit-log.ts): pk `id`; each index lists newest first by
  // `sortKey` (`{at}#{id}`), all entries (`feed` is one constant), by agent or by actor.
  audit: {
    name: 'audit',
    partitionKey: 'id',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: true,
    indexes: {
      byTime: { partitionKey: 'feed', sortKey: 'sortKey' },
      byAgent: { partitionKey: 'agentId', sortKey: 'sortKey' },
      byActor: { partitionKey: 'actor', sortKey: 'sortKey' },
    },
  },
} as const satisfies Record<string, TableDefinition>

export type TableKey = keyof typeof tables

export const tableName = (key: TableKey, prefix: string): string => `${prefix}${tables[key].name}`

/** The CreateTable request for one table (on-demand billing, as in Terraform). */
export const createTableInput = (key: TableKey, prefix: string): CreateTableCommandInput => {
  const table: TableDefinition = tables[key]
  const indexes = Object.entries(table.indexes ?? {})
  const attributes = new Set([
    table.partitionKey,
    ...indexes.flatMap(([, index]) => [index.partitionKey, index.sortKey]),
  ])
  return {
    TableName: tableName(key, prefix),
    AttributeDefinitions: [...attributes].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    })),
    KeySchema: [{ AttributeName: table.partitionKey, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    ...(indexes.length > 0
      ? {
          GlobalSecondaryIndexes: indexes.map(([name, index]) => ({
            IndexName: name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  }
}
