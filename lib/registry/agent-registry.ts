import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
} from '@aws-sdk/lib-dynamodb'
import { AgentAlreadyRegisteredError, AgentNotFoundError } from '../errors.ts'
import { tables } from '../tables.ts'
import type { AgentRecord } from './agent-record.ts'

export interface AgentRegistry {
  get(agentId: string): Promise<AgentRecord | undefined>
  list(): Promise<AgentRecord[]>
  /** Stores a new agent; AgentAlreadyRegisteredError if the id is taken. */
  create(record: AgentRecord): Promise<void>
  /** Overwrites an agent that exists; AgentNotFoundError otherwise. */
  replace(record: AgentRecord): Promise<void>
  /** Removes an agent; removing one that is gone is not an error. */
  delete(agentId: string): Promise<void>
}

export class DynamoAgentRegistry implements AgentRegistry {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client
    this.#tableName = tableName
  }

  async get(agentId: string): Promise<AgentRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { [tables.agents.partitionKey]: agentId },
        ConsistentRead: true,
      }),
    )
    return Item as AgentRecord | undefined
  }

  async list(): Promise<AgentRecord[]> {
    const records: AgentRecord[] = []
    for await (const page of paginateScan(
      { client: this.#client },
      { TableName: this.#tableName },
    )) {
      records.push(...((page.Items ?? []) as AgentRecord[]))
    }
    return records.sort((a, b) => a.agentId.localeCompare(b.agentId))
  }

  async create(record: AgentRecord): Promise<void> {
    await this.#put(
      record,
      'attribute_not_exists(#pk)',
      () => new AgentAlreadyRegisteredError(record.agentId),
    )
  }

  async replace(record: AgentRecord): Promise<void> {
    await this.#put(record, 'attribute_exists(#pk)', () => new AgentNotFoundError(record.agentId))
  }

  async delete(agentId: string): Promise<void> {
    await this.#client.send(
      new DeleteCommand({
        TableName: this.#tableName,
        Key: { [tables.agents.partitionKey]: agentId },
      }),
    )
  }

  async #put(record: AgentRecord, condition: string, refused: () => Error): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: record,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#pk': tables.agents.partitionKey },
        }),
      )
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw refused()
      throw error
    }
  }
}

/**
 * Keeps records in memory for a few seconds so a burst of calls to one agent
 * reads the table once.
 */
export const cachedLookup = (
  registry: Pick<AgentRegistry, 'get'>,
  ttlMs: number,
  now: () => number = Date.now,
) => {
  const cache = new Map<string, { record: AgentRecord | undefined; expiresAt: number }>()
  return async function lookupAgent(agentId: string): Promise<AgentRecord | undefined> {
    const hit = cache.get(agentId)
    if (hit && hit.expiresAt > now()) return hit.record
    const record = await registry.get(agentId)
    cache.set(agentId, { record, expiresAt: now() + ttlMs })
    return record
  }
}
