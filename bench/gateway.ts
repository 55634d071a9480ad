/**
 * The local gateway (`npm start`'s stack) against a trivially fast agent, and
 * the same agent called directly. `npm run bench:gateway`.
 *
 * Who runs where: the gateway (emulator, handlers, token endpoint; its
 * database on its own worker thread, as `npm start` runs it) in this process;
 * the callers and the agents in a child process (forked, driven by messages).
 * So the gateway is not charged for the callers' own fetch CPU, and direct and
 * gateway calls come from the same callers on the same thread.
 *
 * Nothing is measured before BENCH_WARMUP (8,000) unary calls each way and
 * a tenth as many streams: a gateway in service runs code V8 has compiled.
 *
 * What it measures, in BENCH_ROUNDS (5) rounds, each direct then through the
 * gateway, the figures being the rounds' medians (a machine that runs slower
 * for a while moves both sides of a round, not one figure):
 * - latency: one caller at a time, BENCH_REQUESTS calls, p50 / p99 direct and
 *   through the gateway; the overhead is the difference of the p50s (at 16
 *   callers a p50 is mostly queueing: 16 callers at 400 calls/s wait 40 ms
 *   whatever the gateway adds);
 * - throughput: BENCH_CONCURRENCY (16) callers, BENCH_THROUGHPUT_REQUESTS
 *   (4,000) calls, calls/s direct, through a bare node:http relay in this
 *   process (Node's floor for a proxy there) and through the gateway, and the
 *   relay's and the gateway's shares of direct;
 * - the gateway process's CPU per call: its main thread
 *   (`process.threadCpuUsage`) and its other threads (the process's CPU
 *   less the main thread's: the database's worker, libuv, GC helpers);
 * - where the cores went at 16 callers, by thread of both processes (Linux's
 *   scheduler statistics, bench/thread-time.ts): CPU per call, and the share
 *   of the time each was on a CPU and waiting for one;
 * - streaming: time to first event (in the same rounds), and, in rounds of
 *   their own after the others, the delay each event gains, each measure of it
 *   starting with both processes' garbage collected (the phases before leave
 *   a 10-70 ms collection due, which would land on one event);
 * - DynamoDB requests per call, counted at the database.
 *
 * With BENCH_PROFILE=<file>, an extra 16-caller run (after the measured ones,
 * so no figure is the profiler's) writes the gateway thread's CPU profile to
 * <file> (for `node bench/profile-summary.ts <file>`), and the gateway's CPU
 * per call is printed by part: emulator, its authorizer cache, handlers, SDK,
 * …, and the database's thread.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { startThrowawayStack } from '../local/stack.ts'
import { listening, startFastAgent } from './fast-agent.ts'
import { collectGarbage, type Figures, median, percentile, recordFigures } from './figures.ts'
import { startBareRelay } from './http-floor.ts'
import { profiled } from './profile.ts'
import { type Profile, profilerPart, timeByPart } from './profile-summary.ts'
import { addThreadTimes, type ThreadTimes, threadTimes, threadTimesSince } from './thread-time.ts'

/** A count of calls from the environment, `fallback` if unset; `least` at least, whole. */
const callsFromEnv = (name: string, fallback: number, least: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < least) {
    throw new Error(
      `${name} must be a whole number of calls, ${least} at least, not ${process.env[name]}`,
    )
  }
  return value
}

const requests = callsFromEnv('BENCH_REQUESTS', 400, 1)
/**
 * Calls in each 16-caller run. 400 of them took the direct path 57-80 ms, shorter than one of
 * this machine's stalls (a collection, a descheduled thread): in one warm process, rounds of 400
 * gave 15 to 41 % of direct, rounds of 4,000 (about 0.7 s direct, 2 s through the gateway) 27 to
 * 31 %; two runs of this benchmark with 4,000, rounds of 23 to 33 % (docs/architecture.md,
 * "How the benchmarks measure").
 */
const throughputRequests = callsFromEnv('BENCH_THROUGHPUT_REQUESTS', 4_000, 1)
// Issue 20's figure: 16 concurrent callers.
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16)
/** Latency and throughput rounds, direct and through the gateway taken turn about. */
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
/**
 * Unary calls each way (at 16 callers) before anything is measured, and a tenth as
 * many streams: V8 goes on compiling the gateway's paths for thousands of calls
 * (its CPU per call falls by about a third over the first 8,000), and a gateway in
 * service is past that, as `bench:handler`'s 20,000 are.
 */
