import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import { ChangeInProgressError } from './errors.ts'
import { tables } from './tables.ts'

/** What a lease item's key starts with (the admin role may delete no other settings item but /route's threshold). */
export const leaseKeyPrefix = 'lease#'

/**
 * How long a lease lasts if its holder never gives it back: longer than the admin
 * function may run (60 s, terraform/locals.tf; a Terraform test holds it so), so no
 * work outlives its lease, and short enough that a holder that died blocks little.
 */
export const defaultLeaseMs = 90_000

/** Runs `work` while no other holder of the same name runs its own. */
export type OneAtATime = <T>(name: string, work: () => Promise<T>) => Promise<T>

export interface DynamoLeaseOptions {
  client: DynamoDBDocumentClient
  /** The settings table (lib/tables.ts `settings`): the lease is an item `lease#<name>` in it. */
  tableName: string
  /**
   * How long a lease holds without being given back (defaultLeaseMs): a holder that
   * dies (a Lambda timed out) leaves it to lapse after this.
   */
  leaseMs?: number
  /** How long a writer waits for another's lease before giving up with ChangeInProgressError. */
  waitMs?: number
  now?: () => number
}

/**
 * One writer at a time across every Lambda instance, for a read-modify-write
 * its store cannot make conditional (Cognito's UpdateResourceServer replaces the
 * whole scope list; two changes read at once would each write back a list
 * without the other's): a lease item taken with a conditional put (none there,
 * lapsed, or its own) and given back with a delete conditioned on being its
 * holder's.
 *
 * @example
 * const lease = new DynamoLease({ client, tableName: tableName('settings', prefix) })
 * await lease.hold('callers', () => readAndWriteTheScopeList())
 */
export class DynamoLease {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #leaseMs: number
  readonly #waitMs: number
  readonly #now: () => number

  constructor(options: DynamoLeaseOptions) {
    this.#client = options.client
    this.#tableName = options.tableName
    this.#leaseMs = options.leaseMs ?? defaultLeaseMs
    this.#waitMs = options.waitMs ?? 10_000
    this.#now = options.now ?? Date.now
  }

  readonly hold: OneAtATime = async (name, work) => {
    const key = { [tables.settings.partitionKey]: `${leaseKeyPrefix}${name}` }
    const holder = randomUUID()
    try {
      await this.#take(key, holder, name)
    } catch (error) {
      // A put that failed on its way back (a timeout after the SDK's retries) may have landed:
      // given back, so that nobody waits out a lease that nothing holds. Ours only, if at all.
      if (!(error instanceof ChangeInProgressError)) await this.#giveBack(key, holder)
      throw error
    }
    try {
      return await work()
    } finally {
      await this.#giveBack(key, holder)
    }
  }

  async #take(key: Record<string, string>, holder: string, name: string) {
    const giveUpAt = this.#now() + this.#waitMs
    for (let attempt = 0; ; attempt++) {
      const now = this.#now()
      try {
        await this.#client.send(
          new PutCommand({
            TableName: this.#tableName,
            Item: { ...key, holder, lapsesAtMs: now + this.#leaseMs },
            // Its own holder too: a put that landed but whose answer was lost is retried by
            // the SDK, and must not then find the lease taken (by itself).
            ConditionExpression:
              'attribute_not_exists(#holder) OR #lapsesAtMs <= :now OR #holder = :holder',
            // Aliased, as any name DynamoDB might one day reserve.
            ExpressionAttributeNames: { '#holder': 'holder', '#lapsesAtMs': 'lapsesAtMs' },
            ExpressionAttributeValues: { ':now': now, ':holder': holder },
          }),
        )
        return
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error
      }
      // Another holds it: try again soon (a change takes a few Cognito calls), jittered so
      // that writers who wait together do not all ask again at the same moment.
      const pause = 50 * 2 ** Math.min(attempt, 3) * (0.5 + Math.random())
      if (this.#now() + pause >= giveUpAt) throw new ChangeInProgressError(name)
      await sleep(pause)
    }
  }

  async #giveBack(key: Record<string, string>, holder: string) {
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: key,
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': 'holder' },
          ExpressionAttributeValues: { ':holder': holder },
        }),
      )
    } catch {
      // Lapsed and taken by another (ConditionalCheckFailed), or the delete failed: either
      // way the work is done, and a lease not given back lapses after leaseMs.
    }
  }
}
