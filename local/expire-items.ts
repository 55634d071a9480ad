import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { DeleteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb'
import { type TableDefinition, type TableKey, tableName, tables } from '../lib/tables.ts'

/** DynamoDB's TTL leaves alone an item whose expiry is more than five years past. */
const oldestExpirySeconds = 5 * 365 * 24 * 3600

/**
 * What DynamoDB's TTL does on AWS, for the local database (dynalite has no TTL):
 * deletes the items of every table with a TTL attribute (lib/tables.ts) whose
 * attribute is a number of epoch seconds now past. As DynamoDB does, an attribute
 * that is no number, or an expiry more than five years old, is left alone; and
 * each delete is conditioned on the item being expired still, so one renewed
 * since the scan stays. Returns how many items went, by table.
 *
 * @example
 * await expireItems(documentClient, 'switchboard-') // { 'rate-limits': 12 }
 * await expireItems(documentClient, 'switchboard-', { signal: stopping.signal })
 */
export const expireItems = async (
  client: DynamoDBDocumentClient,
  tablePrefix: string,
  options: {
    nowSeconds?: number
    /** Stops the sweep at its next page or delete (the stack is stopping). */
    signal?: AbortSignal
  } = {},
): Promise<Record<string, number>> => {
  const { nowSeconds = Math.floor(Date.now() / 1000), signal } = options
  const expired: Record<string, number> = {}
  for (const [key, table] of Object.entries(tables) as [TableKey, TableDefinition][]) {
    if (!table.ttlAttribute) continue
    const name = tableName(key, tablePrefix)
    const expiredStill = {
      ConditionExpression: '#expiry < :now AND #expiry > :oldest',
      ExpressionAttributeNames: { '#expiry': table.ttlAttribute },
      ExpressionAttributeValues: {
        ':now': nowSeconds,
        ':oldest': nowSeconds - oldestExpirySeconds,
      },
    }
    let ExclusiveStartKey: Record<string, unknown> | undefined
    do {
      if (signal?.aborted) return expired
      // Page by page: a sweep never holds a whole table, nor the database's thread for long.
      const page = await client.send(
        new ScanCommand({
          TableName: name,
          FilterExpression: expiredStill.ConditionExpression,
          ExpressionAttributeNames: {
            ...expiredStill.ExpressionAttributeNames,
            '#key': table.partitionKey,
          },
          ExpressionAttributeValues: expiredStill.ExpressionAttributeValues,
          ProjectionExpression: '#key',
          Limit: 100,
          ExclusiveStartKey,
        }),
      )
      for (const item of page.Items ?? []) {
        if (signal?.aborted) return expired
        try {
          await client.send(new DeleteCommand({ TableName: name, Key: item, ...expiredStill }))
          expired[table.name] = (expired[table.name] ?? 0) + 1
        } catch (error) {
          // Renewed (or deleted) since the scan: as DynamoDB, leave it.
          if (!(error instanceof ConditionalCheckFailedException)) throw error
        }
      }
      ExclusiveStartKey = page.LastEvaluatedKey
    } while (ExclusiveStartKey)
  }
  return expired
}
