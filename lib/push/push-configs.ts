import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { isOperationName, type OperationName } from '../a2a/operations.ts'
import { grantsFromPermissions, mayInvoke } from '../auth/grants.ts'
import { isRevoked } from '../auth/token-revocations.ts'
import type { PermissionStore } from '../permissions/permission-store.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

/** Where and how the client wants its pushes: what it set, as it set it. */
export interface ClientWebhook {
  url: string
  /** Sent back to the client in `X-A2A-Notification-Token` with every push. */
  token?: string
  /** The client's authentication info (1.0 `{scheme, credentials}`, 0.3 `{schemes, credentials}`). */
  authentication?: Record<string, unknown>
}

/**
 * One push config the gateway stands behind: the agent was handed the callback
 * `/push/{configId}` with a secret; the client's webhook stays here.
 */
export interface PushConfigRecord {
  configId: string
  agentId: string
  /**
   * The task the config is for. Absent when set with a SendMessage that starts one, until the
   * agent's first push through it names the task (`acceptPush`), which binds it for good.
   */
  taskId?: string
  /** Who set it: pushes are delivered only for this principal's tasks. */
  principal: string
  /**
   * The registration the config was set under (the agent record's `createdAt`): once the agent
   * is deleted and its id registered again, the callback takes no more pushes. Absent on
   * configs set before it was kept.
   */
  agentCreatedAt?: string
  /** SHA-256 (hex) of the secret the agent must present; the secret itself is not kept. */
  secretHash: string
  webhook: ClientWebhook
  /**
   * The token this setting was made with: its client and when it was issued (the caller's
   * `issuedAt`). A setting is refused once that token would be (`settingRevoked`). Absent on
   * settings made before it was kept.
   */
  setWith?: SettingToken
  /**
   * The agent answered the call that made this setting, and no other setting was made before
   * that answer came (`confirmSetting`): the agent holds it, and any setting made after it
   * replaces it at the agent.
   */
  confirmed?: boolean
  /**
   * The agent answered the call that made this setting with an error: it never held it, so the
   * next setting keeps this one's `previous` beside it rather than this one.
   */
  refused?: boolean
  /**
   * The config as it stood before it was last set. The agent may still hold its secret: the
   * setting failed at the agent, or its answer was lost, or two settings crossed. A push with
   * that secret goes to that webhook, so no setting leaves the agent's pushes refused; it is
   * withdrawn once the agent has taken the new one, if it was itself confirmed before.
   */
  previous?: PushConfigVersion
  /**
   * When this setting was made (epoch seconds). A config set with the SendMessage that starts its
   * task may claim that task in a push only while such a call can last. Absent on settings made
   * before it was kept.
   */
  setAt?: number
  /**
   * Set inline with the SendMessage that starts its task: the `id` the client gave it, absent
   * when it gave none (an agent then names the config by its task). The Delete of that task and
   * id finds the config through the link its first push writes (`inlineLinkOf`). Absent on every
   * other config, and on configs set inline before 6 December 2026, which no link finds.
   */
  inline?: { id?: string }
  /** Epoch seconds; DynamoDB's TTL deletes the record after it. */
  expiresAt: number
}

/** The token a config's setting was made with. */
export interface SettingToken {
  clientId: string
  /** Epoch seconds, as `Caller.issuedAt`. */
  issuedAt: number
  /**
   * The token's scopes and the A2A operation that made the setting (a Create, or a SendMessage
   * or SendStreamingMessage carrying a config): the setting stands while those scopes' permissions grant that operation
   * on the config's agent (`settingUngranted`). Absent on settings made before they were kept.
   */
  scopes?: string[]
  operation?: OperationName
}

/**
 * One setting of a config: the secret the agent was handed for it, the client's webhook, and the
 * token it was set with.
 */
export type PushConfigVersion = Pick<
  PushConfigRecord,
  'secretHash' | 'webhook' | 'setWith' | 'confirmed'
>

/**
 * Why an agent's pushes are no longer taken, nor delivered: it is not active, or not the
 * registration the config was set under. A deactivated or deleted agent is served by nobody, its
 * pushes included.
 */
