/**
 * What the agents handler costs per proxied call, measured in-process: the
 * handler invoked as the Lambda runtime does, with an API Gateway proxy event
 * and a response stream, no emulator in between. The database (dynalite), the
 * token endpoint and a trivially fast agent run in a child process, on
 * loopback, so that the CPU time measured here (process.cpuUsage around each
 * call, calls one after another) is the handler's own. Prints CPU ms per call
 * p50 / p99, wall ms p50 and the DynamoDB requests per call by operation
 * (counted at the database). Run with `npm run bench:handler`.
 *
 * Each kind is measured after BENCH_WARMUP (20,000) calls of it, so that
 * what is measured is a warm instance's code, not V8 still compiling it.
 *
 * Last comes Node's floor (bench/http-floor.ts): the same three exchanges a
 * unary call makes, with bare node:http and nothing else, measured the same way.
 *
 * With BENCH_PROFILE=<prefix>, the CPU profile of each kind's measured calls
 * (not the warm-up) is written to `<prefix>-<kind>.cpuprofile`, for
 * `node bench/profile-summary.ts <file>`.
 *
 * With BENCH_LAMBDA_OUTPUT=1 the handler writes what it writes on Lambda, at
 * its cost: log lines at INFO and EMF metrics, on stdout; the table then goes
 * to stderr (`BENCH_LAMBDA_OUTPUT=1 npm run bench:handler > /dev/null`).
 */

import { type ChildProcess, fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { Writable } from 'node:stream'
import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import { tableName } from '../lib/tables.ts'
import {
  authorizerEvent,
  handlerAuthorizerContext,
  proxyEvent,
} from '../local/api-gateway-events.ts'
import {
  installAwsLambdaShim,
  preludeDelimiter,
  type StreamingHandler,
} from '../local/awslambda-shim.ts'
import { lambdaContext } from '../local/lambda-context.ts'
import { startThrowawayStack } from '../local/stack.ts'
import { startFastAgent } from './fast-agent.ts'
import { type Figures, percentile, recordFigures } from './figures.ts'
import { bareCall } from './http-floor.ts'
import { incomingRequest, routeOf } from './incoming-request.ts'
import { profiled } from './profile.ts'

const calls = Number(process.env.BENCH_REQUESTS ?? 400)
/**
 * Calls of each kind before any is measured. V8 goes on optimizing the handler's code for
 * thousands of calls, in helper threads whose CPU \`process.cpuUsage\` counts: after 50 calls a
 * unary call measured 1.4-2.7 ms p50, after 5,000 0.8-1.1, after 20,000 0.55-0.75
 * (docs/architecture.md, "A warm handler"). A busy Lambda instance serves that many.
 */
const warmUp = Number(process.env.BENCH_WARMUP ?? 20_000)

/** With BENCH_PROFILE=<prefix>, each kind of call's profile goes to `<prefix>-<kind>.cpuprofile`. */
const profileFile = (kind: string) =>
  process.env.BENCH_PROFILE ? `${process.env.BENCH_PROFILE}-${kind}.cpuprofile` : undefined

/** On Lambda the handler logs at INFO and writes EMF: measured so, its table leaves stdout to them. */
const lambdaOutput = process.env.BENCH_LAMBDA_OUTPUT === '1'
const print = (line: string) => (lambdaOutput ? console.error(line) : console.log(line))

interface Ready {
  env: Record<string, string>
  token: string
  /** The fast agent's HTTP+JSON base URL, for Node's floor. */
  agentUrl: string
}

/** The child's part: database, token endpoint and the fast agent, registered and granted. */
const serveBackend = async () => {
  // The limit must not be what is measured.
  process.env.RATE_LIMIT_PER_MINUTE = '1000000'
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT'
  const stack = await startThrowawayStack()
  const agent = await startFastAgent()
  const admin = {
    authorization: `Bearer ${await stack.token('admin-client')}`,
    'content-type': 'application/json',
  }
  const registered = await fetch(`${stack.url}/admin/register`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({
      agentId: 'fast',
      backendUrl: agent.backendUrl,
      agentCardUrl: agent.cardUrl,
    }),
  })
  if (registered.status !== 201) throw new Error(`register: ${await registered.text()}`)
  await fetch(`${stack.url}/admin/permissions/calculator:invoke`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ agents: ['calculator', 'fast'] }),
  })
  const env = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => !!entry[1]),
  )
  process.send?.({
    env,
    token: await stack.token('demo-client'),
    agentUrl: agent.backendUrl,
  } satisfies Ready)
  process.on('message', async (message) => {
    if (message === 'counts') process.send?.({ counts: stack.databaseRequests() })
    if (message === 'stop') {
      await agent.stop()
      await stack.stop()
      process.exit(0)
    }
  })
}

