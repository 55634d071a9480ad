import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { batchGetItems } from '../batch-get.ts'
import { tables } from '../tables.ts'
import { textForLog } from '../text-for-log.ts'
import { mayHaveLanded } from '../write-outcome.ts'
import type { TaskRef } from './task-calls.ts'

/** Who created a task, and the A2A context it belongs to when an answer said. */
export interface TaskOwner {
  principal: string
  contextId?: string
}

/**
 * Which principal created each task, per agent: the gateway keeps callers'
 * tasks apart itself, since most agents do not.
 */
export interface TaskOwners {
  /**
   * Records `principal` as the owner of each task (an id, or an id with its
   * contextId, which is kept with it), or renews its record. Throws
   * `TaskOwnedElsewhereError` when one is another principal's.
   *
   * `registration` (here and below) is the agent's record's `createdAt`: a task recorded under
   * another registration of the id (an agent deleted, and registered again) is no one's here,
   * and may be recorded anew. Undefined matches any (a record from before the field too). The
   * members are properties, not methods, so an implementation of an older signature (a plain
   * string where a registration may be one still being read) does not compile.
   */
  record: (
    agentId: string,
    tasks: readonly (string | TaskRef)[],
    principal: string,
    registration?: string,
  ) => Promise<void>
  /** The principal that created the task; undefined when none is on record. */
  ownerOf: (agentId: string, taskId: string, registration?: string) => Promise<string | undefined>
  /**
   * The task's owner and, when recorded, its context; undefined when none is on record (the
   * registration may still be being read: it is awaited beside the owner's read).
   */
  taskOf: (
    agentId: string,
    taskId: string,
    registration?: string | PromiseLike<string | undefined>,
  ) => Promise<TaskOwner | undefined>
  /** Which of these tasks `principal` created (the registration may still be being read). */
  ownedBy: (
    agentId: string,
    taskIds: readonly string[],
    principal: string,
    registration?: string | PromiseLike<string | undefined>,
  ) => Promise<Set<string>>
}

/** Where a principal's task lives, when the caller names the task but not its agent (`/route`). */
export interface TaskHolders {
  /**
   * Which of `agentIds` hold a task `taskId` that `principal` created (usually one, or none).
   * `registrationOf` names each agent's registration, when known: a task recorded under an
   * earlier one (the agent deleted, and registered again) is held by no one.
   */
  holdersOf(
    taskId: string,
    agentIds: readonly string[],
    principal: string,
    registrationOf?: (agentId: string) => PromiseLike<string | undefined>,
  ): Promise<string[]>
}

/** The agent answered a caller with a task another principal created. */
export class TaskOwnedElsewhereError extends Error {
  constructor(agentId: string, taskId: string) {
    super(
      `agent '${agentId}' answered with task '${textForLog(taskId)}', which another caller created`,
    )
    this.name = 'TaskOwnedElsewhereError'
  }
}

/**
 * An answer naming a task by an id too long for the gateway's record (the agent id and the task
 * id together over DynamoDB's 2,048-byte key). The agent's doing: a caller cannot have an agent
 * answer with a task id of its choosing unless that task is already on record as the caller's.
 * So it counts as the agent's fault (task-ownership), not the gateway's.
 */
export class UnrecordableTaskError extends Error {
  constructor(agentId: string, taskId: string) {
    super(
      taskId.isWellFormed()
        ? `agent '${agentId}' answered with a task id of ${Buffer.byteLength(taskId)} bytes, too long for the gateway's record (the agent id and the task id together at most ${maxKeyBytes})`
        : `agent '${agentId}' answered with a task id that is not well-formed Unicode (a lone surrogate), which the gateway's record cannot keep apart from other ids`,
    )
    this.name = 'UnrecordableTaskError'
  }
}

/** A record lapses this long after the last answer that named its task. */
export const taskOwnerTtlSeconds = 30 * 24 * 60 * 60

/** DynamoDB's partition-key limit is 2,048 bytes; no longer id can be on record. */
const maxKeyBytes = 2048

const keyOf = (agentId: string, taskId: string) => `${agentId}#${taskId}`

/**
 * A context id worth keeping beside its task: one past a key's bytes is not kept (the task is
 * recorded without it, and an AgentCore session falls back to the task's). A caller may choose
 * the context id an agent answers with, so refusing the answer would let any caller fail the
 * agent's calls; and DynamoDB refuses an item past 400 KB.
 */
