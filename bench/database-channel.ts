/**
 * What one lean DynamoDB request to the local database costs, over HTTP and
 * over its message channel (local/database-channel.ts): the rate limiter's
 * UpdateItem, sent through `LeanDynamo` to the same database (dynalite in
 * memory, on its own thread, as local/database.ts starts it), one request at a
 * time and 16 at once. For each: this thread's CPU per request
 * (`process.threadCpuUsage`: the client's side, as the gateway's main thread
 * pays it), the other threads' (`process.cpuUsage` less this thread's: the
 * database's, its dynalite work included, and libuv's), and the latency p50
 * one at a time. Run with `node bench/database-channel.ts`.
 */
import { LeanDynamo } from '../lib/dynamo-lean.ts'
import { tableName } from '../lib/tables.ts'
import { localDatabaseClient, startLocalDatabase } from '../local/database.ts'
import { percentile } from './figures.ts'

const requests = Number(process.env.BENCH_REQUESTS ?? 2_000)
const concurrency = 16
const tablePrefix = 'bench-'

const database = await startLocalDatabase({ tablePrefix })
const clients = {
  HTTP: new LeanDynamo(localDatabaseClient(database.endpoint)),
  channel: new LeanDynamo(localDatabaseClient(database.endpoint), {
    transport: database.transport,
  }),
}

let n = 0
/** The rate limiter's write, each to a key of its own so the item stays small. */
const update = (lean: LeanDynamo) =>
  lean.send('UpdateItem', {
    TableName: tableName('rateLimits', tablePrefix),
    Key: { pk: `client-${n++ % 64}#weather#2026-12-05T00:00` },
    UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
    ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':one': 1, ':limit': 1_000_000_000, ':expiresAt': 1_796_000_000 },
    ReturnValues: 'UPDATED_NEW',
  })

const ms = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1000

/** CPU per request, this thread and the others, in µs, over `requests` sent `parallel` at a time. */
const cpuPerRequest = async (lean: LeanDynamo, parallel: number) => {
  const thisThread = process.threadCpuUsage()
  const wholeProcess = process.cpuUsage()
  const latencies: number[] = []
  const worker = async () => {
    for (let i = 0; i < requests / parallel; i++) {
      const start = performance.now()
      await update(lean)
      latencies.push(performance.now() - start)
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  const main = ms(process.threadCpuUsage(thisThread))
  const others = ms(process.cpuUsage(wholeProcess)) - main
  return {
    main: (1000 * main) / requests,
    others: (1000 * others) / requests,
    p50: percentile(
      latencies.sort((a, b) => a - b),
      50,
    ),
  }
}

try {
  // Warm both ways first (JIT, sockets, the expression memo), then measure each in turn, twice.
  for (const lean of Object.values(clients)) await cpuPerRequest(lean, concurrency)
  console.log(
    `\nOne lean UpdateItem to the local database (${requests} requests a row; dynalite in memory)`,
  )
  console.log(
    '| way | at once | this thread µs/request | other threads (database) µs/request | p50 ms |',
  )
  console.log('| --- | --- | --- | --- | --- |')
  for (const round of [1, 2]) {
    for (const parallel of [1, concurrency]) {
      for (const [way, lean] of Object.entries(clients)) {
        const { main, others, p50 } = await cpuPerRequest(lean, parallel)
        console.log(
          `| ${way} (round ${round}) | ${parallel} | ${main.toFixed(0)} | ${others.toFixed(0)} | ${parallel === 1 ? p50.toFixed(3) : '–'} |`,
        )
      }
    }
  }
} finally {
  await database.stop()
}
