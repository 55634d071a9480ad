import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb'
import { tables } from '../tables.ts'

/**
 * Which principal created each task, per agent: the gateway keeps callers'
 * tasks apart itself, since most agents do not.
 */
export interface TaskOwners {
  /**
   * Records `principal` as the owner of each task, or renews its record. Throws
   * `TaskOwnedElsewhereError` when one is another principal's.
   */
  record(agentId: string, taskIds: readonly string[], principal: string): Promise<void>
  /** The principal that created the task; undefined when none is on record. */
  ownerOf(agentId: string, taskId: string): Promise<string | undefined>
  /** Which of these tasks `principal` created. */
  ownedBy(agentId: string, taskIds: readonly string[], principal: string): Promise<Set<string>>
}

/** The agent answered a caller with a task another principal created. */
export class TaskOwnedElsewhereError extends Error {
  constructor(agentId: string, taskId: string) {
    super(`agent '${agentId}' answered with task '${taskId}', which another caller created`)
    this.name = 'TaskOwnedElsewhereError'
  }
}

/** A record lapses this long after the last answer that named its task. */
export const taskOwnerTtlSeconds = 30 * 24 * 60 * 60

/** DynamoDB's partition-key limit is 2,048 bytes; no longer id can be on record. */
const maxKeyBytes = 2048
const batchSize = 100 // BatchGetItem's limit
const maxAttempts = 5

const keyOf = (agentId: string, taskId: string) => `${agentId}#${taskId}`
const fitsKey = (agentId: string, taskId: string) =>
  Buffer.byteLength(keyOf(agentId, taskId)) <= maxKeyBytes

interface OwnerItem {
  pk: string
  principal: string
  expiresAt: number
}

/**
 * Task owners in the `task-owners` table: one item per task, keyed
 * `{agentId}#{taskId}` (an agentId holds no `#`). Reads are strongly
 * consistent, so a task is readable by its creator as soon as its answer
 * arrives; an expired item counts as absent whether or not TTL has deleted it.
 */
export class DynamoTaskOwners implements TaskOwners {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #now: () => number

  constructor(options: {
    client: DynamoDBDocumentClient
    tableName: string
    /** Epoch milliseconds; injected by tests. */
    now?: () => number
  }) {
    this.#client = options.client
    this.#tableName = options.tableName
    this.#now = options.now ?? Date.now
  }

  #nowSeconds() {
    return Math.floor(this.#now() / 1000)
  }

  async record(agentId: string, taskIds: readonly string[], principal: string): Promise<void> {
    const now = this.#nowSeconds()
    await Promise.all(
      [...new Set(taskIds)].map(async (taskId) => {
        if (!fitsKey(agentId, taskId)) {
          throw new Error(`task id of ${Buffer.byteLength(taskId)} bytes is too long to record`)
        }
        const item: OwnerItem = {
          pk: keyOf(agentId, taskId),
          principal,
          expiresAt: now + taskOwnerTtlSeconds,
        }
        try {
          await this.#client.send(
            new PutCommand({
              TableName: this.#tableName,
              Item: item,
              // A task is its creator's for good: no other principal's record is replaced.
              ConditionExpression:
                'attribute_not_exists(pk) OR principal = :principal OR expiresAt <= :now',
              ExpressionAttributeValues: { ':principal': principal, ':now': now },
            }),
          )
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) {
            throw new TaskOwnedElsewhereError(agentId, taskId)
          }
          throw error
        }
      }),
    )
  }

  async ownerOf(agentId: string, taskId: string): Promise<string | undefined> {
    if (!fitsKey(agentId, taskId)) return undefined
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { [tables.taskOwners.partitionKey]: keyOf(agentId, taskId) },
        ConsistentRead: true,
      }),
    )
    return this.#live(Item)?.principal
  }

  async ownedBy(
    agentId: string,
    taskIds: readonly string[],
    principal: string,
  ): Promise<Set<string>> {
    const unique = [...new Set(taskIds)].filter((taskId) => fitsKey(agentId, taskId))
    const owned = new Set<string>()
    for (let start = 0; start < unique.length; start += batchSize) {
      let keys: Record<string, unknown>[] = unique
        .slice(start, start + batchSize)
        .map((taskId) => ({ [tables.taskOwners.partitionKey]: keyOf(agentId, taskId) }))
      for (let attempt = 1; keys.length > 0; attempt++) {
        if (attempt > maxAttempts) {
          throw new Error(`task owners lookup still throttled after ${maxAttempts} attempts`)
        }
        const response = await this.#client.send(
          new BatchGetCommand({
            RequestItems: { [this.#tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        )
        for (const item of response.Responses?.[this.#tableName] ?? []) {
          const live = this.#live(item)
          if (live?.principal === principal) owned.add(live.pk.slice(agentId.length + 1))
        }
        keys = response.UnprocessedKeys?.[this.#tableName]?.Keys ?? []
        if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10))
      }
    }
    return owned
  }

  /** The item as an owner record, unless it is malformed or has expired. */
  #live(item: Record<string, unknown> | undefined): OwnerItem | undefined {
    const { pk, principal, expiresAt } = item ?? {}
    if (typeof pk !== 'string' || typeof principal !== 'string') return undefined
    if (typeof expiresAt !== 'number' || expiresAt <= this.#nowSeconds()) return undefined
    return { pk, principal, expiresAt }
  }
}