const keptContext = (contextId: string | undefined) =>
  contextId?.isWellFormed() && Buffer.byteLength(contextId) <= maxKeyBytes ? contextId : undefined

/**
 * Whether a task can be on record: its key within DynamoDB's bytes, and its id well-formed Unicode.
 * DynamoDB keeps a string as UTF-8, which has no lone surrogate (`"\ud800"`, an id JSON can
 * spell): dynalite makes one U+FFFD and DynamoDB Local `?`, so that `x\ud801` was found under the
 * record of `x\ud800` on both, and two tasks could share one owner. Such an id is never recorded
 * and never found; a caller naming one is refused before (`namedTask`).
 */
const fitsKey = (agentId: string, taskId: string) =>
  taskId.isWellFormed() && Buffer.byteLength(keyOf(agentId, taskId)) <= maxKeyBytes

interface OwnerItem {
  pk: string
  principal: string
  expiresAt: number
  contextId?: string
}

/** Epoch seconds at which a record last written at `registration` would lapse. */
const lapseOfWriteAt = (registration: string) =>
  Math.floor(Date.parse(registration) / 1000) + taskOwnerTtlSeconds

/** A registration as a record names it: an ISO time, as agent records' `createdAt`; else none. */
const registrationTime = (registration: string | undefined) =>
  registration !== undefined && Number.isFinite(Date.parse(registration)) ? registration : undefined

/**
 * Whether an item stands for `registration`: one naming it, or one from before items named
 * theirs that was last written since the registration (its `expiresAt` is that write's).
 */
const ofRegistration = (item: Record<string, unknown> | undefined, registration?: string) => {
  if (registration === undefined || item === undefined) return true
  if (item.registration !== undefined) return item.registration === registration
  return typeof item.expiresAt === 'number' && item.expiresAt >= lapseOfWriteAt(registration)
}

/**
 * Task owners in the `task-owners` table: one item per task, keyed
 * `{agentId}#{taskId}` (an agentId holds no `#`). Reads are strongly
 * consistent, so a task is readable by its creator as soon as its answer
 * arrives; an expired item counts as absent whether or not TTL has deleted it.
 */
export class DynamoTaskOwners implements TaskOwners, TaskHolders {
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

