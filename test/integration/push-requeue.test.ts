import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pushDelivererFor } from '../../lib/push/adapters.ts'
import type { PushDelivery } from '../../lib/push/delivery.ts'
import { DynamoPushConfigs, secretHashOf } from '../../lib/push/push-configs.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { tableName } from '../../lib/tables.ts'
import { asyncListener } from '../support/async-listener.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'
import { throwawayGatewayKey } from '../support/gateway-key.ts'
import { servedPusher, startWebhook } from '../support/push-agent.ts'

const key = throwawayGatewayKey()
const tablePrefix = 'pushrequeue-'

/** One request the stand-in for SQS received. */
interface QueueHit {
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** SQS's endpoint on this machine: it keeps each request and accepts each message. */
const startQueue = async () => {
  const hits: QueueHit[] = []
  const server = createServer(
    asyncListener(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      hits.push({ url: request.url ?? '', headers: request.headers, body })
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
      response.end('{"MessageId":"m-1"}')
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    queueUrl: `${origin}/123456789012/switchboard-push-deliveries`,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The push deliverer as the push-delivery function builds it on AWS (a queue URL set): a push
 * whose webhook asks for a wait longer than a function spends is sent back to the SQS queue the
 * configuration names, delayed by that wait (`requeue`, lib/push/adapters.ts). The wiring only:
 * one database engine (the data layer's queries are tested on both elsewhere).
 */
const [engine, startDatabase] = databaseEngines[0] as (typeof databaseEngines)[number]
describe(`push delivery queued again through SQS (on ${engine})`, () => {
  let database: TestDatabase
  let webhook: Awaited<ReturnType<typeof startWebhook>>
  let queue: Awaited<ReturnType<typeof startQueue>>

  beforeAll(async () => {
    database = await startDatabase(tablePrefix)
    // A minute and more: a wait the delivery spends on the queue, as it spends every wait there.
    webhook = await startWebhook(503, { 'retry-after': '69' })
    queue = await startQueue()
    const client = documentClientOn(database)
    await new DynamoAgentRegistry(client, tableName('agents', tablePrefix)).create(servedPusher())
    await new DynamoPushConfigs({ client, tableName: tableName('pushConfigs', tablePrefix) }).put({
      configId: 'config-requeued-0001',
      agentId: 'pusher',
      taskId: 'task-1',
      principal: 'app-a',
      secretHash: secretHashOf('s-1'),
      webhook: { url: webhook.url },
      setWith: { clientId: 'app-a', issuedAt: Math.floor(Date.now() / 1000) },
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    })
  })
  afterAll(async () => {
    await queue?.stop()
    await webhook?.stop()
    await database?.stop()
  })

  it("sends the push to the configured queue, signed for the stack's Region, its attempt counted and delayed by the webhook's Retry-After", async () => {
    // Prepare
    const deliver = pushDelivererFor(
      {
        push: { attempts: 3, retryBaseMs: 10, webhookTimeoutMs: 2_000, queueUrl: queue.queueUrl },
        tablePrefix,
        backendAllowedCidrs: ['127.0.0.0/8'],
        region: 'eu-west-1',
        registryCacheTtlMs: 0,
      },
      { client: documentClientOn(database), key: async () => key },
    )
    const push: PushDelivery = {
      deliveryId: 'd-requeued',
      configId: 'config-requeued-0001',
      body: '{"statusUpdate":{"taskId":"task-1"}}',
      contentType: 'application/json',
      taskId: 'task-1',
      issuer: 'https://gw.example.com',
      secretHash: secretHashOf('s-1'),
    }

    // Act
    const outcome = await deliver(push, Date.now() + 280_000)

    // Assess: one attempt, then one SendMessage of the push to the queue, 69 s on
    expect(outcome).toMatchObject({ outcome: 'requeued' })
    expect(webhook.hits).toHaveLength(1)
    expect(queue.hits).toHaveLength(1)
    const [sent] = queue.hits as [QueueHit]
    expect(sent.url).toBe('/')
    expect(sent.headers['x-amz-target']).toBe('AmazonSQS.SendMessage')
    expect(sent.headers.authorization).toMatch(/\/eu-west-1\/sqs\/aws4_request, /)
    const message = JSON.parse(sent.body)
    expect(message.QueueUrl).toBe(queue.queueUrl)
    expect(message.DelaySeconds).toBe(69)
    expect(JSON.parse(message.MessageBody)).toEqual({ ...push, attemptsMade: 1 })
  })
})
