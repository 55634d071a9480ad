import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import type { Logger } from '@aws-lambda-powertools/logger'
import { DynamoTokenRevocations } from '../auth/token-revocations.ts'
import { signingDestinations } from '../backend/auth/aws-iam.ts'
import { backendCredentials } from '../backend/credentials.ts'
import { fetchAgentCard, fetchKeySet } from '../backend/fetch-card.ts'
import { guardedFetch } from '../backend/guarded-fetch.ts'
import { callerRegistryFor } from '../callers/caller-registry-for.ts'
import { DynamoClientCreations } from '../callers/client-creations.ts'
import type { CallerAdminDeps } from '../callers/manage-callers.ts'
import type { GatewayConfig } from '../config.ts'
import { embedderFor, vectorIndexFor } from '../discovery/adapters.ts'
import { indexChange, unindexAgent } from '../discovery/agent-index.ts'
import { DynamoRouteThresholdStore } from '../discovery/route-settings.ts'
import { createDocumentClient, createDynamoClient } from '../dynamo.ts'
import { DynamoLease } from '../dynamo-lease.ts'
import { AuditUnavailableError } from '../errors.ts'
import { adminIdempotencyKeyPath, adminPayloadFunctions } from '../http/idempotency-key.ts'
import { DynamoPermissionStore } from '../permissions/permission-store.ts'
import { DynamoAgentRegistry } from '../registry/agent-registry.ts'
import { parseCidrs } from '../registry/backend-address.ts'
import type { AgentAdminDeps, AgentChange } from '../registry/register-agent.ts'
import { secretStoreFor } from '../secrets/secret-store-for.ts'
import { tableName } from '../tables.ts'
import { type AuditSink, logAuditSink } from './audit.ts'
import { DynamoAuditLog } from './audit-log.ts'

type JmesPathFunctions = ConstructorParameters<typeof IdempotencyConfig>[0]['jmesPathOptions']

/**
 * The admin operations an `Idempotency-Key` makes safe to retry, as the audit trail names them.
 * The name is also the prefix of the operation's idempotency records: renaming one starts its
 * keys afresh (a retry of a request made before is run again).
 */
export type IdempotentOperation = 'agent.register' | 'route.calibrate' | ResourceOperation

/**
 * The changes of one resource a path names: the same key on another agent or scope, or with
 * another `If-Match`, is another request (a 422), never a replay of the first one's answer.
 */
const resourceOperations = [
  'agent.replace',
  'agent.patch',
  'agent.delete',
  'agent.sync',
  'permission.put',
  'permission.delete',
] as const
type ResourceOperation = (typeof resourceOperations)[number]
const isResourceOperation = (operation: IdempotentOperation): operation is ResourceOperation =>
  (resourceOperations as readonly string[]).includes(operation)

/**
 * Everything the admin API works with, built once per process from config:
 * the stores, the registration steps' dependencies, each idempotent
 * operation's idempotency store and the audit trail.
 *
 * @example
 * const admin = adminWiring(loadConfig(), createLogger())
 * await registerAgent(body, admin.agentAdmin).then(admin.keepIndexed)
 */
