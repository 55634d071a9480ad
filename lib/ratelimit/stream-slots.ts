import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { tables } from '../tables.ts'

export interface StreamSlotRequest {
  principal: string
  resource: string
  /** Open streams allowed at once. */
  limit: number
}

export interface StreamSlots {
  /** Takes a slot; false when `limit` streams are already open. */
  acquire(request: StreamSlotRequest): Promise<boolean>
  release(request: Omit<StreamSlotRequest, 'limit'>): Promise<void>
}

/** A stream cannot outlive its Lambda (15 minutes at most). */
const slotLifetimeSeconds = 15 * 60

/**
 * Open-stream counters in the rate-limits table, one item per caller and agent.
 * A Lambda that dies without releasing its slot leaks it only until the item's
 * TTL, which each acquire pushes to the longest a stream can live.
 */
export class DynamoStreamSlots implements StreamSlots {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #now: () => number

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; now?: () => number }) {
    this.#client = options.client
    this.#tableName = options.tableName
    this.#now = options.now ?? Date.now
  }

  async acquire({ principal, resource, limit }: StreamSlotRequest): Promise<boolean> {
    try {
      await this.#update(principal, resource, {
        UpdateExpression: 'ADD #open :one SET #expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(#open) OR #open < :limit',
        ExpressionAttributeNames: { '#open': 'open', '#expiresAt': tables.rateLimits.ttlAttribute },
        ExpressionAttributeValues: {
          ':one': 1,
          ':limit': limit,
          ':expiresAt': Math.ceil(this.#now() / 1000) + slotLifetimeSeconds,
        },
      })
      return true
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false
      throw error
    }
  }

  async release({ principal, resource }: Omit<StreamSlotRequest, 'limit'>): Promise<void> {
    try {
      await this.#update(principal, resource, {
        UpdateExpression: 'ADD #open :minusOne',
        ConditionExpression: '#open > :zero',
        ExpressionAttributeNames: { '#open': 'open' },
        ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
      })
    } catch (error) {
      // Already at zero (the item expired meanwhile): nothing to give back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error
    }
  }

  #update(
    principal: string,
    resource: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      | 'UpdateExpression'
      | 'ConditionExpression'
      | 'ExpressionAttributeNames'
      | 'ExpressionAttributeValues'
    >,
  ) {
    return this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { [tables.rateLimits.partitionKey]: `${principal}#${resource}#streams` },
        ...update,
      }),
    )
  }
}
