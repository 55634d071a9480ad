import { randomUUID } from 'node:crypto'
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { tables } from '../tables.ts'

export interface StreamSlotRequest {
  principal: string
  resource: string
  /** Open streams allowed at once. */
  limit: number
}

/** A slot taken: what `release` needs to give it back. */
export interface StreamSlot {
  principal: string
  resource: string
  /** Unique to the stream that took it. */
  id: string
}

export interface StreamSlots {
  /** Takes a slot; undefined when `limit` streams are already open. */
  acquire(request: StreamSlotRequest): Promise<StreamSlot | undefined>
  release(slot: StreamSlot): Promise<void>
}

/** A stream cannot outlive its Lambda (15 minutes at most). */
const slotLifetimeSeconds = 15 * 60

const names = { '#slots': 'slots', '#expiresAt': tables.rateLimits.ttlAttribute }

/**
 * A slot's id: its expiry (epoch seconds), then a random UUID. A string set's members hold
 * nothing beside themselves, so each carries the expiry a refused acquire reads.
 */
const slotIdExpiring = (expiresAt: number) => `${expiresAt}#${randomUUID()}`

/**
 * Whether a slot has lapsed. One whose expiry cannot be read counts as lapsed, so nothing
 * in the set can hold a place for good.
 */
const lapsed = (id: string, nowSeconds: number) => !(Number.parseInt(id, 10) > nowSeconds)

/** What an acquire's conditional write came to. */
type Take =
  | { taken: true }
  /** `held`: the item's slots as the refusal found them; undefined when the engine did not say. */
  | { taken: false; held: string[] | undefined }

/**
 * Open-stream slots in the rate-limits table: one item per caller and agent, holding a
 * string set `slots` with one member per open stream. Acquire adds a member while the set
 * holds fewer than the limit; release deletes it. Each slot lapses on its own, 15 minutes
 * after it was taken (the longest a stream can live), so one that is never given back (the
 * Lambda killed mid-stream, a failed release) holds its place only that long: an acquire
 * refused for the cap looks for lapsed slots in the item the refusal returns (or, where
 * the engine returns none, reads it), removes them and tries once more. The item's TTL, pushed to its newest slot's expiry, only clears
 * items no one uses.
 *
 * A set, not a map of id to expiry: `ADD` creates a set that is absent, where `SET
 * slots.#id` fails on an absent map (and cannot share an update with `SET slots =
 * if_not_exists(…)`), so every acquire is one request; and deleting a lapsed member cannot
 * undo a concurrent change, since no member is ever written twice.
 *
 * An item of the old counter (`open`, no `slots`) reads as holding no slot: `open` is
 * ignored and left alone. A stream the old code counted is given back by the old code, the
 * Lambda it runs in, which decrements `open` and removes nothing here.
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

  /**
   * One conditional write. Refused for the cap, it costs nothing more unless a slot has
   * lapsed: then one write removes the lapsed ones and one more tries again.
   */
  async acquire({
    principal,
    resource,
    limit,
  }: StreamSlotRequest): Promise<StreamSlot | undefined> {
    const now = this.#now()
    const nowSeconds = Math.floor(now / 1000)
    // Rounded up: a slot taken mid-second, its expiry that second's start, lapsed up to a second
    // before the stream that took it had to end.
    const expiresAt = Math.ceil(now / 1000) + slotLifetimeSeconds
    const slot = { principal, resource, id: slotIdExpiring(expiresAt) }
    const first = await this.#granted(slot, limit)
    if (first.granted) return slot
    const gone = first.held.filter((id) => lapsed(id, nowSeconds))
    // Room once the lapsed are gone. The refused item as DynamoDB returns it was full, so
    // only lapsed slots make room; the item dynalite's refusal is read back as may already
    // have room (a concurrent opener removed the lapsed ones), and is tried again too.
    if (first.held.length - gone.length >= limit) return undefined
    if (gone.length > 0) await this.#remove(principal, resource, gone)
    return (await this.#granted(slot, limit)).granted ? slot : undefined
  }

  /**
   * One take, and whether it holds the slot: taken, or refused by its own slot (a retried
   * request whose first attempt went through, its answer lost). A refusal says what is held.
   */
  async #granted(slot: StreamSlot, limit: number): Promise<{ granted: boolean; held: string[] }> {
    const take = await this.#take(slot, limit)
    if (take.taken) return { granted: true, held: [] }
    const held = take.held ?? (await this.#read(slot.principal, slot.resource))
    return { granted: held.includes(slot.id), held }
  }

  async release({ principal, resource, id }: StreamSlot): Promise<void> {
    await this.#remove(principal, resource, [id])
  }

  /** Adds the slot while fewer than `limit` are held. */
  async #take({ principal, resource, id }: StreamSlot, limit: number): Promise<Take> {
    try {
      await this.#update(principal, resource, {
        // The item lives as long as its newest slot, which this one is.
        UpdateExpression: 'ADD #slots :slot SET #expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(#slots) OR size(#slots) < :limit',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':slot': new Set([id]),
          ':limit': limit,
          ':expiresAt': Number.parseInt(id, 10),
        },
        // The item the condition was checked against, at no extra request (DynamoDB does;
        // dynalite ignores it, and a refusal there reads the item).
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })
      return { taken: true }
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
      // Raw attribute values, on the lean path and the SDK's alike: the document client
      // unmarshalls answers, not errors.
      const item = error.Item as Record<string, { SS?: string[] }> | undefined
      return { taken: false, held: item && (item[names['#slots']]?.SS ?? []) }
    }
  }

  /** The item's slots, read consistently: none of the refusal's may be missed. */
  async #read(principal: string, resource: string): Promise<string[]> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: this.#key(principal, resource),
        ConsistentRead: true,
        ProjectionExpression: '#slots',
        ExpressionAttributeNames: { '#slots': names['#slots'] },
      }),
    )
    return [...((Item?.[names['#slots']] as Set<string> | undefined) ?? [])]
  }

  /**
   * Deletes the named slots. Any other change made meanwhile stays as it is: no member is
   * written twice. Slots already gone (given back, removed by another acquire, the item
   * expired) are nothing to remove.
   */
  async #remove(principal: string, resource: string, ids: string[]): Promise<void> {
    try {
      await this.#update(principal, resource, {
        UpdateExpression: 'DELETE #slots :ids',
        // Without it, an item deleted meanwhile would come back as a bare key, never to expire.
        ConditionExpression: 'attribute_exists(#slots)',
        ExpressionAttributeNames: { '#slots': names['#slots'] },
        ExpressionAttributeValues: { ':ids': new Set(ids) },
      })
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
    }
  }

  #key(principal: string, resource: string) {
    return { [tables.rateLimits.partitionKey]: `${principal}#${resource}#streams` }
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
      | 'ReturnValuesOnConditionCheckFailure'
    >,
  ) {
    return this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: this.#key(principal, resource),
        ...update,
      }),
    )
  }
}