export const agentNotServed = (
  agentId: string,
  agent: Pick<AgentRecord, 'status' | 'createdAt'> | undefined,
  setUnder: string | undefined,
): string | undefined => {
  if (!agent) return `Agent '${agentId}' is no longer registered.`
  if (agent.status === 'inactive') return `Agent '${agentId}' is inactive.`
  if (agent.status === 'deleting') return `Agent '${agentId}' is being deleted.`
  // A config written before configs named their registration is taken while the agent is active.
  if (setUnder !== undefined && agent.createdAt !== setUnder) {
    return `Agent '${agentId}' was registered again since this config was set: set it again.`
  }
  return undefined
}

/**
 * Whether a config's setting stands no more because the token it was set with would be refused
 * now: its client was deleted, lost a scope, or had its tokens revoked since (rule 12). A setting
 * outlives its token's expiry (the config lapses on its own), but not its revocation, which a
 * leaked token's holder would otherwise survive; a client sets it again with a new token. A
 * setting made before settings kept their token counts as set
 * by its principal (a client-credentials token's `sub` is its client) with a token issued at 0,
 * as a token without `iat` counts.
 *
 * @example
 * if (await settingRevoked(record, version, issuedBefore)) return { outcome: 'dropped', reason }
 */
export const settingRevoked = async (
  record: Pick<PushConfigRecord, 'principal'>,
  version: PushConfigVersion,
  issuedBefore: (clientId: string) => Promise<number | undefined>,
): Promise<boolean> => {
  // Read field by field: a setting stored without either (a caller built by hand) is held to
  // its principal and the oldest time, never let through.
  const { clientId, issuedAt }: Partial<SettingToken> = version.setWith ?? {}
  const setBy = typeof clientId === 'string' && clientId !== '' ? clientId : record.principal
  const setAt = typeof issuedAt === 'number' && Number.isFinite(issuedAt) ? issuedAt : 0
  return isRevoked({ issuedAt: setAt }, await issuedBefore(setBy))
}

/**
 * Whether a config's setting stands no more because the scopes its token carried no longer grant,
 * on the config's agent, the operation that made it: their permission deleted or narrowed since, or
 * the agent taken out of it. A call with that token would be refused (once the authorizer's cache
 * has caught up), and so are the pushes it set up: a grant taken away stops a client's task updates
 * too. A setting made before settings kept their scopes is not checked; one whose scopes or
 * operation are not what the gateway writes is never let through.
 *
 * @example
 * if (await settingUngranted(record, version, permissions)) return { outcome: 'dropped', reason }
 */
export const settingUngranted = async (
  record: Pick<PushConfigRecord, 'agentId'>,
  version: PushConfigVersion,
  permissions: Pick<PermissionStore, 'forScopes'>,
): Promise<boolean> => {
  const { scopes, operation }: Partial<SettingToken> = version.setWith ?? {}
  if (scopes === undefined) return false
  const readable =
    Array.isArray(scopes) &&
    scopes.every((scope) => typeof scope === 'string') &&
    typeof operation === 'string' &&
    isOperationName(operation)
  if (!readable) return true
  const grants = grantsFromPermissions(await permissions.forScopes(scopes))
  return !mayInvoke(grants, record.agentId, operation)
}

/** Another setting of the config was written since it was read: read it again. */
export class PushConfigChangedError extends Error {
  constructor(configId: string) {
    super(`Push config ${configId} was set again meanwhile`)
    this.name = 'PushConfigChangedError'
  }
}

