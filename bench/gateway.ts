import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startThrowawayStack } from '../local/stack.ts'
import { startFastAgent } from './fast-agent.ts'
import { type Figures, recordFigures } from './figures.ts'
import { profiled } from './profile.ts'

const requests = Number(process.env.BENCH_REQUESTS ?? 400)
// Issue 20's figure: 16 concurrent callers.
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16)

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number

/** A p50 / p99 table of the same measure straight to the agent and through the gateway. */
const printPercentiles = (title: string, direct: number[], gateway: number[], digits: number) => {
  console.log(`\n${title}`)
  console.log('| path | p50 ms | p99 ms |')
  console.log('| --- | --- | --- |')
  for (const [name, sorted] of [
    ['direct', direct],
    ['gateway', gateway],
  ] as const) {
    console.log(
      `| ${name} | ${percentile(sorted, 50).toFixed(digits)} | ${percentile(sorted, 99).toFixed(digits)} |`,
    )
  }
}

const readOperations = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems'])

/** Counts the database requests `run` causes and divides them by its calls. */
const perCall = async (
  stack: { databaseRequests(): Record<string, number> },
  calls: number,
  run: () => Promise<unknown>,
) => {
  const before = stack.databaseRequests()
  await run()
  const after = stack.databaseRequests()
  const sent = Object.entries(after)
    .map(([operation, count]) => [operation, count - (before[operation] ?? 0)] as const)
    .filter(([, count]) => count > 0)
  const total = (reads: boolean) =>
    sent
      .filter(([operation]) => readOperations.has(operation) === reads)
      .reduce((sum, [, count]) => sum + count, 0) / calls
  return {
    reads: total(true),
    writes: total(false),
    operations: sent.map(([operation, count]) => `${operation} ${(count / calls).toFixed(2)}`),
  }
}

const message = (text: string) =>
  JSON.stringify({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })

/** Runs `count` calls, `concurrency` at a time; returns each latency (ms) and the wall time. */
const load = async (call: () => Promise<Response>) => {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next++
        const t0 = performance.now()
        const response = await call()
        await response.arrayBuffer()
        if (!response.ok) throw new Error(`HTTP ${response.status}`)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  return {
    latencies: latencies.sort((a, b) => a - b),
    seconds: (performance.now() - started) / 1000,
  }
}

const firstEvent = async (url: string, headers: Record<string, string>) => {
  const samples: number[] = []
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now()
    const response = await fetch(url, { method: 'POST', headers, body: message('sqrt(2)*pi') })
    const reader = response.body?.getReader()
    await reader?.read()
    samples.push(performance.now() - t0)
    while (!(await reader?.read())?.done) {
      // drain
    }
  }
  return samples.sort((a, b) => a - b)
}

const pacedEvents = 10
const paceMs = 20

/**
 * An agent that streams `pacedEvents` events `paceMs` apart, each stamped with
 * when it was written (this process's clock), so a reader can tell how long
 * each took to reach it.
 */