const warmUpCalls = callsFromEnv('BENCH_WARMUP', 8_000, 0)

/**
 * Runs `turn` (`perTurn` calls each way) until `calls` are done, once at least (the
 * connections); how many were.
 */
const warmUp = async (calls: number, perTurn: number, turn: () => Promise<unknown>) => {
  let warmed = 0
  while (warmed < Math.max(calls, 1)) {
    await turn()
    warmed += perTurn
  }
  return warmed
}

/** What the parent asks the callers' process to do; each answer is one message back. */
type Job =
  | {
      kind: 'unary'
      url: string
      headers: Record<string, string>
      concurrency: number
      calls: number
    }
  | { kind: 'first-event'; url: string; headers: Record<string, string> }
  | { kind: 'event-delays'; url: string; headers: Record<string, string> }
/** Latencies (ms, sorted) and the wall time of the whole job. */
interface Run {
  latencies: number[]
  seconds: number
}
interface AgentUrls {
  backendUrl: string
  cardUrl: string
}

// ---- The callers' process: callers and agents ----

const message = (text: string) =>
  JSON.stringify({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })

/** Runs `calls` SendMessage calls, `callers` at a time. */
const unary = async (
  url: string,
  headers: Record<string, string>,
  callers: number,
  calls: number,
) => {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < calls) {
        next++
        const t0 = performance.now()
        const response = await fetch(url, { method: 'POST', headers, body: message('2+2*3') })
        await response.arrayBuffer()
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  return { latencies, seconds: (performance.now() - started) / 1000 }
}

const streams = 100

/** Time to a stream's first chunk, `streams` streams one after another. */
const firstEvent = async (url: string, headers: Record<string, string>) => {
  const latencies: number[] = []
  const started = performance.now()
  for (let i = 0; i < streams; i++) {
    const t0 = performance.now()
    const response = await fetch(url, { method: 'POST', headers, body: message('sqrt(2)*pi') })
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
    const reader = response.body?.getReader()
    await reader?.read()
    latencies.push(performance.now() - t0)
    while (!(await reader?.read())?.done) {
      // drain
    }
  }
  return { latencies, seconds: (performance.now() - started) / 1000 }
}

const pacedEvents = 10
const paceMs = 20
// 540 delays (9 a stream): a p99 is then the sixth largest, not the second, so one stall moves it less.
const pacedStreams = 60

/**
 * An agent that streams `pacedEvents` events `paceMs` apart, each stamped with
 * when it was written (this process's clock, the callers' too), so a caller can
 * tell how long each took to reach it.
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
  // The card names the agent's own URL, known once it listens (the handler runs after).
  const agent = await listening(server)
  const { url } = agent
  return agent
}

/** For each event after a stream's first: how long from the agent writing it to the caller reading it. */
const eventDelays = async (url: string, headers: Record<string, string>) => {
  collectGarbage()
  const latencies: number[] = []
  const started = performance.now()
  for (let i = 0; i < pacedStreams; i++) {
    const response = await fetch(url, { method: 'POST', headers, body: message('go') })
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
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
        if (seen++ > 0) latencies.push(read - sentAt)
      }
    }
  }
  return { latencies, seconds: (performance.now() - started) / 1000 }
}

/** The child's part: the two agents, then each job the parent sends, answered in turn. */
const serveCallers = async () => {
  const fast = await startFastAgent()
  const paced = await startPacedAgent()
  // A parent that failed without saying stop leaves no agents behind.
  process.on('disconnect', () => process.exit(0))
  process.on('message', async (job: Job | 'stop') => {
    if (job === 'stop') {
      await fast.stop()
      await paced.stop()
      process.exit(0)
    }
    try {
      const run =
        job.kind === 'unary'
          ? await unary(job.url, job.headers, job.concurrency, job.calls)
          : job.kind === 'first-event'
            ? await firstEvent(job.url, job.headers)
            : await eventDelays(job.url, job.headers)
      process.send?.({ ...run, latencies: run.latencies.sort((a, b) => a - b) } satisfies Run)
    } catch (error) {
      process.send?.({ error: (error as Error).message })
    }
  })
  process.send?.({
    fast: { backendUrl: fast.backendUrl, cardUrl: fast.cardUrl },
    paced: { backendUrl: paced.backendUrl, cardUrl: paced.cardUrl },
  })
}

