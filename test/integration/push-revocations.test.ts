import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoTokenRevocations } from '../../lib/auth/token-revocations.ts'
import { DynamoPermissionStore } from '../../lib/permissions/permission-store.ts'
import { pushDelivererFor } from '../../lib/push/adapters.ts'
import { DynamoPushConfigs, secretHashOf } from '../../lib/push/push-configs.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { tableName } from '../../lib/tables.ts'
import { expireItems } from '../../local/expire-items.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'
import { throwawayGatewayKey } from '../support/gateway-key.ts'
import { servedPusher, startWebhook } from '../support/push-agent.ts'

const key = throwawayGatewayKey()
const day = 24 * 60 * 60
const tablePrefix = 'pushrevoke-'

/** The push deliverer as the push-delivery function builds it, its caches `cacheTtlMs` long. */
const delivererOn = (
  client: Parameters<typeof pushDelivererFor>[1]['client'],
  cacheTtlMs: number,
) =>
  pushDelivererFor(
    {
      push: { attempts: 1, retryBaseMs: 10, webhookTimeoutMs: 2_000, queueUrl: undefined },
      tablePrefix,
      backendAllowedCidrs: ['127.0.0.0/8'],
      region: 'us-east-1',
      registryCacheTtlMs: cacheTtlMs,
    },
    { client, key: async () => key },
  )

/**
 * The push deliverer as the push-delivery function builds it, against the database: a setting
 * made with a token since revoked gets nothing, for as long as the setting can stand, nor one
 * whose scopes no longer grant the call that set it.
 */
describe.each(databaseEngines)(
  'push delivery, token revocations and grants on %s',
  (_engine, start) => {
    let database: TestDatabase
    let webhook: Awaited<ReturnType<typeof startWebhook>>

    beforeAll(async () => {
      database = await start(tablePrefix)
      webhook = await startWebhook()
      // The configs' agent, served: a push for an agent no longer served goes nowhere.
      await new DynamoAgentRegistry(
        documentClientOn(database),
        tableName('agents', tablePrefix),
      ).create(servedPusher())
    })
    afterAll(async () => {
      await webhook?.stop()
      await database?.stop()
    })

    it('drops the pushes of a setting made before its client was revoked, still 29 days on, and delivers those of the setting made after', async () => {
      // Prepare: the config was set again just after the revocation, so it lasts 30 days more and
      // keeps the revoked setting as `previous`.
      const client = documentClientOn(database)
      const nowSeconds = Math.floor(Date.now() / 1000)
      const issuedBefore = await new DynamoTokenRevocations(
        client,
        tableName('tokenRevocations', tablePrefix),
      ).revoke('app-a')
      await new DynamoPushConfigs({
        client,
        tableName: tableName('pushConfigs', tablePrefix),
      }).put({
        configId: 'config-revoked-0001',
        agentId: 'pusher',
        taskId: 'task-1',
        principal: 'app-a',
        secretHash: secretHashOf('after'),
        webhook: { url: webhook.url },
        setWith: { clientId: 'app-a', issuedAt: issuedBefore },
        previous: {
          secretHash: secretHashOf('before'),
          webhook: { url: webhook.url },
          setWith: { clientId: 'app-a', issuedAt: issuedBefore - 60 },
        },
        expiresAt: nowSeconds + 30 * day,
      })
      // What DynamoDB's TTL will have deleted 29 days on.
      await expireItems(client, tablePrefix, { nowSeconds: nowSeconds + 29 * day })
      const deliver = delivererOn(client, 750)
      const push = (secret: string) => ({
        deliveryId: `d-${secret}`,
        configId: 'config-revoked-0001',
        body: '{"statusUpdate":{"taskId":"task-1"}}',
        contentType: 'application/json',
        taskId: 'task-1',
        issuer: 'https://gw.example.com',
        secretHash: secretHashOf(secret),
      })

      // Act
      const revoked = await deliver(push('before'))
      const current = await deliver(push('after'))

      // Assess
      expect(revoked).toEqual({
        outcome: 'dropped',
        reason: "the push config's client was deleted or had its tokens revoked",
      })
      expect(current).toEqual({ outcome: 'delivered', attempts: 1 })
      expect(webhook.hits.map((hit) => hit.headers['x-switchboard-delivery-id'])).toEqual([
        'd-after',
      ])
    })

    it("drops the pushes of a setting once its scope's permission stops granting the call that set it, and delivers them again once it grants it", async () => {
      // Prepare: a permission that also holds limits, which the grant's read leaves out.
      const client = documentClientOn(database)
      const permissions = new DynamoPermissionStore(client, tableName('permissions', tablePrefix))
      const granting = {
        scope: 'pusher:push',
        agents: ['pusher', 'other'],
        agentLimits: { other: 5 },
        requestsPerMinute: 100,
      }
      await permissions.put(granting)
      await new DynamoPushConfigs({
        client,
        tableName: tableName('pushConfigs', tablePrefix),
      }).put({
        configId: 'config-granted-0001',
        agentId: 'pusher',
        taskId: 'task-1',
        principal: 'app-b',
        secretHash: secretHashOf('granted'),
        webhook: { url: webhook.url },
        setWith: {
          clientId: 'app-b',
          issuedAt: Math.floor(Date.now() / 1000),
          scopes: ['pusher:push', 'unknown:scope'],
          operation: 'CreateTaskPushNotificationConfig',
        },
        expiresAt: Math.floor(Date.now() / 1000) + day,
      })
      // No cache: each delivery reads the permissions as they stand.
      const deliver = delivererOn(client, 0)
      const push = (deliveryId: string) => ({
        deliveryId,
        configId: 'config-granted-0001',
        body: '{"statusUpdate":{"taskId":"task-1"}}',
        contentType: 'application/json',
        taskId: 'task-1',
        issuer: 'https://gw.example.com',
        secretHash: secretHashOf('granted'),
      })
      const hitsBefore = webhook.hits.length

      // Act
      const granted = await deliver(push('d-granted'))
      await permissions.put({ ...granting, operations: ['GetTask'] })
      const narrowed = await deliver(push('d-narrowed'))
      await permissions.put(granting)
      const given = await deliver(push('d-given-back'))

      // Assess
      expect([granted, narrowed, given]).toEqual([
        { outcome: 'delivered', attempts: 1 },
        {
          outcome: 'dropped',
          reason: "the push config's scopes no longer grant the call that set it",
        },
        { outcome: 'delivered', attempts: 1 },
      ])
      expect(
        webhook.hits.slice(hitsBefore).map((hit) => hit.headers['x-switchboard-delivery-id']),
      ).toEqual(['d-granted', 'd-given-back'])
    })
  },
)