const startPacedAgent = async () => {
  const server = createServer((request, response) => {
    if (request.url === '/.well-known/agent-card.json') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          name: 'Paced',
          description: 'Streams stamped events at a steady pace.',
          version: '1.0.0',
          supportedInterfaces: [
            { url: `${url}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
          ],
          capabilities: { streaming: true },
          defaultInputModes: ['text/plain'],
          defaultOutputModes: ['text/plain'],
          skills: [{ id: 'pace', name: 'Pace', description: 'Streams', tags: [] }],
        }),
      )
      return
    }
    request.resume()
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    let sent = 0
    const timer = setInterval(() => {
      const event = {
        statusUpdate: {
          taskId: 't',
          contextId: 'c',
          status: { state: 'TASK_STATE_WORKING' },
          metadata: { sentAt: performance.now() },
        },
      }
      response.write(`data: ${JSON.stringify(event)}\n\n`)
      if (++sent === pacedEvents) {
        clearInterval(timer)
        response.end()
      }
    }, paceMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** For each event after a stream's first: how long from the agent writing it to the caller reading it. */
const eventDelays = async (url: string, headers: Record<string, string>, streams = 20) => {
  const delays: number[] = []
  for (let i = 0; i < streams; i++) {
    const response = await fetch(url, { method: 'POST', headers, body: message('go') })
    let buffered = ''
    let seen = 0
    for await (const chunk of response.body as ReadableStream<Uint8Array>) {
      const read = performance.now()
      buffered += new TextDecoder().decode(chunk)
      const events = buffered.split('\n\n')
      buffered = events.pop() ?? ''
      for (const event of events) {
        const data = event.split('\n').find((line) => line.startsWith('data: '))
        if (!data) continue
        const { sentAt } = JSON.parse(data.slice(6)).statusUpdate.metadata
        if (seen++ > 0) delays.push(read - sentAt)
      }
    }
  }
  return delays.sort((a, b) => a - b)
}

const main = async () => {
  // The limit must not be what is measured.
  process.env.RATE_LIMIT_PER_MINUTE = '1000000'
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT'
  const stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 300 })
  const stops = [stack.stop]
  try {
    // A trivially fast agent, so that what is measured is the gateway.
    const fast = await startFastAgent()
    stops.push(fast.stop)
    const admin = {
      'content-type': 'application/json',
      authorization: `Bearer ${await stack.token('admin-client')}`,
    }
    const registered = await fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        agentId: 'fast',
        backendUrl: fast.backendUrl,
        agentCardUrl: fast.cardUrl,
      }),
    })
    if (registered.status !== 201)
      throw new Error(`registering the fast agent: ${await registered.text()}`)
    await fetch(`${stack.url}/admin/permissions/calculator:invoke`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ agents: ['calculator', 'fast'] }),
    })
    const token = await stack.token('demo-client')
    const a2a = { 'content-type': 'application/json', 'a2a-version': '1.0' }
    const viaGateway = { ...a2a, authorization: `Bearer ${token}` }
    const direct = () =>
      fetch(`${fast.backendUrl}/message:send`, {
        method: 'POST',
        headers: a2a,
        body: message('2+2*3'),
      })
    const gateway = () =>
      fetch(`${stack.url}/agents/fast/message:send`, {
        method: 'POST',
        headers: viaGateway,
        body: message('2+2*3'),
      })
    await load(direct)
    await load(gateway)
    let gatewayRun: Awaited<ReturnType<typeof load>> | undefined
    const unaryRequests = await perCall(stack, requests, async () => {
      gatewayRun = await profiled(process.env.BENCH_PROFILE, () => load(gateway))
    })
    const rows = [
      ['direct', await load(direct)],
      ['gateway', gatewayRun as Awaited<ReturnType<typeof load>>],
    ] as const
    console.log(`\nUnary SendMessage, ${requests} calls, ${concurrency} at a time (a fast agent)`)
    console.log('| path | p50 ms | p99 ms | calls/s |')
    console.log('| --- | --- | --- | --- |')
    for (const [name, { latencies, seconds }] of rows) {
      console.log(
        `| ${name} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${(requests / seconds).toFixed(0)} |`,
      )
    }
    const [[, directRun], [, viaRun]] = rows
    const figures: Figures = {
      directP50: percentile(directRun.latencies, 50),
      gatewayP50: percentile(viaRun.latencies, 50),
      overheadP50: percentile(viaRun.latencies, 50) - percentile(directRun.latencies, 50),
      throughputShare: directRun.seconds / viaRun.seconds,
    }
    console.log(
      `\nThrough the gateway: +${(percentile(viaRun.latencies, 50) - percentile(directRun.latencies, 50)).toFixed(1)} ms p50, ${((100 * directRun.seconds) / viaRun.seconds).toFixed(0)} % of direct throughput (issue 20's goal: at most +1.5 ms, at least 35 %)`,
    )
    const directFirst = await firstEvent(`${fast.backendUrl}/message:stream`, a2a)
    let gatewayFirst: number[] = []
    const streamRequests = await perCall(stack, 30, async () => {
      gatewayFirst = await firstEvent(`${stack.url}/agents/fast/message:stream`, viaGateway)
    })
    printPercentiles('Streaming: time to first event, 30 streams', directFirst, gatewayFirst, 1)
    figures.firstEventOverheadP50 = percentile(gatewayFirst, 50) - percentile(directFirst, 50)

    // Each call finds the agent record's cache expired: what a call costs at worst (a cold
    // or idle instance; on AWS each warm instance has its own cache).
    const spacedCalls = 5
    const spacedRequests = await perCall(stack, spacedCalls, async () => {
      for (let i = 0; i < spacedCalls; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        await (await gateway()).arrayBuffer()
      }
    })
    console.log('\nDynamoDB requests per call, every handler, counted at the local database')
    console.log('| calls | reads | writes | by operation |')
    console.log('| --- | --- | --- | --- |')
    for (const [name, counted] of [
      [`unary, ${requests} at ${concurrency} at a time (the load above)`, unaryRequests],
      ['streams, 30 one after another (above)', streamRequests],
      [`unary, ${spacedCalls} calls 1 s apart (agent cache expired each time)`, spacedRequests],
    ] as const) {
      console.log(
        `| ${name} | ${counted.reads.toFixed(2)} | ${counted.writes.toFixed(2)} | ${counted.operations.join(', ')} |`,
      )
    }

    const paced = await startPacedAgent()
    try {
      const admin = { ...a2a, authorization: `Bearer ${await stack.token('admin-client')}` }
      await fetch(`${stack.url}/admin/register`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          agentId: 'paced',
          backendUrl: `${paced.url}/rest`,
          agentCardUrl: `${paced.url}/.well-known/agent-card.json`,
        }),
      })
      await fetch(`${stack.url}/admin/permissions/calculator:invoke`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({ agents: ['calculator', 'fast', 'paced'] }),
      })
      // A new token, so the authorizer's cached policy names the new grant.
      const pacedHeaders = { ...a2a, authorization: `Bearer ${await stack.token('demo-client')}` }
      const directDelays = await eventDelays(`${paced.url}/rest/message:stream`, a2a)
      const gatewayDelays = await eventDelays(
        `${stack.url}/agents/paced/message:stream`,
        pacedHeaders,
      )
      printPercentiles(
        `Streaming: delay from the agent writing an event to the caller reading it, events 2-${pacedEvents} of 20 streams, ${paceMs} ms apart`,
        directDelays,
        gatewayDelays,
        2,
      )
      figures.perEventDelayP50 = percentile(gatewayDelays, 50) - percentile(directDelays, 50)
      figures.perEventDelayP99 = percentile(gatewayDelays, 99) - percentile(directDelays, 99)
      await recordFigures('gateway', figures)
    } finally {
      await paced.stop()
    }
  } finally {
    for (const stop of stops.reverse()) await stop()
  }
}

await main()