/** The push configs the gateway stands behind. */
export interface PushConfigStore {
  /**
   * Writes the record if the config stands as `replacing` says (the record read before, or
   * none), else a PushConfigChangedError.
   */
  put(record: PushConfigRecord, replacing?: PushConfigRecord): Promise<void>
  /** The record, unless absent or expired. */
  get(configId: string): Promise<PushConfigRecord | undefined>
  /**
   * Binds a config set before its task existed to `taskId`, unless it is bound to another: the
   * first task an agent pushes for through it is the one it was set for. `bound` when it is (now,
   * or before: a retry binds nothing new), `elsewhere` when bound to another task, `gone` when
   * the config is absent or expired.
   */
  bindTask(configId: string, taskId: string): Promise<'bound' | 'elsewhere' | 'gone'>
  /**
   * Deletes the record, answering it as it stood (expired or not), or undefined when none did. A
   * kit user's store written before it answered the record may answer nothing (`void`): the
   * Delete then marks and deletes the inline configs linked under the id, as it did before.
   * With `only`, deletes it only while it stands as that record (its secret), else leaves it:
   * a setting made meanwhile stays. A store written before `only` deletes whatever stands (and
   * `refuseSetting` puts back a setting it deleted so, from what it answered).
   */
  delete(
    configId: string,
    only?: PushConfigRecord,
    // biome-ignore lint/suspicious/noConfusingVoidType: such a store's `async delete(): Promise<void>`.
  ): Promise<PushConfigRecord | undefined | void>
  /**
   * Links the config id a Delete derives (`configIdFor`) to a config set inline, which sits
   * under a random id: `linked`, or `deleted` when a Delete of that derived id came first (the
   * config is then gone, and nothing is linked). Linking again is linking once.
   */
  link(derivedId: string, configId: string): Promise<'linked' | 'deleted'>
  /**
   * Marks a derived id deleted, so that no config set inline is linked to it from now on, and
   * answers the configs linked to it before (for the Delete to delete them). Marking again
   * answers them again.
   */
  markDeleted(derivedId: string): Promise<string[]>
  /**
   * Deletes a config set inline unless it is bound to a task other than `taskId` (where a link
   * to another task's id was written by a push that lost the binding to this one's).
   */
  deleteInline(configId: string, taskId: string): Promise<void>
}

/**
 * A config lapses this long after it was set (a task's ownership record lasts as long). A
 * token revocation outlives twice this (`longestSettingSeconds`).
 */
export const pushConfigTtlSeconds = 30 * 24 * 60 * 60

/** Config ids go into a URL path segment: letters, digits, `-` and `_` only. */
export const configIdPattern = /^[A-Za-z0-9_-]{16,64}$/

/**
 * The config id of a client's config `id` on a task: one per agent, caller,
 * task and id, so that deleting the config finds its record (and setting it
 * again replaces it). It is no secret: the secret is.
 */
export const configIdFor = (agentId: string, principal: string, taskId: string, id: string) =>
  createHash('sha256')
    .update(JSON.stringify([agentId, principal, taskId, id]))
    .digest('base64url')
    .slice(0, 32)

/**
 * The derived id a config set inline answers to once bound to `taskId`: the one a Delete of that
 * task and the config's `id` computes (the task's id when the client gave none). Undefined for a
 * config not set inline, or set inline before 6 December 2026 (its `id` was not kept).
 */
export const inlineLinkOf = (
  record: Pick<PushConfigRecord, 'agentId' | 'principal' | 'inline'>,
  taskId: string,
): string | undefined =>
  record.inline && configIdFor(record.agentId, record.principal, taskId, record.inline.id ?? taskId)

/**
 * Binds a config given with the SendMessage that starts its task to that task, once the task is
 * on record as the config's setter's (the callback, or the delivery of a push held for it): first
 * the id a Delete of that task and the config's `id` derives is linked to it (`inlineLinkOf`), so
 * that Delete finds it; where that Delete came first, the config is deleted and `gone`. Each
 * write before the next: a binding that fails leaves the config linked and unbound, which the
 * agent's next push links again (a link is idempotent) and binds; never a config bound that its
 * task's Delete cannot find.
 */
export const bindInlineConfig = async (
  record: Pick<PushConfigRecord, 'configId' | 'agentId' | 'principal' | 'inline'>,
  taskId: string,
  configs: Pick<PushConfigStore, 'bindTask' | 'link' | 'deleteInline'>,
): Promise<'bound' | 'elsewhere' | 'gone'> => {
  const linkedAs = inlineLinkOf(record, taskId)
  if (linkedAs !== undefined && (await configs.link(linkedAs, record.configId)) === 'deleted') {
    await configs.deleteInline(record.configId, taskId)
    return 'gone'
  }
  return configs.bindTask(record.configId, taskId)
}

/**
 * A config set inline, shown by its agent under `answeredId` in an answer about `taskId` (a List's):
 * when that is not the id its binding links (`inlineLinkOf`: an agent left to name a config given
 * without an id may choose a random one, as @a2a-js/sdk 1.3.0 does, which the client learns only
 * from a List), the id a Delete of that task and `answeredId` derives is linked to it too, so that
 * Delete finds it; where that Delete came first, the config is deleted and `gone`. Nothing is
 * linked for any other config, nor for one bound to another task (not the config that task's
 * Delete is for).
 */
