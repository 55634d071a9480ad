import { defaultProvider } from '@aws-sdk/credential-provider-node'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { revokedBeforeFor } from '../auth/token-revocations.ts'
import { memoizedAwsCredentials } from '../backend/auth/aws-credentials.ts'
import { guardedFetch } from '../backend/guarded-fetch.ts'
import type { GatewayConfig } from '../config.ts'
import { permissionsFor } from '../permissions/permission-store.ts'
import { cachedLookup, DynamoAgentRegistry } from '../registry/agent-registry.ts'
import { parseCidrs } from '../registry/backend-address.ts'
import type { GatewayKey } from '../signing/gateway-key.ts'
import { tableName } from '../tables.ts'
import { DynamoTaskOwners } from '../tasks/task-owners.ts'
import { DynamoDeadLetters } from './dead-letters.ts'
import { type DeliveryOutcome, deliverPush, type PushDelivery } from './delivery.ts'
import { type DeliveryQueue, InProcessDeliveryQueue } from './delivery-queue.ts'
import { DynamoPushConfigs } from './push-configs.ts'
import { SqsDeliveryQueue } from './sqs-delivery-queue.ts'

type PushConfig = Pick<
  GatewayConfig,
  'push' | 'tablePrefix' | 'backendAllowedCidrs' | 'region' | 'registryCacheTtlMs'
>

/**
 * The delivery step, built once per function from configuration: the client's
 * webhook called through the guarded fetch (the backend address policy at
 * connect time), each delivery signed with the gateway's key, none for a config
 * whose client's tokens were revoked since it was set, whose agent is no longer
 * served (deactivated, deleted or registered again), or whose scopes no longer
 * grant the call that set it, its attempts
 * ending by `deadline` when one is given (the push-delivery function's time).
 */
export const pushDelivererFor = (
  config: PushConfig,
  deps: {
    client: DynamoDBDocumentClient
    key: () => Promise<GatewayKey>
  },
): ((delivery: PushDelivery, deadline?: number) => Promise<DeliveryOutcome>) => {
  const configs = new DynamoPushConfigs({
    client: deps.client,
    tableName: tableName('pushConfigs', config.tablePrefix),
  })
  const deadLetters = new DynamoDeadLetters({
    client: deps.client,
    tableName: tableName('pushDeadLetters', config.tablePrefix),
  })
  // As the callback reads it: a deactivated or deleted agent's queued pushes go nowhere a second on.
  const agents = {
    get: cachedLookup(
      new DynamoAgentRegistry(deps.client, tableName('agents', config.tablePrefix)),
      config.registryCacheTtlMs,
    ),
  }
  // A held push waits for its task's record (a consistent read, as the callback's).
  const owners = new DynamoTaskOwners({
    client: deps.client,
    tableName: tableName('taskOwners', config.tablePrefix),
  })
  const issuedBefore = revokedBeforeFor(config, deps.client)
  const permissions = permissionsFor(config, deps.client)
  const fetch = guardedFetch({ allowed: parseCidrs(config.backendAllowedCidrs) })
  // A held push outlasting the function, and a push waiting for its next attempt, go back on the
  // queue (on a laptop nothing ends a delivery's time, and its waits are spent in the process).
  const queue = config.push.queueUrl
    ? new SqsDeliveryQueue({
        queueUrl: config.push.queueUrl,
        region: config.region,
        credentials: memoizedAwsCredentials(defaultProvider()),
      })
    : undefined
  return (delivery, deadline) =>
    deliverPush(delivery, {
      configs,
      owners,
      agents,
      issuedBefore,
      permissions,
      deadLetters,
      fetch,
      key: deps.key,
      attempts: config.push.attempts,
      retryBaseMs: config.push.retryBaseMs,
      timeoutMs: config.push.webhookTimeoutMs,
      deadline,
      ...(queue
        ? {
            requeue: (again: PushDelivery, delaySeconds?: number) =>
              queue.enqueue(again, delaySeconds === undefined ? {} : { delaySeconds }),
          }
        : {}),
    })
}

/**
 * Where accepted pushes go: the SQS queue PUSH_DELIVERY_QUEUE_URL names (read by
 * handlers/push-delivery.ts), or, unset (the laptop), this process, delivering
 * with `deliver`.
 */
export const deliveryQueueFor = (
  config: PushConfig,
  local: {
    deliver: () => (delivery: PushDelivery) => Promise<DeliveryOutcome>
    onOutcome?: (delivery: PushDelivery, outcome: DeliveryOutcome) => void
    onError?: (error: unknown) => void
  },
): DeliveryQueue =>
  config.push.queueUrl
    ? new SqsDeliveryQueue({
        queueUrl: config.push.queueUrl,
        region: config.region,
        credentials: memoizedAwsCredentials(defaultProvider()),
      })
    : new InProcessDeliveryQueue({ ...local, deliver: local.deliver() })
