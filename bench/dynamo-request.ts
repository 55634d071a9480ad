/**
 * What one single-item DynamoDB request costs in CPU, the SDK's way and the
 * lean way (lib/dynamo-lean.ts): the rate limiter's `UpdateCommand` sent
 * through lib-dynamodb's DocumentClient, and through `createDocumentClient`,
 * against a loopback server that answers at once with a canned body
 * (process.cpuUsage around each request, one after another). The server runs in
 * this process, so each figure holds its work too, and the loopback exchange;
 * the floor row (a bare keep-alive POST of a body that size, the same canned
 * answer) is that part: what a row costs above it is the client's own.
 * Run with `node bench/dynamo-request.ts`.
 */
import { once } from 'node:events'
import { Agent, createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { CachedKeySha256 } from '../lib/cached-key-sha256.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { percentile } from './figures.ts'

const requests = Number(process.env.BENCH_REQUESTS ?? 2_000)
const warmUp = 500

const server = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    response.setHeader('content-type', 'application/x-amz-json-1.0')
    response.end('{"Attributes":{"count":{"N":"1"}}}')
  })
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const config = {
  region: 'us-east-1',
  endpoint,
  sha256: CachedKeySha256,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
}
const translateConfig = { marshallOptions: { removeUndefinedValues: true } }

const command = () =>
  new UpdateCommand({
    TableName: 'rate-limits',
    Key: { pk: 'client-1#weather', sk: '2026-12-05T00:00' },
    UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
    ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':one': 1, ':limit': 60, ':expiresAt': 1_796_000_000 },
    ReturnValues: 'UPDATED_NEW',
  })

const measure = async (send: () => Promise<unknown>) => {
  for (let i = 0; i < warmUp; i++) await send()
  const cpu: number[] = []
  for (let i = 0; i < requests; i++) {
    const before = process.cpuUsage()
    await send()
    const used = process.cpuUsage(before)
    cpu.push(used.user + used.system)
  }
  cpu.sort((a, b) => a - b)
  return `${percentile(cpu, 50)} | ${percentile(cpu, 90)} | ${percentile(cpu, 99)}`
}

/** The floor: one POST on a kept-alive socket, its answer read whole, nothing built or signed. */
const bareBody = 'x'.repeat(431) // the lean UpdateItem's body length
const bareAgent = new Agent({ keepAlive: true, maxSockets: 1 })
const barePost = () =>
  new Promise<void>((resolve, reject) => {
    const request = httpRequest(`${endpoint}/`, { method: 'POST', agent: bareAgent }, (answer) => {
      answer.on('data', () => {})
      answer.on('end', resolve)
      answer.on('error', reject)
    })
    request.on('error', reject)
    request.end(bareBody)
  })

const sdk = DynamoDBDocumentClient.from(new DynamoDBClient(config), translateConfig)
const lean = createDocumentClient(
  { region: 'us-east-1', dynamoDbEndpoint: endpoint },
  new DynamoDBClient(config),
)

console.log(`\nOne UpdateItem, ${requests} after ${warmUp} to warm up (canned answer on loopback)`)
console.log('| client | CPU µs p50 | p90 | p99 |')
console.log('| --- | --- | --- | --- |')
console.log(`| floor: bare keep-alive POST and its server | ${await measure(barePost)} |`)
console.log(`| SDK DocumentClient | ${await measure(() => sdk.send(command()))} |`)
console.log(`| createDocumentClient (lean path) | ${await measure(() => lean.send(command()))} |`)
bareAgent.destroy()
server.close()
