import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { DependencyUnavailableError } from './errors.ts'

/** BatchGetItem's most keys per request. */
const batchSize = 100
const maxAttempts = 5

/**
 * The items of `keys` in one table, read by BatchGetItem 100 keys at a time. The
 * keys DynamoDB leaves unprocessed (throttled) are asked again after a growing
 * pause, at most five times per batch; past that the read fails, naming `lookup`, as a
 * service not serving it (503, `Retry-After`).
 *
 * @example
 * const items = await batchGetItems(client, table, [{ scope: 'weather:invoke' }], { lookup: 'permissions lookup' })
 */
export const batchGetItems = async (
  client: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  options: {
    lookup: string
    consistentRead?: boolean
    /** Only these attributes of each item (DynamoDB's 16 MB an answer then holds a batch whole). */
    attributes?: readonly string[]
  },
): Promise<Record<string, unknown>[]> => {
  const projection = options.attributes && {
    ProjectionExpression: options.attributes.map((_, i) => `#a${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(
      options.attributes.map((attribute, i) => [`#a${i}`, attribute]),
    ),
  }
  const items: Record<string, unknown>[] = []
  for (let start = 0; start < keys.length; start += batchSize) {
    let pending = keys.slice(start, start + batchSize)
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new DependencyUnavailableError({
          cause: new Error(`${options.lookup} still throttled after ${maxAttempts} attempts`),
        })
      }
      const response = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: [...pending],
              ...(options.consistentRead ? { ConsistentRead: true } : {}),
              ...projection,
            },
          },
        }),
      )
      items.push(...(response.Responses?.[tableName] ?? []))
      pending = response.UnprocessedKeys?.[tableName]?.Keys ?? []
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10))
    }
  }
  return items
}
