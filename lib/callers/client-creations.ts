import { createHash, randomUUID } from 'node:crypto'
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency'
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { tables } from '../tables.ts'
import { mayHaveLanded } from '../write-outcome.ts'

/**
 * Which client an `Idempotency-Key` of `POST /admin/clients` made. Only the
 * client id is kept, never the answer: the answer holds the secret, which the
 * gateway stores nowhere (Powertools' idempotency would store it whole).
 */
export interface ClientCreations {
  /**
   * Claims the key for a request with this fingerprint. `{}`: this request
   * creates the client; `{ clientId }`: an earlier one did. The key with another
   * body is an IdempotencyValidationError (422); while the first still runs, an
   * IdempotencyAlreadyInProgressError (409).
   */
  claim(key: string, fingerprint: string): Promise<{ clientId?: string }>
  complete(key: string, clientId: string): Promise<void>
  /** Gives the key up after a failed creation, so a retry creates. */
  release(key: string): Promise<void>
}

/** One key stands for one client for an hour, as Powertools keeps its records. */
const keptSeconds = 3600
/** A claim whose creation never completed (its process died) may be taken over after this. */
const inProgressSeconds = 60

/**
 * The claims in the idempotency table, under ids of their own
 * (`client.create#<the key's SHA-256>`), expiring through its TTL attribute like Powertools'.
 */
export class DynamoClientCreations implements ClientCreations {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #now: () => number

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.#client = client
    this.#tableName = tableName
    this.#now = now
  }

  /**
   * `claimant` marks this claim's own item: a put that landed on an attempt whose answer was
   * lost, met by the SDK's retry, is found to be this claim's, not another request's in progress.
   */
  async claim(
    key: string,
    fingerprint: string,
    claimant: string = randomUUID(),
  ): Promise<{ clientId?: string }> {
    const now = this.#now()
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: {
            [tables.idempotency.partitionKey]: this.#id(key),
            status: 'INPROGRESS',
            fingerprint,
            claimant,
            [tables.idempotency.ttlAttribute]: now + keptSeconds,
            inProgressUntil: now + inProgressSeconds,
          },
          ConditionExpression:
            'attribute_not_exists(#id) OR #expiration < :now OR (#status = :inProgress AND inProgressUntil < :now)',
          ExpressionAttributeNames: {
            '#id': tables.idempotency.partitionKey,
            '#expiration': tables.idempotency.ttlAttribute,
            '#status': 'status',
          },
          ExpressionAttributeValues: { ':now': now, ':inProgress': 'INPROGRESS' },
        }),
      )
      return {}
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        // No attempt answered (a timeout, a 5xx): the claim may be in. Read back, so a claim that
        // landed goes on rather than holding its key "in progress" against the caller's retry.
        if (!mayHaveLanded(error)) throw error
        if ((await this.#held(key).catch(() => undefined))?.claimant === claimant) return {}
        throw error
      }
    }
    const held = await this.#held(key)
    if (!held) return this.claim(key, fingerprint, claimant)
    if (held.claimant === claimant) return {}
    if (held.fingerprint !== fingerprint) {
      throw new IdempotencyValidationError(
        'This Idempotency-Key was already used with a different request body',
      )
    }
    if (held.status !== 'COMPLETED') {
      throw new IdempotencyAlreadyInProgressError('A client is being created with this key')
    }
    return { clientId: String(held.clientId) }
  }

  async #held(key: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { [tables.idempotency.partitionKey]: this.#id(key) },
        ConsistentRead: true,
      }),
    )
    return Item
  }

  async complete(key: string, clientId: string): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { [tables.idempotency.partitionKey]: this.#id(key) },
        UpdateExpression: 'SET #status = :completed, clientId = :clientId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':completed': 'COMPLETED', ':clientId': clientId },
      }),
    )
  }

  async release(key: string): Promise<void> {
    await this.#client.send(
      new DeleteCommand({
        TableName: this.#tableName,
        Key: { [tables.idempotency.partitionKey]: this.#id(key) },
      }),
    )
  }

  /**
   * The key's SHA-256, as Powertools keys its records by a hash: a key is the caller's to choose,
   * and one past 2,048 bytes, kept as it came, was a key DynamoDB refuses (a 500).
   */
  #id(key: string) {
    return `client.create#${createHash('sha256').update(key).digest('base64url')}`
  }
}
