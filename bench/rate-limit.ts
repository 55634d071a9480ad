/**
 * What sharded rate-limit counters cost: one hot caller and agent pair sends
 * more calls than its limit, all at once, against the embedded database. For
 * each shard count, how many pass (it must be the limit exactly), the writes an
 * allowed and a refused call cost (counted at the database), and the latency of
 * a decision. Run with `npm run bench:rate-limit`.
 */
import { createDocumentClient } from '../lib/dynamo.ts'
import { DynamoRateLimiter } from '../lib/ratelimit/rate-limiter.ts'
import { tableName } from '../lib/tables.ts'
import { startLocalDatabase } from '../local/database.ts'
import { type Figures, percentile, recordFigures } from './figures.ts'

const limit = Number(process.env.BENCH_RATE_LIMIT ?? 600)
const calls = Number(process.env.BENCH_RATE_CALLS ?? 1_200)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16)
const shardCounts = [1, 4, 16]

const writes = (requests: Record<string, number>) => requests.UpdateItem ?? 0

process.env.AWS_ACCESS_KEY_ID ??= 'local'
process.env.AWS_SECRET_ACCESS_KEY ??= 'local'
const database = await startLocalDatabase({ tablePrefix: 'bench-' })
const client = createDocumentClient({ region: 'us-east-1', dynamoDbEndpoint: database.endpoint })

console.log(
  `\nRate-limit shards: one caller and agent pair, ${calls} calls against a limit of ${limit}, ${concurrency} at a time`,
)
console.log(
  '| shards | passed | writes per allowed call | writes per refused call | decision p50 ms | p99 ms |',
)
console.log('| --- | --- | --- | --- | --- | --- |')
const figures: Figures = {}
for (const shards of shardCounts) {
  const limiter = new DynamoRateLimiter({
    client,
    tableName: tableName('rateLimits', 'bench-'),
    windowSeconds: 3_600,
    shards,
  })
  const resource = `agent-${shards}`
  const durations: number[] = []
  /** Sends `count` calls, `concurrency` at a time: how many passed and the writes they made. */
  const send = async (count: number) => {
    const before = writes(database.requests())
    let started = 0
    let passed = 0
    const worker = async () => {
      for (; started < count; ) {
        started += 1
        const began = performance.now()
        const decision = await limiter.consume({ principal: 'hot', resource, limit })
        durations.push(performance.now() - began)
        if (decision.allowed) passed += 1
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return { passed, writes: writes(database.requests()) - before }
  }
  // Up to the limit first, then past it, so each kind of call is costed alone.
  const allowed = await send(limit)
  const refused = await send(calls - limit)
  durations.sort((a, b) => a - b)
  figures[`shards${shards}Passed`] = allowed.passed + refused.passed
  figures[`shards${shards}WritesPerAllowed`] = allowed.writes / limit
  console.log(
    `| ${shards} | ${allowed.passed + refused.passed} | ${(allowed.writes / limit).toFixed(2)} | ${(refused.writes / (calls - limit)).toFixed(3)} | ${percentile(durations, 50).toFixed(2)} | ${percentile(durations, 99).toFixed(2)} |`,
  )
}
console.log(
  '\nEach shard is its own item, so a pair may make about 1,000 writes/s per shard on DynamoDB (one partition’s write rate) instead of 1,000 in all.',
)
await recordFigures('rate-limit', figures)
client.destroy()
await database.stop()
