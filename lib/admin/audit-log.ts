import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { maxPageBytes, responseBytes, withinPageBytes } from '../http/page-cursor.ts'
import { tables } from '../tables.ts'
import type { AuditEntry, AuditIntent, AuditSink } from './audit.ts'
import {
  type AuditPage,
  type AuditQuery,
  decodeAuditCursor,
  encodeAuditCursor,
  type StoredAuditEntry,
  sortKeyOf,
} from './audit-api.ts'

/** The one value of `feed`: every entry is in the byTime index's single partition. */
const allEntries = 'all'
const { indexes } = tables.audit

/**
 * The durable audit trail: one item per admin change in the `audit` table.
 * The intent is put before the change (an entry `pending`), confirmed with
 * before/after once the change is made (`applied`), withdrawn if it fails.
 * Items expire `retentionDays` after the change (DynamoDB TTL on `expiresAt`).
 *
 * @example
 * const trail = new DynamoAuditLog({ client, tableName: tableName('audit', prefix), retentionDays: 400 })
 * const { entries, cursor } = await trail.list({ agentId: 'weather', limit: 20 })
 */
export class DynamoAuditLog implements Required<AuditSink> {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #retentionDays: number

  constructor(options: {
    client: DynamoDBDocumentClient
    tableName: string
    retentionDays: number
  }) {
    this.#client = options.client
    this.#tableName = options.tableName
    this.#retentionDays = options.retentionDays
  }

  /**
   * Puts the entry as `pending`; throws (and the change is not made) if it cannot. The entry's
   * id is this intent's own (a random UUID), so an entry already under it is this put's, landed
   * on an attempt whose answer was lost and met by the SDK's retry: the intent is written.
   */
  async intend(intent: AuditIntent): Promise<void> {
    const expiresAt = Math.floor(Date.parse(intent.at) / 1000) + this.#retentionDays * 86_400
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: {
            ...intent,
            feed: allEntries,
            sortKey: sortKeyOf(intent),
            outcome: 'pending',
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': tables.audit.partitionKey },
        }),
      )
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || error.$metadata.attempts === 1)
        throw error
    }
  }

  /** Confirms the intent: `applied`, with before and after. */
  async record(entry: AuditEntry): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { [tables.audit.partitionKey]: entry.id },
        UpdateExpression:
          'SET #outcome = :applied, #action = :action, #target = :target, #before = :before, #after = :after',
        ConditionExpression: 'attribute_exists(#id)',
        ExpressionAttributeNames: {
          '#id': tables.audit.partitionKey,
          '#outcome': 'outcome',
          '#action': 'action',
          '#target': 'target',
          '#before': 'before',
          '#after': 'after',
        },
        ExpressionAttributeValues: {
          ':applied': 'applied',
          ':action': entry.action,
          ':target': entry.target,
          ':before': entry.before,
          ':after': entry.after,
        },
      }),
    )
  }

  /** Removes an intent whose change failed (only while it is still pending). */
  async withdraw(intent: AuditIntent): Promise<void> {
    await this.#client.send(
      new DeleteCommand({
        TableName: this.#tableName,
        Key: { [tables.audit.partitionKey]: intent.id },
        ConditionExpression: '#outcome = :pending',
        ExpressionAttributeNames: { '#outcome': 'outcome' },
        ExpressionAttributeValues: { ':pending': 'pending' },
      }),
    )
  }

  /**
   * Entries newest first, of one agent, one actor, both or all: each a Query on
   * an index (by agent and actor: the agent's, filtered by actor). `cursor`
   * continues after the last entry of the page before.
   */
  async list(query: AuditQuery): Promise<AuditPage> {
    const [indexName, partitionKey, value] =
      query.agentId !== undefined
        ? (['byAgent', indexes.byAgent.partitionKey, query.agentId] as const)
        : query.actor !== undefined
          ? (['byActor', indexes.byActor.partitionKey, query.actor] as const)
          : (['byTime', indexes.byTime.partitionKey, allEntries] as const)
    const after = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor)
    const filterByActor = query.agentId !== undefined && query.actor !== undefined
    const input: QueryCommandInput = {
      TableName: this.#tableName,
      IndexName: indexName,
      KeyConditionExpression: after ? '#pk = :pk AND #sk < :after' : '#pk = :pk',
      ...(filterByActor ? { FilterExpression: '#actor = :actor' } : {}),
      ExpressionAttributeNames: {
        '#pk': partitionKey,
        ...(after ? { '#sk': 'sortKey' } : {}),
        ...(filterByActor ? { '#actor': 'actor' } : {}),
      },
      ExpressionAttributeValues: {
        ':pk': value,
        ...(after ? { ':after': after } : {}),
        ...(filterByActor ? { ':actor': query.actor } : {}),
      },
      ScanIndexForward: false,
    }
    // One more than a page, so whether another page follows is known without a second read; and
    // no more once their bytes fill a page (an entry may hold 200 KB: a page of 100 such read 20
    // MB to answer 25). DynamoDB answers at most 1 MB a read, so at most that is read past it.
    const found: StoredAuditEntry[] = []
    let bytes = 0
    let start: Record<string, unknown> | undefined
    do {
      const page = await this.#client.send(
        new QueryCommand({
          ...input,
          Limit: query.limit + 1 - found.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      )
      for (const item of page.Items ?? []) {
        const entry = toEntry(item)
        found.push(entry)
        bytes += responseBytes(entry)
      }
      start = page.LastEvaluatedKey
    } while (start && found.length <= query.limit && bytes <= maxPageBytes)
    // A page ends before what a Lambda may answer, its cursor after the last entry shown.
    const entries = withinPageBytes(found.slice(0, query.limit))
    const last = entries.at(-1)
    return (entries.length < found.length || start) && last
      ? { entries, cursor: encodeAuditCursor(sortKeyOf(last)) }
      : { entries }
  }
}

/** The entry as the API shows it: without the table's own keys. */
const toEntry = (item: Record<string, unknown>): StoredAuditEntry => {
  const { feed: _feed, sortKey: _sortKey, expiresAt: _expiresAt, ...entry } = item
  return { before: null, after: null, ...entry } as StoredAuditEntry
}