export const linkAnsweredId = async (
  record: Pick<PushConfigRecord, 'configId' | 'agentId' | 'principal' | 'inline' | 'taskId'>,
  taskId: string,
  answeredId: string,
  configs: Pick<PushConfigStore, 'link' | 'deleteInline'>,
): Promise<'linked' | 'unchanged' | 'gone'> => {
  if (!record.inline || answeredId === (record.inline.id ?? taskId)) return 'unchanged'
  if (record.taskId !== undefined && record.taskId !== taskId) return 'unchanged'
  const derived = configIdFor(record.agentId, record.principal, taskId, answeredId)
  if ((await configs.link(derived, record.configId)) === 'linked') return 'linked'
  await configs.deleteInline(record.configId, taskId)
  return 'gone'
}

/**
 * The key of a derived id's link item, in the configs' table beside them: the `:` is outside
 * `configIdPattern`, so no callback reads or writes it (and a push names no such config).
 */
const linkKey = (derivedId: string) => `link:${derivedId}`

/** A random config id, for a config set before its task exists (with the SendMessage that starts it). */
export const randomConfigId = () => randomBytes(16).toString('base64url')

/** A fresh secret the agent will present with its pushes. */
export const newCallbackSecret = () => randomBytes(32).toString('base64url')

export const secretHashOf = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex')

/**
 * Whether `presented` is the record's secret, compared in constant time (over
 * the two hashes, which have one length whatever was presented).
 */
export const secretMatches = (record: Pick<PushConfigRecord, 'secretHash'>, presented: string) => {
  const stored = Buffer.from(record.secretHash, 'hex')
  // A stored hash of another length (a record written by hand) matches nothing, and says nothing.
  return (
    stored.length === 32 && timingSafeEqual(Buffer.from(secretHashOf(presented), 'hex'), stored)
  )
}

/** The setting of the config whose secret `presented` is (each compared in constant time). */
export const versionPresented = (
  record: PushConfigRecord,
  presented: string,
): PushConfigVersion | undefined => {
  const current = secretMatches(record, presented)
  const previous = record.previous !== undefined && secretMatches(record.previous, presented)
  return current ? record : previous ? record.previous : undefined
}

/**
 * The setting of the config named by its secret's hash, as a queued push names it: undefined
 * once the config was set twice since. A push queued before pushes named it goes to the current.
 */
export const versionHashed = (
  record: PushConfigRecord,
  secretHash: string | undefined,
): PushConfigVersion | undefined =>
  secretHash === undefined || secretHash === record.secretHash
    ? record
    : secretHash === record.previous?.secretHash
      ? record.previous
      : undefined

