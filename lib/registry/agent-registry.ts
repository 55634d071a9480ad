import { isDeepStrictEqual } from 'node:util'
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  paginateScan,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { batchGetItems } from '../batch-get.ts'
import { boundedCache } from '../bounded-cache.ts'
import {
  AgentAlreadyRegisteredError,
  AgentBeingDeletedError,
  AgentChangedError,
  AgentNotFoundError,
} from '../errors.ts'
import { isAgentId } from '../ids.ts'
import { parseJson } from '../json-parse.ts'
import { tables } from '../tables.ts'
import { markUnconfirmed, mayHaveLanded } from '../write-outcome.ts'
import type { AgentVersion } from './agent-etag.ts'
import type { AgentRecord } from './agent-record.ts'

export interface AgentRegistry {
  get(agentId: string): Promise<AgentRecord | undefined>
  list(): Promise<AgentRecord[]>
  /**
   * Stores a new agent; AgentAlreadyRegisteredError if the id is taken, AgentBeingDeletedError
   * if it is taken by an agent whose delete has not finished.
   */
  create(record: AgentRecord): Promise<void>
  /**
   * Overwrites the agent as it was read (`unchangedSince(read)`): AgentNotFoundError if it is
   * gone, AgentChangedError (carrying the agent as it is now) if another change was written
   * meanwhile or the id was registered again.
   */
  replace(record: AgentRecord, read: AgentVersion): Promise<void>
  /**
   * Removes the agent as a delete read it: only while it is `deleting` and still the
   * registration made at `record.createdAt`. False, and nothing removed, if it is gone or
   * the id was registered again meanwhile.
   */
  delete(record: Pick<AgentRecord, 'agentId' | 'createdAt'>): Promise<boolean>
  /**
   * Sets bookkeeping fields on the record as it was written at `updatedAt` (a
   * field given as undefined is removed); false, and nothing written, if the
   * record has changed (or gone) since.
   */
  annotate(
    record: Pick<AgentRecord, 'agentId' | 'updatedAt'>,
    fields: Pick<AgentRecord, 'indexed' | 'retiredSecretArns'>,
  ): Promise<boolean>
}

export class DynamoAgentRegistry implements AgentRegistry {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client
    this.#tableName = tableName
  }

  /**
   * The agent's record; none, without a read, for an id no registration can have (`isAgentId`):
   * the card route takes any id from a stranger's path, and DynamoDB refuses a key over 2,048
   * bytes with an error (a 500 and an ERROR line, where an unknown agent is a refusal).
   */
  async get(agentId: string): Promise<AgentRecord | undefined> {
    if (!isAgentId(agentId)) return undefined
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { [tables.agents.partitionKey]: agentId },
        ConsistentRead: true,
      }),
    )
    return Item as AgentRecord | undefined
  }

  /**
   * The status of each of `agentIds` that is registered, read as it stands now (consistent), 100
   * a request and nothing but the id and the status: a permission naming a fleet is checked in a
   * few requests, where one read an agent cost one request and its whole card.
   */
  async statuses(agentIds: readonly string[]): Promise<Map<string, AgentRecord['status']>> {
    const key = tables.agents.partitionKey
    const items = await batchGetItems(
      this.#client,
      this.#tableName,
      agentIds.map((agentId) => ({ [key]: agentId })),
      { lookup: 'registry lookup', consistentRead: true, attributes: [key, 'status'] },
    )
    return new Map(items.map((item) => [item[key] as string, item.status as AgentRecord['status']]))
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

  /**
   * Up to `limit` records in the table's own order (one Scan page), after the agent `after`
   * names; `last` names where the scan stopped while more may follow.
   */
  async listPage(
    limit: number,
    after?: string,
  ): Promise<{ records: AgentRecord[]; last?: string }> {
    const { Items, LastEvaluatedKey } = await this.#client.send(
      new ScanCommand({
        TableName: this.#tableName,
        Limit: limit,
        ...(after === undefined
          ? {}
          : { ExclusiveStartKey: { [tables.agents.partitionKey]: after } }),
      }),
    )
    const last = LastEvaluatedKey?.[tables.agents.partitionKey] as string | undefined
    return { records: (Items ?? []) as AgentRecord[], ...(last === undefined ? {} : { last }) }
  }

  async create(record: AgentRecord): Promise<void> {
    await this.#put(
      record,
      {
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': tables.agents.partitionKey },
      },
      async () =>
        (await this.get(record.agentId))?.status === 'deleting'
          ? new AgentBeingDeletedError(record.agentId)
          : new AgentAlreadyRegisteredError(record.agentId),
    )
  }

  async replace(record: AgentRecord, read: AgentVersion): Promise<void> {
    await this.#put(record, unchangedSince(read), async () => {
      const current = await this.get(record.agentId)
      if (!current) return new AgentNotFoundError(record.agentId)
      // Its version only: an error may be logged, and a record carries a card of up to 256 KiB.
      const { createdAt, updatedAt, status } = current
      return new AgentChangedError(record.agentId, { createdAt, updatedAt, status })
    })
  }

  async delete(record: Pick<AgentRecord, 'agentId' | 'createdAt'>): Promise<boolean> {
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: { [tables.agents.partitionKey]: record.agentId },
          ConditionExpression: '#status = :deleting AND #createdAt = :createdAt',
          ExpressionAttributeNames: { '#status': 'status', '#createdAt': 'createdAt' },
          ExpressionAttributeValues: { ':deleting': 'deleting', ':createdAt': record.createdAt },
        }),
      )
      return true
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false
      throw error
    }
  }

  async annotate(
    record: Pick<AgentRecord, 'agentId' | 'updatedAt'>,
    fields: Pick<AgentRecord, 'indexed' | 'retiredSecretArns'>,
  ): Promise<boolean> {
    const entries = Object.entries(fields)
    if (entries.length === 0) return true
    const set = entries.flatMap(([, value], i) => (value === undefined ? [] : [i]))
    const remove = entries.flatMap(([, value], i) => (value === undefined ? [i] : []))
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { [tables.agents.partitionKey]: record.agentId },
          UpdateExpression: [
            set.length > 0 ? `SET ${set.map((i) => `#f${i} = :f${i}`).join(', ')}` : '',
            remove.length > 0 ? `REMOVE ${remove.map((i) => `#f${i}`).join(', ')}` : '',
          ].join(' '),
          ConditionExpression: '#updatedAt = :updatedAt',
          ExpressionAttributeNames: {
            '#updatedAt': 'updatedAt',
            ...Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])),
          },
          ExpressionAttributeValues: {
            ':updatedAt': record.updatedAt,
            ...Object.fromEntries(set.map((i) => [`:f${i}`, (entries[i] as [string, unknown])[1]])),
          },
        }),
      )
      return true
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false
      throw error
    }
  }

  /**
   * Writes the record if `condition` holds; otherwise throws what `refused` says went wrong. A
   * refusal after more than one attempt may be the request's own write meeting itself: an
   * attempt the SDK gave up on (no answer in time, a reset) that the table had carried out. The
   * record as stored is then read (consistently), and if it is this one, the write is done. So
   * is it after a failure that may have come after the write landed (`mayHaveLanded`); found not
   * there (an attempt given up on may land later) or not read, the error is marked unconfirmed
   * (`isUnconfirmedWrite`).
   */
  async #put(
    record: AgentRecord,
    condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
    refused: () => Promise<Error>,
  ): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({ TableName: this.#tableName, Item: record, ...condition }),
      )
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && !mayHaveLanded(error)) {
        throw await refused()
      }
      if (!mayHaveLanded(error)) throw error
      // An attempt may have landed (cut and retried, a 5xx): read back, so a write that landed
      // is not reported failed (and its new secret deleted while the record names it).
      const landed = await this.#stored(record).catch(() => undefined)
      if (landed) return
      if (error instanceof ConditionalCheckFailedException && landed === false) {
        throw await refused()
      }
      // Not found, or not read: an attempt given up on may still land after the read.
      throw markUnconfirmed(error)
    }
  }

  /**
   * Whether the table holds `record` as written (undefined members are not stored), but for the
   * notes another request may have added since (`annotate`: indexed, a secret to retire); its
   * `updatedAt` ties it to this write. A change identical to the millisecond, made by another
   * request, would pass too: the agent is then as both asked.
   */
  async #stored(record: AgentRecord): Promise<boolean> {
    const stored = await this.get(record.agentId)
    return stored !== undefined && isDeepStrictEqual(unannotated(stored), unannotated(record))
  }
}

