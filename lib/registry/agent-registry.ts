import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
} from '@aws-sdk/lib-dynamodb'
import { AgentAlreadyRegisteredError } from '../errors.ts'
import { tables } from '../tables.ts'
import type { AgentRecord } from './agent-record.ts'

export interface AgentRegistry {
  get(agentId: string): Promise<AgentRecord | undefined>
  list(): Promise<AgentRecord[]>
  /** Stores a new agent; AgentAlreadyRegisteredError if the id is taken. */
  create(record: AgentRecord): Promise<void>
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
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': tables.agents.partitionKey },
        }),
      )
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new AgentAlreadyRegisteredError(record.agentId)
      }
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
