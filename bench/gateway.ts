/**
 * Gateway overhead: the same calls straight to the calculator agent and through
 * the local gateway (authorizer, grants, rate limit, forwarding), same load,
 * same run. Prints latency percentiles, throughput and streaming time to first
 * event. Run with `npm run bench:gateway`.
 */
import { startThrowawayStack } from '../local/stack.ts'

const requests = Number(process.env.BENCH_REQUESTS ?? 400)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8)

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number

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

const main = async () => {
  // The limit must not be what is measured.
  process.env.RATE_LIMIT_PER_MINUTE = '1000000'
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT'
  const stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 300 })
  try {
    const calculator = stack.agents.find((agent) => agent.agentId === 'calculator')
    if (!calculator) throw new Error('no calculator agent')
    const token = await stack.token('demo-client')
    const a2a = { 'content-type': 'application/json', 'a2a-version': '1.0' }
    const viaGateway = { ...a2a, authorization: `Bearer ${token}` }
    const direct = () =>
      fetch(`${calculator.url}/a2a/rest/message:send`, {
        method: 'POST',
        headers: a2a,
        body: message('2+2*3'),
      })
    const gateway = () =>
      fetch(`${stack.url}/agents/calculator/message:send`, {
        method: 'POST',
        headers: viaGateway,
        body: message('2+2*3'),
      })
    await load(direct)
    await load(gateway)
    const rows = [
      ['direct', await load(direct)],
      ['gateway', await load(gateway)],
    ] as const
    console.log(
      `\nUnary SendMessage, ${requests} calls, ${concurrency} at a time (calculator agent)`,
    )
    console.log('| path | p50 ms | p99 ms | calls/s |')
    console.log('| --- | --- | --- | --- |')
    for (const [name, { latencies, seconds }] of rows) {
      console.log(
        `| ${name} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${(requests / seconds).toFixed(0)} |`,
      )
    }
    const directFirst = await firstEvent(`${calculator.url}/a2a/rest/message:stream`, a2a)
    const gatewayFirst = await firstEvent(
      `${stack.url}/agents/calculator/message:stream`,
      viaGateway,
    )
    console.log('\nStreaming: time to first event, 30 streams')
    console.log('| path | p50 ms | p99 ms |')
    console.log('| --- | --- | --- |')
    for (const [name, samples] of [
      ['direct', directFirst],
      ['gateway', gatewayFirst],
    ] as const) {
      console.log(
        `| ${name} | ${percentile(samples, 50).toFixed(1)} | ${percentile(samples, 99).toFixed(1)} |`,
      )
    }
  } finally {
    await stack.stop()
  }
}

await main()