// ---- This process: the gateway, and the measures ----

/** The callers' process, forked; `run` hands it a job and waits for its answer. */
const startCallers = async () => {
  const child: ChildProcess = fork(import.meta.filename, ['callers'], { stdio: 'inherit' })
  const [agents] = (await once(child, 'message')) as [{ fast: AgentUrls; paced: AgentUrls }]
  return {
    agents,
    pid: child.pid as number,
    run: async (job: Job): Promise<Run> => {
      child.send(job)
      const [answer] = (await once(child, 'message')) as [Run | { error: string }]
      if ('error' in answer) throw new Error(answer.error)
      return answer
    },
    stop: async () => {
      child.send('stop')
      await once(child, 'exit')
    },
  }
}

const readOperations = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems'])

/**
 * Runs `run` and says what the gateway spent on its `calls` calls: the
 * database requests they caused, and this process's CPU per call, its main
 * thread apart from its other threads (the database's).
 */
const gatewayCost = async <T>(
  stack: { databaseRequests(): Record<string, number> },
  calls: number,
  run: () => Promise<T>,
) => {
  const before = stack.databaseRequests()
  const mainThread = process.threadCpuUsage()
  const wholeProcess = process.cpuUsage()
  const result = await run()
  const ms = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1000 / calls
  const mainCpuMs = ms(process.threadCpuUsage(mainThread))
  const otherCpuMs = ms(process.cpuUsage(wholeProcess)) - mainCpuMs
  const after = stack.databaseRequests()
  const sent = Object.entries(after)
    .map(([operation, count]) => [operation, count - (before[operation] ?? 0)] as const)
    .filter(([, count]) => count > 0)
  const total = (reads: boolean) =>
    sent
      .filter(([operation]) => readOperations.has(operation) === reads)
      .reduce((sum, [, count]) => sum + count, 0) / calls
  return {
    result,
    mainCpuMs,
    otherCpuMs,
    reads: total(true),
    writes: total(false),
    operations: sent.map(([operation, count]) => `${operation} ${(count / calls).toFixed(2)}`),
  }
}

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

/**
 * Where the cores went in the 16-caller runs, by thread: CPU per call, and the
 * share of the runs' wall time each kind spent on a CPU (busy) and runnable
 * with no CPU free (waiting). A thread busy and waiting nearly all the time is
 * the bound; its waiting is what the others' CPU costs it on two cores.
 */
const printCores = (
  cores: { direct: ThreadTimes; gateway: ThreadTimes },
  seconds: { direct: number; gateway: number },
) => {
  if (cores.gateway.size === 0) return
  const calls = throughputRequests * rounds
  console.log(
    `\nWhere the cores went at ${concurrency} callers, the rounds' runs together (Linux scheduler statistics, /proc/<pid>/task/*/schedstat; busy and waiting: shares of the runs' wall time)`,
  )
  console.log(
    '| thread | direct: ms a call | busy | waiting | gateway: ms a call | busy | waiting |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  const cells = (path: 'direct' | 'gateway', key: string) => {
    const spent = cores[path].get(key)
    if (!spent) return '– | – | –'
    const ms = spent.cpuNs / 1e6
    const wallMs = seconds[path] * 1000
    return `${(ms / calls).toFixed(3)} | ${((100 * ms) / wallMs).toFixed(0)} % | ${((100 * spent.waitNs) / 1e6 / wallMs).toFixed(0)} %`
  }
  const keys = [...new Set([...cores.direct.keys(), ...cores.gateway.keys()])]
    .filter((key) => (cores.gateway.get(key)?.cpuNs ?? 0) / 1e6 / (seconds.gateway * 1000) >= 0.01)
    .sort()
  for (const key of keys)
    console.log(`| ${key} | ${cells('direct', key)} | ${cells('gateway', key)} |`)
}