/** What a call wrote to its response stream: the prelude's status and the body. */
const responseSink = () => {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    },
  })
  const read = () => {
    const all = Buffer.concat(chunks)
    const at = all.indexOf(preludeDelimiter)
    const prelude = JSON.parse(all.subarray(0, at).toString('utf8')) as { statusCode?: number }
    return {
      status: prelude.statusCode ?? 200,
      body: all.subarray(at + preludeDelimiter.length).toString('utf8'),
    }
  }
  return { stream, read }
}

const measure = async (backend: ChildProcess, { token, agentUrl }: Ready) => {
  installAwsLambdaShim()
  const [{ handler: authorizer }, agentsModule] = await Promise.all([
    import('../handlers/authorizer.ts'),
    import('../handlers/agents.ts'),
  ])
  // Invoked as the runtime invokes a streaming handler: event, response stream, context.
  const agents = agentsModule.handler as unknown as StreamingHandler

  const incoming = (method: string, path: string, body?: string) =>
    incomingRequest(method, path, body, { token })

  // The authorizer runs once: API Gateway caches its answer by token.
  const first = incoming('POST', '/agents/fast/message:send', '{}')
  const authorized = (await authorizer(
    authorizerEvent(first, routeOf(first)),
    lambdaContext('switchboard-authorizer') as Parameters<typeof authorizer>[1],
  )) as APIGatewayAuthorizerResult
  const callerContext = handlerAuthorizerContext(authorized.principalId, authorized.context ?? {})

  const call = async (method: string, path: string, body?: string) => {
    const request = incoming(method, path, body)
    const event = proxyEvent(request, routeOf(request), callerContext)
    const sink = responseSink()
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    // The Lambda context as the runtime gives it; the handler's middlewares add the rest (its type names them).
    await agents(
      event,
      sink.stream,
      lambdaContext('switchboard-agents') as Parameters<typeof agents>[2],
    )
    const wall = performance.now() - t0
    const { user, system } = process.cpuUsage(cpu)
    const answer = sink.read()
    if (answer.status !== 200) throw new Error(`${path}: HTTP ${answer.status} ${answer.body}`)
    return { cpu: (user + system) / 1000, wall, body: answer.body }
  }

  const databaseRequests = async () => {
    backend.send('counts')
    const [reply] = (await once(backend, 'message')) as [{ counts: Record<string, number> }]
    return reply.counts
  }

  /** The database requests per call between two counts, in all and by operation. */
  const perCall = (before: Record<string, number>, after: Record<string, number>) => {
    const perOperation = Object.entries(after)
      .map(([operation, count]) => [operation, (count - (before[operation] ?? 0)) / calls] as const)
      .filter(([, count]) => count > 0)
    const total = perOperation.reduce((sum, [, count]) => sum + count, 0)
    const byOperation = perOperation.map(([operation, count]) => `${operation} ${count.toFixed(2)}`)
    return { total, text: `${total.toFixed(2)}: ${byOperation.join(', ')}` }
  }

  const message = () =>
    JSON.stringify({
      message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: '2+2' }] },
    })

  const taskId = JSON.parse((await call('POST', '/agents/fast/message:send', message())).body).task
    .id as string
  const kinds: [string, string, () => Promise<{ cpu: number; wall: number }>][] = [
    ['unary SendMessage', 'unary', () => call('POST', '/agents/fast/message:send', message())],
    [
      'streaming SendStreamingMessage',
      'streaming',
      () => call('POST', '/agents/fast/message:stream', message()),
    ],
    ['GetTask', 'get-task', () => call('GET', `/agents/fast/tasks/${taskId}`)],
  ]
  print(
    `\nAgents handler in-process, ${calls} calls one after another after ${warmUp} to warm up (fast agent, dynalite in another process${lambdaOutput ? '; logs at INFO and EMF, as on Lambda' : ''})`,
  )
  print('| call | CPU ms p50 | CPU ms p99 | wall ms p50 | DynamoDB requests per call |')
  print('| --- | --- | --- | --- | --- |')
  const figures: Figures = {}
  const figureNames: Record<string, string> = {
    unary: 'unary',
    streaming: 'stream',
    'get-task': 'getTask',
  }
  for (const [name, kind, run] of kinds) {
    for (let i = 0; i < warmUp; i++) await run()
    const before = await databaseRequests()
    const cpu: number[] = []
    const wall: number[] = []
    await profiled(profileFile(kind), async () => {
      for (let i = 0; i < calls; i++) {
        const sample = await run()
        cpu.push(sample.cpu)
        wall.push(sample.wall)
      }
    })
    const { total, text } = perCall(before, await databaseRequests())
    cpu.sort((a, b) => a - b)
    wall.sort((a, b) => a - b)
    print(
      `| ${name} | ${percentile(cpu, 50).toFixed(2)} | ${percentile(cpu, 99).toFixed(2)} | ${percentile(wall, 50).toFixed(2)} | ${text} |`,
    )
    const figure = figureNames[kind] as string
    figures[`${figure}CpuMsP50`] = percentile(cpu, 50)
    figures[`${figure}CpuMsP99`] = percentile(cpu, 99)
    figures[`${figure}WallMsP50`] = percentile(wall, 50)
    figures[`${figure}DbRequests`] = total
  }
  const floor = bareCall({
    databaseUrl: process.env.DYNAMODB_ENDPOINT as string,
    tableName: tableName('rateLimits', process.env.TABLE_PREFIX ?? ''),
    agentUrl,
  })
  const floorCpu: number[] = []
  const floorWall: number[] = []
  let floorBefore: Record<string, number> = {}
  for (let i = 0; i < warmUp + calls; i++) {
    if (i === warmUp) floorBefore = await databaseRequests()
    const body = message()
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    await floor.call(body)
    const wall = performance.now() - t0
    const { user, system } = process.cpuUsage(cpu)
    if (i < warmUp) continue
    floorCpu.push((user + system) / 1000)
    floorWall.push(wall)
  }
  floor.close()
  floorCpu.sort((a, b) => a - b)
  floorWall.sort((a, b) => a - b)
  const floorRequests = perCall(floorBefore, await databaseRequests())
  print(
    `| Node's floor: a unary call's three exchanges, bare node:http (bench/http-floor.ts) | ${percentile(floorCpu, 50).toFixed(2)} | ${percentile(floorCpu, 99).toFixed(2)} | ${percentile(floorWall, 50).toFixed(2)} | ${floorRequests.text} |`,
  )
  figures.unaryFloorCpuMsP50 = percentile(floorCpu, 50)
  await recordFigures('handler', figures)
}

if (process.argv[2] === 'backend') {
  await serveBackend()
} else {
  const backend = fork(import.meta.filename, ['backend'], { stdio: 'inherit' })
  const [ready] = (await once(backend, 'message')) as [Ready]
  // The handlers read their configuration when imported, as on Lambda: the local stack's.
  Object.assign(process.env, ready.env)
  if (lambdaOutput) {
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO'
    process.env.METRICS_SINK = 'emf'
    process.env.POWERTOOLS_METRICS_DISABLED = 'false'
  }
  try {
    await measure(backend, ready)
  } finally {
    backend.send('stop')
    await once(backend, 'exit')
  }
  // The handlers' clients keep sockets open.
  process.exit(0)
}
