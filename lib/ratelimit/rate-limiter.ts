import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { checkOptions, optionRules } from '../options.ts'
import { tables } from '../tables.ts'
import { shardOrder, shardQuotas } from './shards.ts'
import { type RateWindow, secondsLeft, windowAt } from './window.ts'

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
  /** Exact with one shard; with several, the tried shard's share scaled to the whole limit. */
  remaining: number
  /** Whole seconds until the window resets. */
  resetSeconds: number
  windowSeconds: number
}

export interface RateLimiter {
  consume(request: RateLimitRequest): Promise<RateLimitDecision>
}

/** Most counters a process remembers as full; past it the oldest are forgotten (one more write each). */
const maxRememberedFull = 10_000

/**
 * Fixed-window counters in DynamoDB: one conditional, atomic `UpdateItem` per
 * request on `{principal}#{resource}#{window}`. The window is in the key, so a
 * new window starts at zero whether or not TTL has deleted the old item yet.
 *
 * With `shards` above 1 the window's limit is split over that many items
 * (`…#{window}#{shard}`, quotas adding up to the limit), so a hot caller and
 * agent pair is not held to one item's write rate. A request starts at a random
 * shard and moves on to the next while the one it tried is full; it is refused
 * only when every shard is, so exactly `limit` pass, as with one item.
 *
 * A counter found full stays full until its window ends (counts only grow), so
 * the limiter remembers it and refuses later requests of that window without
 * writing: a caller hammering past its limit costs no more writes.
 */
export class DynamoRateLimiter implements RateLimiter {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #windowSeconds: number
  readonly #shards: number
  readonly #now: () => number
  readonly #random: () => number
  /** Counter keys (with their limit) found full, by window index. */
  #full = { window: -1, keys: new Set<string>() }

  constructor(options: {
    client: DynamoDBDocumentClient
    tableName: string
    windowSeconds: number
    /** Counter items per caller, agent and window (1 to 64); 1 unless a pair is hotter than one item's write rate. */
    shards?: number
    now?: () => number
    random?: () => number
  }) {
    checkOptions('DynamoRateLimiter', options, {
      client: optionRules.methods('send'),
      tableName: optionRules.text(),
      // The window's index and reset are divisions by it: 0 would count in NaN windows.
      windowSeconds: optionRules.positiveInteger(),
      shards: optionRules.integerFrom(1, 64).optional(),
      now: optionRules.function().optional(),
      random: optionRules.function().optional(),
    })
    const shards = options.shards ?? 1
    this.#client = options.client
    this.#tableName = options.tableName
    this.#windowSeconds = options.windowSeconds
    this.#shards = shards
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
  }

  async consume({ principal, resource, limit }: RateLimitRequest): Promise<RateLimitDecision> {
    const now = this.#now()
    const window = windowAt(now, this.#windowSeconds)
    const decision = {
      limit,
      resetSeconds: secondsLeft(window, now),
      windowSeconds: this.#windowSeconds,
    }
    const counter = `${principal}#${resource}#${window.index}`
    if (this.#shards === 1) {
      const count = await this.#increment(window, counter, limit)
      return count === undefined
        ? { ...decision, allowed: false, remaining: 0 }
        : { ...decision, allowed: true, remaining: Math.max(0, limit - count) }
    }
    const quotas = shardQuotas(limit, this.#shards)
    const start = Math.floor(this.#random() * this.#shards)
    for (const shard of shardOrder(quotas, start)) {
      const quota = quotas[shard] as number
      const count = await this.#increment(window, `${counter}#${shard}`, quota)
      if (count !== undefined) {
        const remaining = Math.floor(((quota - count) / quota) * limit)
        return { ...decision, allowed: true, remaining: Math.max(0, remaining) }
      }
    }
    return { ...decision, allowed: false, remaining: 0 }
  }

  /** Adds one to a counter below `limit`: its new count, or undefined when it is full. */
  async #increment(window: RateWindow, key: string, limit: number): Promise<number | undefined> {
    const remembered = `${key}<${limit}`
    if (this.#isRememberedFull(window, remembered)) return undefined
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { [tables.rateLimits.partitionKey]: key },
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
      return Number(Attributes?.count ?? limit)
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        this.#rememberFull(window, remembered)
        return undefined
      }
      throw error
    }
  }

  #isRememberedFull(window: RateWindow, key: string): boolean {
    return this.#full.window === window.index && this.#full.keys.has(key)
  }

  #rememberFull(window: RateWindow, key: string): void {
    if (this.#full.window !== window.index) this.#full = { window: window.index, keys: new Set() }
    if (this.#full.keys.size >= maxRememberedFull) {
      const oldest = this.#full.keys.values().next().value
      if (oldest !== undefined) this.#full.keys.delete(oldest)
    }
    this.#full.keys.add(key)
  }
}