/**
 * Where the gateway's CPU per call goes: each part's share of the main
 * thread's profile (the profiler's own frames left out), times the main
 * thread's CPU per call measured without the profiler; the other threads'
 * CPU (the database's) beside it, per call and per database request.
 */
const printBreakdown = async (
  file: string,
  cost: { mainCpuMs: number; otherCpuMs: number; reads: number; writes: number },
) => {
  const { byPart } = timeByPart(JSON.parse(await readFile(file, 'utf8')) as Profile)
  const left = new Set(['(idle)', profilerPart])
  const measured = [...byPart].filter(([part]) => !left.has(part)).sort((a, b) => b[1] - a[1])
  const busy = measured.reduce((sum, [, micros]) => sum + micros, 0)
  console.log(
    `\nThe gateway's CPU per unary call by part, ${concurrency} callers: main thread by its profile's shares (${file}, an extra run) of its CPU per call measured unprofiled; other threads measured`,
  )
  console.log('| part | ms per call | share of main thread |')
  console.log('| --- | --- | --- |')
  for (const [part, micros] of measured) {
    console.log(
      `| ${part} | ${((cost.mainCpuMs * micros) / busy).toFixed(3)} | ${((100 * micros) / busy).toFixed(1)} % |`,
    )
  }
  console.log(`| main thread, all | ${cost.mainCpuMs.toFixed(3)} | 100 % |`)
  const databaseRequests = cost.reads + cost.writes
  console.log(
    `| other threads: the database's worker (and libuv, GC helpers), ${(cost.otherCpuMs / databaseRequests).toFixed(3)} ms per database request | ${cost.otherCpuMs.toFixed(3)} | – |`,
  )
}