/** Push configs in the `push-configs` table, one item per config, read strongly consistent. */
export class DynamoPushConfigs implements PushConfigStore {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string
  readonly #now: () => number

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; now?: () => number }) {
    this.#client = options.client
    this.#tableName = options.tableName
    this.#now = options.now ?? Date.now
  }

  async put(record: PushConfigRecord, replacing?: PushConfigRecord): Promise<void> {
    // An expired record reads as none, so it may be replaced as none.
    const condition = replacing
      ? {
          ConditionExpression: '#secretHash = :secretHash',
          values: { ':secretHash': replacing.secretHash },
        }
      : {
          ConditionExpression: 'attribute_not_exists(#secretHash) OR #expiresAt <= :now',
          values: { ':now': Math.floor(this.#now() / 1000) },
        }
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: record,
          ConditionExpression: condition.ConditionExpression,
          ExpressionAttributeNames: replacing
            ? { '#secretHash': 'secretHash' }
            : { '#secretHash': 'secretHash', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: condition.values,
        }),
      )
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
      // The SDK's retry of a put that landed, its answer lost, meets the put itself: its secret,
      // new to this setting, is then the one stored.
      if (
        (error.$metadata.attempts ?? 1) > 1 &&
        (await this.get(record.configId))?.secretHash === record.secretHash
      )
        return
      throw new PushConfigChangedError(record.configId)
    }
  }

  async get(configId: string): Promise<PushConfigRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: { configId }, ConsistentRead: true }),
    )
    const record = Item as PushConfigRecord | undefined
    return record && record.expiresAt > this.#now() / 1000 ? record : undefined
  }

  async bindTask(configId: string, taskId: string): Promise<'bound' | 'elsewhere' | 'gone'> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { configId },
          UpdateExpression: 'SET #taskId = :taskId',
          // Only a config that stands (an update of a missing key would write one), and only
          // where no task is bound or this one is: two tasks racing, one binds; a retry (the
          // agent's, or the SDK's after a lost answer) meets its own write and binds nothing new.
          ConditionExpression:
            'attribute_exists(#secretHash) AND #expiresAt > :now AND (attribute_not_exists(#taskId) OR #taskId = :taskId)',
          ExpressionAttributeNames: {
            '#taskId': 'taskId',
            '#secretHash': 'secretHash',
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: { ':taskId': taskId, ':now': Math.floor(this.#now() / 1000) },
        }),
      )
      return 'bound'
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
      const record = await this.get(configId)
      if (!record) return 'gone'
      return record.taskId === taskId ? 'bound' : 'elsewhere'
    }
  }

  async delete(configId: string, only?: PushConfigRecord): Promise<PushConfigRecord | undefined> {
    try {
      const { Attributes } = await this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: { configId },
          ReturnValues: 'ALL_OLD',
          ...(only && {
            ConditionExpression: '#secretHash = :secretHash',
            ExpressionAttributeNames: { '#secretHash': 'secretHash' },
            ExpressionAttributeValues: { ':secretHash': only.secretHash },
          }),
        }),
      )
      return Attributes as PushConfigRecord | undefined
    } catch (error) {
      // Another setting stands (or none): it is not the one to delete.
      if (only && error instanceof ConditionalCheckFailedException) return undefined
      throw error
    }
  }

  /**
   * One item per derived id holds both the configs linked to it and the Delete's mark, so a link
   * and a mark racing are ordered by its conditions: the link is refused once the mark stands, and
   * the mark answers every link written before it. The item outlives any config linked to it (its
   * expiry set from now, a config's from when it was set), and a mark any config set before it.
   */
  async link(derivedId: string, configId: string): Promise<'linked' | 'deleted'> {
    const now = Math.floor(this.#now() / 1000)
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { configId: linkKey(derivedId) },
          UpdateExpression: 'SET #expiresAt = :expiresAt ADD #linked :linked REMOVE #deleted',
          // A mark that lapsed is no mark (the configs it was for have lapsed too).
          ConditionExpression: 'attribute_not_exists(#deleted) OR #expiresAt <= :now',
          ExpressionAttributeNames: {
            '#expiresAt': 'expiresAt',
            '#linked': 'linked',
            '#deleted': 'deleted',
          },
          ExpressionAttributeValues: {
            ':expiresAt': now + pushConfigTtlSeconds,
            ':linked': new Set([configId]),
            ':now': now,
          },
        }),
      )
      return 'linked'
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
      return 'deleted'
    }
  }

  async markDeleted(derivedId: string): Promise<string[]> {
    const { Attributes } = await this.#client.send(
      new UpdateCommand({
        TableName: this.#tableName,
        Key: { configId: linkKey(derivedId) },
        // The links are kept under the mark: a Delete sent again finds them again.
        UpdateExpression: 'SET #deleted = :deleted, #expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#deleted': 'deleted', '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: {
          ':deleted': true,
          ':expiresAt': Math.floor(this.#now() / 1000) + pushConfigTtlSeconds,
        },
        ReturnValues: 'ALL_NEW',
      }),
    )
    const linked: unknown = Attributes?.linked
    return linked instanceof Set ? [...linked].filter((id) => typeof id === 'string') : []
  }

  async deleteInline(configId: string, taskId: string): Promise<void> {
    try {
      await this.#client.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: { configId },
          ConditionExpression: 'attribute_not_exists(#taskId) OR #taskId = :taskId',
          ExpressionAttributeNames: { '#taskId': 'taskId' },
          ExpressionAttributeValues: { ':taskId': taskId },
        }),
      )
    } catch (error) {
      // Bound to another task: not the config that task's Delete was for.
      if (!(error instanceof ConditionalCheckFailedException)) throw error
    }
  }
}