/**
 * The condition of every change to an agent: the record is still the version the change read,
 * the same registration (`createdAt`) unchanged since (`updatedAt`), which is what its ETag names
 * (`agentETag`). So of two changes that read one version, the second is refused (409, or 412
 * when it was sent with `If-Match`) however close they come, and a change sent with the ETag it
 * read is made on that version or not at all, with no read between the check and the write.
 *
 * @example
 * new PutCommand({ TableName, Item: changed, ...unchangedSince(read) })
 */
export const unchangedSince = (read: AgentVersion) => ({
  ConditionExpression: '#createdAt = :createdAt AND #updatedAt = :updatedAt',
  ExpressionAttributeNames: { '#createdAt': 'createdAt', '#updatedAt': 'updatedAt' },
  ExpressionAttributeValues: { ':createdAt': read.createdAt, ':updatedAt': read.updatedAt },
})

/** A record without what `annotate` writes on it after a change, JSON as the table holds it. */
const unannotated = ({ indexed: _indexed, retiredSecretArns: _retired, ...rest }: AgentRecord) =>
  parseJson(JSON.stringify(rest)) as unknown

/**
 * Keeps records in memory so a burst of calls to one agent reads the table
 * once, but never serves one older than `ttlMs`, counted from when its read
 * began: a record read before a delete or deactivation was written is gone from
 * every instance's cache `ttlMs` after that write. Calls that miss while a read
 * is under way share it. An agent that is not there is not remembered, so one
 * registered a moment after a call that missed it is served at once.
 *
 * @example
 * const lookupAgent = cachedLookup(registry, config.registryCacheTtlMs)
 * const record = await lookupAgent('weather') // at most one GetItem per agent per ttlMs
 */
export const cachedLookup = (
  registry: Pick<AgentRegistry, 'get'>,
  ttlMs: number,
  now: () => number = Date.now,
) => {
  // An agent that is not there is forgotten once its read is over.
  const read = boundedCache<AgentRecord | undefined>(ttlMs, now, (record) => record !== undefined)
  return async function lookupAgent(agentId: string): Promise<AgentRecord | undefined> {
    return read(agentId, () => registry.get(agentId))
  }
}

/**
 * Whether `record`, as a call read it, is still the agent being served: active,
 * and the same registration (not deleted and registered again meanwhile).
 */
export const stillServed =
  (lookup: (agentId: string) => Promise<AgentRecord | undefined>, record: AgentRecord) =>
  async (): Promise<boolean> => {
    const current = await lookup(record.agentId)
    return current?.status === 'active' && current.createdAt === record.createdAt
  }
