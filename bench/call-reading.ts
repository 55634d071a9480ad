/**
 * What reading an A2A call costs the agents handler, in-process and hot: the request parsed and
 * its params checked (`parseA2ARequest`), and the tasks it names read as task ownership reads
 * them (`namedTask`, `referencedTasks`), for an HTTP+JSON SendMessage and a GetTask, one after
 * the other. Prints CPU µs per pair in five rounds of BENCH_REQUESTS (20,000) pairs, after
 * BENCH_WARMUP (50,000). A hot loop's figure is a floor: in a real call, caches are colder.
 * Run with `node bench/call-reading.ts`.
 */

import { randomUUID } from 'node:crypto'
import { type HttpRequestParts, parseA2ARequest } from '../lib/a2a/request.ts'
import { namedTask, referencedTasks } from '../lib/tasks/task-calls.ts'

const pairs = Number(process.env.BENCH_REQUESTS ?? 20_000)
const warmUp = Number(process.env.BENCH_WARMUP ?? 50_000)

const send: HttpRequestParts = {
  agentId: 'fast',
  method: 'POST',
  subPath: '/message:send',
  body: JSON.stringify({
    message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: '2+2' }] },
    configuration: { acceptedOutputModes: ['text/plain'] },
  }),
}
const getTask: HttpRequestParts = {
  agentId: 'fast',
  method: 'GET',
  subPath: `/tasks/${randomUUID()}`,
  body: null,
}

const read = (parts: HttpRequestParts) => {
  const parsed = parseA2ARequest(parts)
  if (parsed.kind !== 'call') throw new Error(`not a call: ${JSON.stringify(parsed)}`)
  namedTask(parsed.call)
  referencedTasks(parsed.call)
}

const readPairs = (count: number) => {
  for (let i = 0; i < count; i++) {
    read(send)
    read(getTask)
  }
}

readPairs(warmUp)
const rounds: number[] = []
for (let round = 0; round < 5; round++) {
  const started = process.cpuUsage()
  readPairs(pairs)
  const used = process.cpuUsage(started)
  rounds.push((used.user + used.system) / pairs)
}
const sorted = [...rounds].sort((a, b) => a - b)
console.log(
  `Reading an A2A call, hot, ${pairs} pairs (HTTP+JSON SendMessage and GetTask) a round: ` +
    `${sorted[2]?.toFixed(2)} µs CPU a pair (rounds ${sorted[0]?.toFixed(2)} to ${sorted[4]?.toFixed(2)})`,
)