export const adminWiring = (config: GatewayConfig, logger: Logger) => {
  const dynamoClient = createDynamoClient(config)
  const documentClient = createDocumentClient(config, dynamoClient)
  const registry = new DynamoAgentRegistry(documentClient, tableName('agents', config.tablePrefix))
  const permissions = new DynamoPermissionStore(
    documentClient,
    tableName('permissions', config.tablePrefix),
  )
  const search = { embedder: embedderFor(config), index: vectorIndexFor(config) }
  const addressPolicy = { mode: config.mode, allowed: parseCidrs(config.backendAllowedCidrs) }
  /** Cards are fetched under the same address policy at connect time (DNS rebinding). */
  const backendFetch = guardedFetch(addressPolicy)
  const secrets = secretStoreFor(config)
  /** A private agent's card is fetched as its calls are sent: signed (aws_iam). */
  const credentials = backendCredentials({
    secrets,
    fetch: backendFetch,
    tokenTimeoutMs: config.tokenFetchTimeoutMs,
    signsFor: signingDestinations(config),
  })
  const warn = (message: string, details: Record<string, unknown>) => logger.warn(message, details)
  const agentAdmin: AgentAdminDeps = {
    removeVector: (agentId) => unindexAgent(agentId, search),
    registry,
    secrets,
    fetchCard: (cardUrl, agent) =>
      fetchAgentCard(cardUrl, {
        timeoutMs: config.cardFetchTimeoutMs,
        fetch: backendFetch,
        authenticate: credentials.forCardFetch(agent.agentId, agent.auth),
      }),
    fetchKeys: (jku) =>
      fetchKeySet(jku, { timeoutMs: config.cardFetchTimeoutMs, fetch: backendFetch }),
    addressPolicy,
    agentCoreEndpointUrl: config.agentCoreEndpointUrl,
    stackName: config.stackName,
    warn,
  }

  /** Keeps the search index in step with a change; never fails the change (see indexChange). */
  const keepIndexed = async (change: AgentChange): Promise<AgentChange> =>
    change.after
      ? { ...change, after: await indexChange(change.after, { ...search, registry, warn }) }
      : change

  /**
   * An operation made idempotent by the `Idempotency-Key` header, its records keyed by the
   * operation's name, the admin who sent it and the header (`adminIdempotencyKeyPath`): one
   * admin's key names one request of one operation, so another admin's request with the same
   * key is their own change, and a script that names a deployment's changes with one key
   * registers and calibrates, rather than being told the second is the first with another body.
   * Routes that share a name (the two register routes) share their keys. A store of its own
   * each: Powertools sets the key prefix on the store at each request's start and reads it again
   * when it saves or deletes the record, so with one store a calibration that ran while a
   * registration waited would have the registration's answer saved under the calibration's key,
   * and its lock left held.
   */
  const idempotencyFor = (operation: IdempotentOperation) => ({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: tableName('idempotency', config.tablePrefix),
      awsSdkV3Client: dynamoClient,
    }),
    keyPrefix: operation,
    config: new IdempotencyConfig({
      // Header names are lowercased by httpHeaderNormalizer before the router runs; an empty
      // header is no key, and a key is the admin's own, as for POST /admin/clients
      // (adminIdempotencyKeyOf). Records written before the admin was part of the key (6
      // December 2026) match no request: a retry across that deploy runs its change again.
      eventKeyJmesPath: adminIdempotencyKeyPath,
      // The same key with another body is a client error, not a replay; on a resource's route,
      // with another resource or condition too: the resource as the handler reads it (a retry
      // spelling a scope's `:` as `%3A` is the same request), If-Match as ifMatchOf reads it,
      // every line of it (`headers` holds only the last), else the single value; If-None-Match.
      payloadValidationJmesPath: isResourceOperation(operation)
        ? '[decoded_path_parameters(pathParameters), body, multiValueHeaders."if-match" || headers."if-match", headers."if-none-match"]'
        : 'body',
      // Powertools' idempotency pins its own copy of @aws-lambda-powertools/jmespath, whose
      // classes TypeScript holds apart from ours by their private fields; it calls only the
      // functions, which are the same.
      jmesPathOptions: adminPayloadFunctions as unknown as JmesPathFunctions,
      throwOnNoIdempotencyKey: false,
    }),
  })

  const auditLog = new DynamoAuditLog({
    client: documentClient,
    tableName: tableName('audit', config.tablePrefix),
    retentionDays: config.auditRetentionDays,
  })
  const audit = durableAuditSink(auditLog, logAuditSink(logger), logger)

  /** When each client's tokens were last revoked; the admin API's own callers checked against it. */
  const revocations = new DynamoTokenRevocations(
    documentClient,
    tableName('tokenRevocations', config.tablePrefix),
  )

  /** Cognito's read-modify-writes, and a scope's deletion against the writes naming scopes. */
  const oneAtATime = new DynamoLease({
    client: documentClient,
    tableName: tableName('settings', config.tablePrefix),
  }).hold

  /** Scopes and OAuth clients of the identity provider (issue 18). */
  const callerAdmin: CallerAdminDeps = {
    callers: callerRegistryFor(config, oneAtATime),
    oneAtATime,
    permissions,
    adminScope: config.token.adminScope,
    creations: new DynamoClientCreations(
      documentClient,
      tableName('idempotency', config.tablePrefix),
    ),
    managedClientIds: config.callers.managedClientIds,
    allowedClientIds: config.token.allowedClientIds,
    logError: (message, details) => logger.error(message, details),
    revocations,
  }

  /** What POST /admin/route/calibrate needs (calibrateRouting), and DELETE to remove it. */
  const routeCalibration = {
    registry,
    embedder: search.embedder,
    index: search.index,
    store: new DynamoRouteThresholdStore(documentClient, tableName('settings', config.tablePrefix)),
    maxEmbeddings: config.discovery.calibrationMaxEmbeddings,
    minMargin: config.discovery.routeThreshold.minMargin,
  }

  return {
    registry,
    permissions,
    agentAdmin,
    keepIndexed,
    idempotencyFor,
    audit,
    auditLog,
    routeCalibration,
    callerAdmin,
    revocations,
  }
}

/**
 * The audit table and the log line as one sink: the intent goes to the table
 * before the change (if it cannot, the change is not made), the change to both
 * once made. A confirmation that fails after the change is made does not fail
 * the request (the change stands, and its entry with it, as `pending`); it is
 * logged as an error.
 */
export const durableAuditSink = (
  table: Required<AuditSink>,
  log: AuditSink,
  logger: Pick<Logger, 'error'>,
): AuditSink => ({
  intend: async (intent) => {
    try {
      await table.intend(intent)
    } catch (error) {
      logger.error('audit entry not written; the change is refused', { audit: intent, error })
      throw new AuditUnavailableError(error instanceof Error ? error.message : String(error))
    }
  },
  record: async (entry) => {
    await log.record(entry)
    await table
      .record(entry)
      .catch((error: unknown) =>
        logger.error('audit entry not confirmed; it stays pending', { auditId: entry.id, error }),
      )
  },
  withdraw: (intent) => table.withdraw(intent),
})