  async record(
    agentId: string,
    tasks: readonly (string | TaskRef)[],
    principal: string,
    registeredAt?: string,
  ): Promise<void> {
    const registration = registrationTime(registeredAt)
    const now = this.#nowSeconds()
    const byTask = new Map<string, string | undefined>()
    for (const task of tasks) {
      const { taskId, contextId } = typeof task === 'string' ? { taskId: task } : task
      // Every id checked before any is written: one refused leaves no other recorded.
      if (!fitsKey(agentId, taskId)) throw new UnrecordableTaskError(agentId, taskId)
      byTask.set(taskId, byTask.get(taskId) ?? keptContext(contextId))
    }
    await Promise.all(
      [...byTask].map(async ([taskId, contextId]) => {
        try {
          // An update, not a put: a renewal that does not name the context keeps the one on record.
          await this.#client.send(
            new UpdateCommand({
              TableName: this.#tableName,
              Key: { [tables.taskOwners.partitionKey]: keyOf(agentId, taskId) },
              UpdateExpression: `SET principal = :principal, expiresAt = :expiresAt${contextId ? ', contextId = :contextId' : ''}${registration ? ', registration = :registration' : ''}`,
              // A task is its creator's for good: no other principal's record is replaced, but
              // for one of an earlier registration of the id (deleted, and its tasks with it;
              // ISO times order as strings), or one from before records named theirs last
              // written before this registration. Never one of a later registration: an
              // instance still holding the old record may not take the new agent's task.
              ConditionExpression: registration
                ? 'attribute_not_exists(pk) OR (principal = :principal AND (attribute_not_exists(registration) OR registration <= :registration)) OR expiresAt <= :now OR registration < :registration OR (attribute_not_exists(registration) AND expiresAt < :registeredLapse)'
                : 'attribute_not_exists(pk) OR principal = :principal OR expiresAt <= :now',
              ExpressionAttributeValues: {
                ':principal': principal,
                ':expiresAt': now + taskOwnerTtlSeconds,
                ':now': now,
                ...(contextId ? { ':contextId': contextId } : {}),
                ...(registration
                  ? {
                      ':registration': registration,
                      ':registeredLapse': lapseOfWriteAt(registration),
                    }
                  : {}),
              },
            }),
          )
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) {
            throw new TaskOwnedElsewhereError(agentId, taskId)
          }
          // No attempt answered (a timeout, a 5xx): the write may have landed. Read back, so a
          // task that is the caller's is not withheld with "send the message again", which would
          // have the agent act twice.
          if (mayHaveLanded(error)) {
            const owner = await this.ownerOf(agentId, taskId, registration).catch(() => undefined)
            if (owner === principal) return
          }
          throw error
        }
      }),
    )
  }

  async ownerOf(
    agentId: string,
    taskId: string,
    registration?: string,
  ): Promise<string | undefined> {
    return (await this.taskOf(agentId, taskId, registration))?.principal
  }

  async taskOf(
    agentId: string,
    taskId: string,
    registration?: string | PromiseLike<string | undefined>,
  ): Promise<TaskOwner | undefined> {
    if (!fitsKey(agentId, taskId)) {
      // Still awaited, so a read that fails is not left unhandled.
      await registration
      return undefined
    }
    const read = this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { [tables.taskOwners.partitionKey]: keyOf(agentId, taskId) },
        ConsistentRead: true,
      }),
    )
    const [{ Item }, current] = await Promise.all([read, registration])
    const live = ofRegistration(Item, current) ? this.#live(Item) : undefined
    if (!live) return undefined
    return live.contextId
      ? { principal: live.principal, contextId: live.contextId }
      : { principal: live.principal }
  }

  async ownedBy(
    agentId: string,
    taskIds: readonly string[],
    principal: string,
    registration?: string | PromiseLike<string | undefined>,
  ): Promise<Set<string>> {
    const unique = [...new Set(taskIds)].filter((taskId) => fitsKey(agentId, taskId))
    const read = batchGetItems(
      this.#client,
      this.#tableName,
      unique.map((taskId) => ({ [tables.taskOwners.partitionKey]: keyOf(agentId, taskId) })),
      { lookup: 'task owners lookup', consistentRead: true },
    )
    // Read beside the owners, when it is still being read.
    const [items, current] = await Promise.all([read, registration])
    const owned = new Set<string>()
    for (const item of items) {
      const live = ofRegistration(item, current) ? this.#live(item) : undefined
      if (live?.principal === principal) owned.add(live.pk.slice(agentId.length + 1))
    }
    return owned
  }

  async holdersOf(
    taskId: string,
    agentIds: readonly string[],
    principal: string,
    registrationOf?: (agentId: string) => PromiseLike<string | undefined>,
  ): Promise<string[]> {
    const unique = [...new Set(agentIds)].filter((agentId) => fitsKey(agentId, taskId))
    const read = batchGetItems(
      this.#client,
      this.#tableName,
      unique.map((agentId) => ({ [tables.taskOwners.partitionKey]: keyOf(agentId, taskId) })),
      { lookup: 'task owners lookup', consistentRead: true },
    )
    const suffix = `#${taskId}`
    const held = (await read).flatMap((item) => {
      const live = this.#live(item)
      return live?.principal === principal && live.pk.endsWith(suffix)
        ? [{ agentId: live.pk.slice(0, -suffix.length), item }]
        : []
    })
    // Only the few records found wait for their agent's registration.
    const current = await Promise.all(held.map(({ agentId }) => registrationOf?.(agentId)))
    return held
      .filter(({ item }, i) => ofRegistration(item, registrationTime(current[i])))
      .map(({ agentId }) => agentId)
      .sort()
  }

  /** The item as an owner record, unless it is malformed or has expired. */
  #live(item: Record<string, unknown> | undefined): OwnerItem | undefined {
    const { pk, principal, expiresAt, contextId } = item ?? {}
    if (typeof pk !== 'string' || typeof principal !== 'string') return undefined
    if (typeof expiresAt !== 'number' || expiresAt <= this.#nowSeconds()) return undefined
    return typeof contextId === 'string'
      ? { pk, principal, expiresAt, contextId }
      : { pk, principal, expiresAt }
  }
}