const main = async () => {
  // The limit must not be what is measured.
  process.env.RATE_LIMIT_PER_MINUTE = '1000000'
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT'
  const callers = await startCallers()
  const stops = [callers.stop]
  try {
    const stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 300 })
    stops.push(stack.stop)
    const { fast, paced } = callers.agents
    const admin = {
      'content-type': 'application/json',
      authorization: `Bearer ${await stack.token('admin-client')}`,
    }
    for (const [agentId, agent] of [
      ['fast', fast],
      ['paced', paced],
    ] as const) {
      const registered = await fetch(`${stack.url}/admin/register`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          agentId,
          backendUrl: agent.backendUrl,
          agentCardUrl: agent.cardUrl,
        }),
      })
      if (registered.status !== 201)
        throw new Error(`registering the ${agentId} agent: ${await registered.text()}`)
    }
    const granted = await fetch(`${stack.url}/admin/permissions/calculator:invoke`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ agents: ['calculator', 'fast', 'paced'] }),
    })
    if (!granted.ok) throw new Error(`granting the agents: ${await granted.text()}`)
    const a2a = { 'content-type': 'application/json', 'a2a-version': '1.0' }
    const viaGateway = { ...a2a, authorization: `Bearer ${await stack.token('demo-client')}` }
    const direct = { url: `${fast.backendUrl}/message:send`, headers: a2a }
    const gateway = { url: `${stack.url}/agents/fast/message:send`, headers: viaGateway }
    const oneAtATime = (path: typeof direct) =>
      callers.run({ kind: 'unary', ...path, concurrency: 1, calls: requests })
    const sixteen = (path: typeof direct) =>
      callers.run({ kind: 'unary', ...path, concurrency, calls: throughputRequests })

    // Warm-up: connections, JIT, the gateway's caches.
    const warmed = await warmUp(warmUpCalls, throughputRequests, async () => {
      await sixteen(direct)
      await sixteen(gateway)
    })

    // Rounds taken turn about (direct, then through the gateway, `rounds` times): each round
    // compares two runs a second apart, so a stretch in which the machine runs slower moves
    // both sides of that round; the figures are the rounds' medians.
    const taken: {
      directAlone: Run
      gatewayAlone: Awaited<ReturnType<typeof gatewayCost<Run>>>
      directLoaded: Run
      relayLoaded: Run
      gatewayLoaded: Awaited<ReturnType<typeof gatewayCost<Run>>>
    }[] = []
    // Where the cores go at 16 callers, every round's runs summed (Linux only).
    const processes = { gateway: process.pid, "callers' process": callers.pid }
    const cores = { direct: new Map() as ThreadTimes, gateway: new Map() as ThreadTimes }
    const coresDuring = async <T>(into: ThreadTimes, run: () => Promise<T>) => {
      const before = threadTimes(processes)
      const result = await run()
      addThreadTimes(into, threadTimesSince(before, threadTimes(processes)))
      return result
    }
    // Node's floor for a proxy in the gateway's place: a bare relay in this process.
    const fastRelay = await startBareRelay(fast.backendUrl)
    stops.push(fastRelay.stop)
    const relayed = { url: `${fastRelay.url}/message:send`, headers: a2a }
    await sixteen(relayed)
    for (let round = 0; round < rounds; round++) {
      const directAlone = await oneAtATime(direct)
      const gatewayAlone = await gatewayCost(stack, requests, () => oneAtATime(gateway))
      const directLoaded = await coresDuring(cores.direct, () => sixteen(direct))
      const relayLoaded = await sixteen(relayed)
      const gatewayLoaded = await coresDuring(cores.gateway, () =>
        gatewayCost(stack, throughputRequests, () => sixteen(gateway)),
      )
      taken.push({ directAlone, gatewayAlone, directLoaded, relayLoaded, gatewayLoaded })
    }
    const pooled = (runs: Run[]) => runs.flatMap((run) => run.latencies).sort((a, b) => a - b)
    const callsPerSecond = (run: Run) => run.latencies.length / run.seconds
    /** The rounds' median CPU per call; the request counts are each round's alike. */
    const medianCost = (costs: Awaited<ReturnType<typeof gatewayCost<Run>>>[]) => ({
      ...(costs.at(-1) as (typeof costs)[number]),
      mainCpuMs: median(costs.map((cost) => cost.mainCpuMs)),
      otherCpuMs: median(costs.map((cost) => cost.otherCpuMs)),
    })
    const gatewayAlone = medianCost(taken.map((round) => round.gatewayAlone))
    const gatewayLoaded = medianCost(taken.map((round) => round.gatewayLoaded))
    const range = (values: number[], digits: number, unit = '') =>
      `${Math.min(...values).toFixed(digits)}${unit} to ${Math.max(...values).toFixed(digits)}${unit}`

    const latency = {
      direct: pooled(taken.map((round) => round.directAlone)),
      gateway: pooled(taken.map((round) => round.gatewayAlone.result)),
    }
    printPercentiles(
      `Unary SendMessage, latency: ${rounds} rounds of ${requests} calls, one caller at a time, after ${warmed} calls each way to warm up (a fast agent; callers and agent in another process)`,
      latency.direct,
      latency.gateway,
      2,
    )
    const overheads = taken.map(
      (round) =>
        percentile(round.gatewayAlone.result.latencies, 50) -
        percentile(round.directAlone.latencies, 50),
    )
    const overheadP50 = median(overheads)
    console.log(
      `Through the gateway: +${overheadP50.toFixed(2)} ms p50, the median of ${rounds} rounds (each round's +${range(overheads, 2, ' ms')}; issue 20's goal: at most +1.5 ms)`,
    )

    /** Each round's calls/s through `path` over its direct run's. */
    const sharesOf = (path: (round: (typeof taken)[number]) => Run) =>
      taken.map((round) => callsPerSecond(path(round)) / callsPerSecond(round.directLoaded))
    const shares = sharesOf((round) => round.gatewayLoaded.result)
    const share = median(shares)
    console.log(
      `\nUnary SendMessage, throughput: ${rounds} rounds of ${throughputRequests} calls, ${concurrency} callers (calls/s: the rounds' median; p50 and p99 at this load are mostly queueing)`,
    )
    console.log('| path | calls/s | p50 ms | p99 ms |')
    console.log('| --- | --- | --- | --- |')
    const loaded = {
      direct: taken.map((round) => round.directLoaded),
      'bare relay': taken.map((round) => round.relayLoaded),
      gateway: taken.map((round) => round.gatewayLoaded.result),
    }
    for (const [name, runs] of Object.entries(loaded)) {
      const latencies = pooled(runs)
      console.log(
        `| ${name} | ${median(runs.map(callsPerSecond)).toFixed(0)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} |`,
      )
    }
    console.log(
      `Through the gateway: ${(100 * share).toFixed(0)} % of direct throughput, the median of ${rounds} rounds (each round's ${range(
        shares.map((value) => 100 * value),
        0,
        ' %',
      )}; issue 20's goal: at least 35 %)`,
    )
    const relayShares = sharesOf((round) => round.relayLoaded)
    console.log(
      `Through the bare relay: ${(100 * median(relayShares)).toFixed(0)} % of direct throughput (each round's ${range(
        relayShares.map((value) => 100 * value),
        0,
        ' %',
      )}; Node's floor for a proxy in the gateway's place)`,
    )

    console.log(
      `\nThe gateway process: CPU per unary call, the rounds' median (process.threadCpuUsage, process.cpuUsage)`,
    )
    console.log('| load | main thread ms | other threads (database) ms |')
    console.log('| --- | --- | --- |')
    for (const [name, cost] of [
      ['one caller at a time', gatewayAlone],
      [`${concurrency} callers`, gatewayLoaded],
    ] as const) {
      console.log(`| ${name} | ${cost.mainCpuMs.toFixed(3)} | ${cost.otherCpuMs.toFixed(3)} |`)
    }
    printCores(cores, {
      direct: taken.reduce((sum, round) => sum + round.directLoaded.seconds, 0),
      gateway: taken.reduce((sum, round) => sum + round.gatewayLoaded.result.seconds, 0),
    })
    if (process.env.BENCH_PROFILE) {
      // An extra run under the profiler: the figures above are never the profiler's.
      await profiled(process.env.BENCH_PROFILE, () => sixteen(gateway))
      await printBreakdown(process.env.BENCH_PROFILE, gatewayLoaded)
    }

    const figures: Figures = {
      directP50: percentile(latency.direct, 50),
      directP99: percentile(latency.direct, 99),
      gatewayP50: percentile(latency.gateway, 50),
      gatewayP99: percentile(latency.gateway, 99),
      overheadP50,
      directCallsPerSecond: median(loaded.direct.map(callsPerSecond)),
      gatewayCallsPerSecond: median(loaded.gateway.map(callsPerSecond)),
      throughputShare: share,
      relayThroughputShare: median(relayShares),
      mainThreadCpuMs: gatewayAlone.mainCpuMs,
      otherThreadsCpuMs: gatewayAlone.otherCpuMs,
    }

    const stream = (url: string, headers: Record<string, string>) =>
      callers.run({ kind: 'first-event', url, headers })
    // Streams warmed too: the warm-up above is unary, and a stream's path has code of its own.
    const streamsWarmed = await warmUp(warmUpCalls / 10, streams, async () => {
      await stream(`${fast.backendUrl}/message:stream`, a2a)
      await stream(`${stack.url}/agents/fast/message:stream`, viaGateway)
    })
    // In rounds too, turn about with the direct path, the figure the rounds' median.
    const firstRounds: { direct: Run; gateway: Run }[] = []
    let gatewayFirst: Awaited<ReturnType<typeof gatewayCost<Run>>> | undefined
    for (let round = 0; round < rounds; round++) {
      const direct = await stream(`${fast.backendUrl}/message:stream`, a2a)
      gatewayFirst = await gatewayCost(stack, streams, () =>
        stream(`${stack.url}/agents/fast/message:stream`, viaGateway),
      )
      firstRounds.push({ direct, gateway: gatewayFirst.result })
    }
    if (!gatewayFirst) throw new Error(`BENCH_ROUNDS must be at least 1, not ${rounds}`)
    printPercentiles(
      `Streaming: time to first event, ${rounds} rounds of ${streams} streams one after another, after ${streamsWarmed} each way to warm up`,
      pooled(firstRounds.map((round) => round.direct)),
      pooled(firstRounds.map((round) => round.gateway)),
      1,
    )
    const firstEventOverheads = firstRounds.map(
      (round) => percentile(round.gateway.latencies, 50) - percentile(round.direct.latencies, 50),
    )
    figures.firstEventOverheadP50 = median(firstEventOverheads)
    console.log(
      `Through the gateway: +${median(firstEventOverheads).toFixed(2)} ms p50, the median of ${rounds} rounds (each round's +${range(firstEventOverheads, 2, ' ms')}; issue 20's goal: at most +2 ms)`,
    )

    // Each call finds the agent record's cache expired: what a call costs at worst (a cold
    // or idle instance; on AWS each warm instance has its own cache).
    const spacedCalls = 5
    const spaced = await gatewayCost(stack, spacedCalls, async () => {
      for (let i = 0; i < spacedCalls; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        await fetch(gateway.url, {
          method: 'POST',
          headers: viaGateway,
          body: message('2+2'),
        }).then((response) => response.arrayBuffer())
      }
    })
    console.log('\nDynamoDB requests per call, every handler, counted at the local database')
    console.log('| calls | reads | writes | by operation |')
    console.log('| --- | --- | --- | --- |')
    for (const [name, counted] of [
      [`unary, ${requests} one at a time (the last latency round above)`, gatewayAlone],
      [
        `unary, ${throughputRequests} by ${concurrency} callers (the last throughput round above)`,
        gatewayLoaded,
      ],
      [`streams, ${streams} one after another (the last round above)`, gatewayFirst],
      [`unary, ${spacedCalls} calls 1 s apart (agent cache expired each time)`, spaced],
    ] as const) {
      console.log(
        `| ${name} | ${counted.reads.toFixed(2)} | ${counted.writes.toFixed(2)} | ${counted.operations.join(', ')} |`,
      )
    }

    // Both processes start each measure of single events with their garbage collected.
    const delays = (url: string, headers: Record<string, string>) => {
      collectGarbage()
      return callers.run({ kind: 'event-delays', url, headers })
    }
    // Node's floor for the extra hop: a bare relay in this process, as the gateway is.
    const relay = await startBareRelay(paced.backendUrl)
    stops.push(relay.stop)
    const delayRounds: { direct: Run; relay: Run; gateway: Run }[] = []
    for (let round = 0; round < rounds; round++) {
      delayRounds.push({
        direct: await delays(`${paced.backendUrl}/message:stream`, a2a),
        relay: await delays(`${relay.url}/message:stream`, a2a),
        gateway: await delays(`${stack.url}/agents/paced/message:stream`, viaGateway),
      })
    }
    console.log(
      `\nStreaming: delay from the agent writing an event to the caller reading it, ${rounds} rounds of ${pacedStreams} streams, events 2-${pacedEvents} of each, ${paceMs} ms apart (the bare relay: node:http piping the agent's answer on, in the gateway's process, Node's floor for the extra hop)`,
    )
    console.log('| path | p50 ms | p99 ms |')
    console.log('| --- | --- | --- |')
    for (const path of ['direct', 'relay', 'gateway'] as const) {
      const latencies = pooled(delayRounds.map((round) => round[path]))
      console.log(
        `| ${path === 'relay' ? 'bare relay' : path} | ${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} |`,
      )
    }
    const addedDelay = (path: 'relay' | 'gateway', p: number) =>
      delayRounds.map(
        (round) => percentile(round[path].latencies, p) - percentile(round.direct.latencies, p),
      )
    figures.perEventDelayP50 = median(addedDelay('gateway', 50))
    figures.perEventDelayP99 = median(addedDelay('gateway', 99))
    figures.relayPerEventDelayP99 = median(addedDelay('relay', 99))
    console.log(
      `Through the gateway: each event +${figures.perEventDelayP50.toFixed(2)} ms p50, +${figures.perEventDelayP99.toFixed(2)} ms p99, the medians of ${rounds} rounds (each round's p99: +${range(addedDelay('gateway', 99), 2, ' ms')}; issue 20's goal: at most +0.5 ms p99). Through the bare relay: +${median(addedDelay('relay', 50)).toFixed(2)} ms p50, +${figures.relayPerEventDelayP99.toFixed(2)} ms p99 (each round's p99: +${range(addedDelay('relay', 99), 2, ' ms')})`,
    )
    await recordFigures('gateway', figures)
  } finally {
    for (const stop of stops.reverse()) await stop()
  }
}

if (process.argv[2] === 'callers') await serveCallers()
else await main()
