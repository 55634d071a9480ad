import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { boundedCache } from '../bounded-cache.ts'
import type { GatewayConfig } from '../config.ts'
import { TokenRevokedError } from '../errors.ts'
import { tableName, tables } from '../tables.ts'
import { maxClockSkewSeconds } from './bearer.ts'
import type { Caller } from './caller.ts'

/**
 * Access tokens cannot be taken back from their holders (Cognito's are JWTs, checked by
 * signature alone), so the gateway keeps, per app client, the time before which the tokens it
 * was issued are refused: a client deleted, a scope taken from it, or its tokens revoked
 * outright (`POST /admin/clients/{clientId}/revoke-tokens`).
 */
export interface TokenRevocations {
  /**
   * Epoch seconds: the client's tokens issued (`iat`) before this are refused. Undefined when its
   * tokens were never revoked, or so long ago that none issued before can still be valid.
   */
  issuedBefore(clientId: string): Promise<number | undefined>
  /**
   * Refuses every token the client was issued until now (`now`, ms since the epoch), and any it
   * is issued within the same second (a token's `iat` is whole seconds). Returns the new
   * `issuedBefore`. A later revocation already stored is kept.
   */
  revoke(clientId: string, now?: number): Promise<number>
}

/** Cognito's longest access token (a day): no token issued before a revocation outlives this. */
const longestTokenSeconds = 24 * 60 * 60

/**
 * The longest a push config's setting, made with a token, stands: until its config lapses, 30
 * days after it was set (`pushConfigTtlSeconds`), and, set again meanwhile, as long again as the
 * next setting's `previous` (`lib/push/push-configs.ts`; a test holds the two together). A
 * revocation is kept this long, so no setting made before it is taken once it has lapsed.
 */
export const longestSettingSeconds = 60 * 24 * 60 * 60

/** The `issuedBefore` a revocation at `now` (ms) stores: the next whole second. */
export const revocationSecond = (now: number): number => Math.floor(now / 1000) + 1

/**
 * Waits until the second `issuedBefore` has begun (under a second after the revocation), so that a
 * token the client gets once this returns is not refused: the promise an answer that revoked
 * tokens makes ("a new token works").
 */
export const revocationPassed = async (issuedBefore: number, now: () => number = Date.now) => {
  const wait = issuedBefore * 1000 - now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

/** One item per client in the token-revocations table, lapsing once it can refuse nothing. */
export class DynamoTokenRevocations implements TokenRevocations {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client
    this.#tableName = tableName
  }

  async issuedBefore(clientId: string): Promise<number | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { [tables.tokenRevocations.partitionKey]: clientId },
        ConsistentRead: true,
      }),
    )
    const issuedBefore = Item?.issuedBefore
    return typeof issuedBefore === 'number' ? issuedBefore : undefined
  }

  async revoke(clientId: string, now = Date.now()): Promise<number> {
    const issuedBefore = revocationSecond(now)
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: { [tables.tokenRevocations.partitionKey]: clientId },
          UpdateExpression: 'SET issuedBefore = :issuedBefore, #expiresAt = :expiresAt',
          // Never moved back: a concurrent revocation that stored a later second wins.
          ConditionExpression: 'attribute_not_exists(issuedBefore) OR issuedBefore < :issuedBefore',
          ExpressionAttributeNames: { '#expiresAt': tables.tokenRevocations.ttlAttribute },
          ExpressionAttributeValues: {
            ':issuedBefore': issuedBefore,
            ':expiresAt':
              issuedBefore +
              Math.max(longestTokenSeconds, longestSettingSeconds) +
              maxClockSkewSeconds,
          },
        }),
      )
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
    }
    return issuedBefore
  }
}

/**
 * Reads each client's revocation at most once per `ttlMs` per instance, counted from when its
 * read began, so a token revoked is refused by every instance `ttlMs` after the revocation was
 * written (the same bound as a deleted agent's, `REGISTRY_CACHE_TTL_MS`). Calls that miss while
 * a read is under way share it; a failed read is not remembered.
 *
 * @example
 * const issuedBefore = cachedRevocations(revocations, config.registryCacheTtlMs)
 * await issuedBefore('3n4ob2…') // at most one GetItem per client per ttlMs
 */
export const cachedRevocations = (
  revocations: Pick<TokenRevocations, 'issuedBefore'>,
  ttlMs: number,
  now: () => number = Date.now,
): ((clientId: string) => Promise<number | undefined>) => {
  const read = boundedCache<number | undefined>(ttlMs, now)
  return (clientId) => read(clientId, () => revocations.issuedBefore(clientId))
}

/**
 * The cached revocation read a function builds once from configuration: the agents and
 * discovery handlers refuse revoked tokens with it, the push callback and delivery the push
 * configs set with them.
 *
 * @example
 * const revokedBefore = revokedBeforeFor(config, documentClient)
 */
export const revokedBeforeFor = (
  config: Pick<GatewayConfig, 'tablePrefix' | 'registryCacheTtlMs'>,
  client: DynamoDBDocumentClient,
): ((clientId: string) => Promise<number | undefined>) =>
  cachedRevocations(
    new DynamoTokenRevocations(client, tableName('tokenRevocations', config.tablePrefix)),
    config.registryCacheTtlMs,
  )

/**
 * Refuses (401) a caller whose token was issued before its client's tokens were revoked.
 *
 * @example
 * assertNotRevoked(context.caller, await issuedBefore(context.caller.clientId))
 */
export const assertNotRevoked = (
  caller: Pick<Caller, 'issuedAt'>,
  issuedBefore: number | undefined,
): void => {
  if (isRevoked(caller, issuedBefore)) throw new TokenRevokedError()
}

/** Whether the caller's token was issued before its client's tokens were revoked. */
export const isRevoked = (caller: Pick<Caller, 'issuedAt'>, issuedBefore: number | undefined) =>
  issuedBefore !== undefined && caller.issuedAt < issuedBefore
