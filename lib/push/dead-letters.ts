import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'

/** A push the gateway gave up delivering, and why. */
export interface DeadLetter {
  deliveryId: string
  configId: string
  agentId: string
  taskId?: string
  attempts: number
  /** The last failure, in words (a status, a refused address, a timeout). */
  reason: string
  /** ISO 8601. */
  failedAt: string
}

/** Where undeliverable pushes are recorded for an operator. */
export interface DeadLetters {
  record(letter: DeadLetter): Promise<void>
}

/** Dead letters are kept this long. */
export const deadLetterTtlSeconds = 14 * 24 * 60 * 60

/** Dead letters in the `push-dead-letters` table; recording one twice keeps one. */
export class DynamoDeadLetters implements DeadLetters {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.#client = options.client
    this.#tableName = options.tableName
  }

  async record(letter: DeadLetter): Promise<void> {
    const expiresAt = Math.floor(Date.parse(letter.failedAt) / 1000) + deadLetterTtlSeconds
    await this.#client.send(
      new PutCommand({ TableName: this.#tableName, Item: { ...letter, expiresAt } }),
    )
  }
}
