import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { tables } from '../tables.ts'
import { secondsLeft, windowAt } from './window.ts'

export interface RateLimitRequest {
  /** Who is counted: the caller's principal. */
  principal: string
  /** What is counted: an agent id, or a route such as `/search` (never a valid agent id). */
  resource: string
  /** Requests allowed per window. */
  limit: number
}

export interface RateLimitDecision {
  allowed: boolean
  limit: number
  remaining: number
  /** Whole seconds until the window resets. */
  resetSeconds: number
  windowSeconds: number
}

export interface RateLimiter {
  consume(request: RateLimitRequest): Promise<RateLimitDecision>
}

/**
 * Fixed-window counters in DynamoDB: one conditional, atomic `UpdateItem` per
 * request on `{principal}#{resource}#{window}`. The window is in the key, so a
 * new window starts at zero whether or not TTL has deleted the old item yet.
 */
export class DynamoRateLimiter implements RateLimiter {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #windowSeconds: number
  readonly #now: () => number

  constructor(options: {
    client: DynamoDBDocumentClient
    tableName: string
    windowSeconds: number
    now?: () => number
  }) {
    this.#client = options.client
    this.#tableName = options.tableName
    this.#windowSeconds = options.windowSeconds
    this.#now = options.now ?? Date.now
  }

  async consume({ principal, resource, limit }: RateLimitRequest): Promise<RateLimitDecision> {
    const now = this.#now()
    const window = windowAt(now, this.#windowSeconds)
    const decision = {
      limit,
      resetSeconds: secondsLeft(window, now),
      windowSeconds: this.#windowSeconds,
    }
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { [tables.rateLimits.partitionKey]: `${principal}#${resource}#${window.index}` },
          UpdateExpression:
            'ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: {
            '#count': 'count',
            '#expiresAt': tables.rateLimits.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            // Kept a window past its end, then TTL may delete it.
            ':expiresAt': Math.ceil(window.endsAt / 1000) + this.#windowSeconds,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      )
      const count = Number(Attributes?.count ?? limit)
      return { ...decision, allowed: true, remaining: Math.max(0, limit - count) }
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { ...decision, allowed: false, remaining: 0 }
      }
      throw error
    }
  }
}
