/**
 * Whether a warm instance keeps anything per call: the agents, discovery and authorizer handlers
 * invoked in-process as the Lambda runtime invokes them (as bench/handler.ts does: the database,
 * the token endpoint and the agents in a child process), round after round, first with a varied
 * mix, then with as many identical calls. After each round, the heap after a full collection,
 * this process's open file descriptors and the handles keeping its loop alive. A leak is a heap
 * that goes on rising after the first round (V8's code and the caches fill during it): printed
 * as KiB per 1,000 calls from the end of the first round to the end of the last.
 *
 * The varied mix, one call of each in turn: unary, streamed and JSON-RPC calls to many agents
 * (each on its own loopback address, so each its own keep-alive pool) from 5,000 callers (their
 * authorizer contexts, as API Gateway passes them), a caller past its rate limit (429), GetTask of
 * unknown and malformed ids, an agent answering 500, one refusing connections, one never
 * answering (504), a stream the caller leaves after its first event, a malformed body, wrong
 * params, an unknown agent, A2A-Version 9.9, cards and the authorizer with fresh tokens,
 * `GET /agents`, `/search` and `/route`.
 *
 * `npm run bench:soak`; BENCH_SOAK_ROUNDS (5), BENCH_SOAK_CALLS (10,000 a round),
 * BENCH_SOAK_CONCURRENCY (8). BENCH_SOAK_SNAPSHOT=<prefix> writes a heap snapshot after the
 * first and the last varied round, to diff in Chrome's DevTools and name what grew.
 *
 * With BENCH_SOAK_LAMBDA=1 the handlers run as on Lambda: X-Ray tracing on (its segments sent to a
 * UDP socket of this process, and counted), INFO log lines and EMF on stdout (the tables then go
 * to stderr: `BENCH_SOAK_LAMBDA=1 npm run bench:soak > /dev/null`), a trace id of its own for each
 * invocation, one invocation at a time. Tracing is what a laptop never runs, and where the one
 * leak of a warm handler was (docs/architecture.md, *What is kept between calls*).
 */

import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { readdirSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { writeHeapSnapshot } from 'node:v8'
import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import {
  authorizerEvent,
  handlerAuthorizerContext,
  type IncomingRequest,
  proxyEvent,
} from '../local/api-gateway-events.ts'
import { installAwsLambdaShim, type StreamingHandler } from '../local/awslambda-shim.ts'
import { lambdaContext } from '../local/lambda-context.ts'
import { collectGarbage, recordFigures } from './figures.ts'
import { incomingRequest, routeOf } from './incoming-request.ts'

/** As on Lambda: tracing, logs and EMF, one invocation at a time (set before a handler loads). */
const asOnLambda = process.env.BENCH_SOAK_LAMBDA === '1'
const print = (line: string) => (asOnLambda ? console.error(line) : console.log(line))

const rounds = Number(process.env.BENCH_SOAK_ROUNDS ?? 5)
const callsPerRound = Number(process.env.BENCH_SOAK_CALLS ?? 10_000)
const concurrency = Number(process.env.BENCH_SOAK_CONCURRENCY ?? (asOnLambda ? 1 : 8))
/** Agents that answer at once, on 127.0.0.1 to 127.0.0.30. */
const quickAgents = 60
const callers = 5000
const tokenCount = 100

interface Ready {
  env: Record<string, string>
  tokens: string[]
}

const listenOn = (server: Server, host: string) =>
  new Promise<number>((resolve) =>
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port)),
  )

/**
 * The agents, by the path's first segment: `ok` answers at once (a stream: two events), `e500`
 * answers 500, `hang` never answers, `drip` streams an event every 20 ms until the caller leaves.
 */
const agentServer = () => {
  const task = (state: string) => ({ id: randomUUID(), contextId: 'soak', status: { state } })
  const card = (host: string, kind: string) => ({
    name: kind,
    description: `A ${kind} agent`,
    version: '1.0.0',
    supportedInterfaces: [
      { url: `http://${host}/${kind}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'answer', name: 'Answer', description: 'Answers', tags: [] }],
  })
  const event = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? '/'
    const kind = path.split('/')[1] ?? ''
    if (path.endsWith('/.well-known/agent-card.json')) {
      response.writeHead(200, { 'content-type': 'application/json' })
      return response.end(JSON.stringify(card(request.headers.host ?? '', kind)))
    }
    if (kind === 'hang') return
    if (kind === 'e500') {
      response.writeHead(500, { 'content-type': 'application/json' })
      return response.end('{"error":"down"}')
    }
    if (path.endsWith('/message:stream')) {
      const working = task('TASK_STATE_WORKING')
      const update = { taskId: working.id, contextId: 'soak', status: working.status }
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write(event({ task: working }))
      if (kind === 'drip') {
        const timer = setInterval(() => response.write(event({ statusUpdate: update })), 20)
        response.on('close', () => clearInterval(timer))
        return
      }
      const done = { ...update, status: { state: 'TASK_STATE_COMPLETED' } }
      return response.end(event({ statusUpdate: done }))
    }
    const taskId = /\/tasks\/([^/:?]+)$/.exec(path)?.[1]
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify(
        taskId
          ? { ...task('TASK_STATE_COMPLETED'), id: taskId }
          : { task: task('TASK_STATE_COMPLETED') },
      ),
    )
  }
  return createServer((request, response) => {
    request.resume()
    request.on('end', () => answer(request, response))
  })
}

/** The child's part: the stack, the agents registered and granted, tokens. */
const serveBackend = async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT'
  // Imported here: the stack's modules load tracing, which must not decide before Lambda's settings.
  const { startThrowawayStack } = await import('../local/stack.ts')
  const stack = await startThrowawayStack()
  const agents = agentServer()
  // On every loopback address, so that agents on 127.0.0.2 to .30 are each a host of their own.
  const port = await listenOn(agents, '0.0.0.0')
  const refusing = agentServer()
  const refusingPort = await listenOn(refusing, '127.0.0.1')
  const admin = {
    authorization: `Bearer ${await stack.token('admin-client')}`,
    'content-type': 'application/json',
  }
  const register = async (agentId: string, host: string, kind: string, extra = {}) => {
    const answer = await fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        agentId,
        backendUrl: `http://${host}/${kind}/rest`,
        agentCardUrl: `http://${host}/${kind}/.well-known/agent-card.json`,
        routingExamples: [`${kind} ${agentId} please`],
        ...extra,
      }),
    })
    if (answer.status !== 201) throw new Error(`register ${agentId}: ${await answer.text()}`)
  }
  const granted = ['weather']
  for (let i = 0; i < quickAgents; i++) {
    await register(`ok-${i}`, `127.0.0.${1 + (i % 30)}:${port}`, 'ok')
    granted.push(`ok-${i}`)
  }
  await register('e500', `127.0.0.1:${port}`, 'e500')
  await register('hang', `127.0.0.1:${port}`, 'hang', { timeoutMs: 100 })
  await register('drip', `127.0.0.1:${port}`, 'drip')
  await register('refused', `127.0.0.1:${refusingPort}`, 'ok')
  refusing.close()
  granted.push('e500', 'hang', 'drip', 'refused')
  const put = await fetch(`${stack.url}/admin/permissions/weather:invoke`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ agents: granted }),
  })
  if (!put.ok) throw new Error(`grant: ${await put.text()}`)
  const tokens: string[] = []
  for (let i = 0; i < tokenCount; i++) tokens.push(await stack.token('demo-client'))
  const env = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => !!entry[1]),
  )
  process.send?.({ env, tokens } satisfies Ready)
  process.on('message', async (message) => {
    if (message === 'rss') process.send?.({ rss: process.memoryUsage().rss })
    if (message === 'stop') {
      agents.closeAllConnections()
      agents.close()
      await stack.stop()
      process.exit(0)
    }
  })
}

/** A response stream that reads the prelude's status; left by its caller after `leaveAfter` writes. */
const responseSink = (leaveAfter?: number) => {
  let status = 200
  let body = 0
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (body === 0 && chunk[0] === 0x7b) {
        status = (JSON.parse(chunk.toString('utf8')) as { statusCode?: number }).statusCode ?? 200
      }
      body++
      callback()
      // Two writes are the prelude and its delimiter.
      if (leaveAfter !== undefined && body >= 2 + leaveAfter) stream.destroy(new Error('left'))
    },
  })
  stream.on('error', () => undefined)
  return { stream, status: () => status }
}

const measure = async (backend: ChildProcess, { tokens }: Ready) => {
  installAwsLambdaShim()
  const [{ handler: authorizer }, agentsModule, discoveryModule] = await Promise.all([
    import('../handlers/authorizer.ts'),
    import('../handlers/agents.ts'),
    import('../handlers/discovery.ts'),
  ])
  const agents = agentsModule.handler as unknown as StreamingHandler
  const discovery = discoveryModule.handler as unknown as (
    e: unknown,
    c: unknown,
  ) => Promise<unknown>

  const incoming = (
    method: string,
    path: string,
    body?: string,
    options: { token?: string; query?: Record<string, string>; version?: string } = {},
  ) =>
    incomingRequest(method, path, body, {
      ...options,
      token: options.token ?? (tokens[0] as string),
    })

  const authorize = async (token: string, path: string) => {
    const request = incoming('POST', path, '{}', { token })
    newInvocation()
    const answer = (await authorizer(
      authorizerEvent(request, routeOf(request)),
      lambdaContext('switchboard-authorizer') as Parameters<typeof authorizer>[1],
    )) as APIGatewayAuthorizerResult
    return handlerAuthorizerContext(answer.principalId, answer.context ?? {})
  }
  const granted = await authorize(tokens[0] as string, '/agents/ok-0/message:send')
  /** Caller `n`'s context: the granted one under its own principal and client. */
  const caller = (n: number) => ({
    ...granted,
    principalId: `caller-${n}`,
    principal: `caller-${n}`,
    clientId: `client-${n}`,
  })

  const statuses = new Map<string, number>()
  const counted = (kind: string, status: number | string) => {
    const key = `${kind} ${status}`
    statuses.set(key, (statuses.get(key) ?? 0) + 1)
  }
  const callAgents = async (
    kind: string,
    request: IncomingRequest,
    context: Record<string, string | number>,
    leaveAfter?: number,
  ) => {
    const sink = responseSink(leaveAfter)
    newInvocation()
    try {
      await agents(
        proxyEvent(request, routeOf(request), context),
        sink.stream,
        lambdaContext('switchboard-agents'),
      )
      counted(kind, sink.status())
    } catch {
      counted(kind, 'caller left')
    }
  }
  const callDiscovery = async (
    kind: string,
    request: IncomingRequest,
    context: Record<string, string | number>,
  ) => {
    newInvocation()
    const answer = (await discovery(
      proxyEvent(request, routeOf(request), context),
      lambdaContext('switchboard-discovery'),
    )) as { statusCode: number }
    counted(kind, answer.statusCode)
  }
  const message = (text = '2+2') => ({
    message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })
  const send = (agent: string, body: unknown = message()) =>
    incoming('POST', `/agents/${agent}/message:send`, JSON.stringify(body))

  let fresh = 0
  const varied = async (i: number) => {
    const who = caller(i % callers)
    const agent = `ok-${i % quickAgents}`
    const jsonRpc = (params: unknown) =>
      JSON.stringify({ jsonrpc: '2.0', id: i, method: 'SendMessage', params })
    switch (i % 20) {
      case 0:
      case 1:
      case 2:
        return callAgents('unary', send(agent), who)
      case 3:
        return callAgents(
          'stream',
          incoming('POST', `/agents/${agent}/message:stream`, JSON.stringify(message())),
          who,
        )
      case 4:
        return callAgents(
          'GetTask unknown',
          incoming('GET', `/agents/${agent}/tasks/${randomUUID()}`),
          who,
        )
      case 5:
        return callAgents('agent 500', send('e500'), who)
      case 6:
        return i % 100 === 6
          ? callAgents('agent silent', send('hang'), who)
          : callAgents('agent refusing', send('refused'), who)
      case 7:
        return callAgents(
          'stream left',
          incoming('POST', '/agents/drip/message:stream', JSON.stringify(message())),
          who,
          1,
        )
      case 8:
        return callAgents(
          'malformed body',
          incoming('POST', `/agents/${agent}/message:send`, '{"message":'),
          who,
        )
      case 9:
        return callAgents('wrong params', send(agent, { message: { parts: i } }), who)
      case 10:
        return callAgents('unknown agent', send(`nobody-${i}`), who)
      case 11:
        return callAgents('one hot caller', send(agent), caller(callers))
      case 12: {
        const token = tokens[fresh++ % tokens.length] as string
        return callAgents(
          'card',
          incoming('GET', `/agents/${agent}/.well-known/agent-card.json`, undefined, { token }),
          who,
        )
      }
      case 13: {
        const token = tokens[fresh++ % tokens.length] as string
        counted(
          'authorizer',
          (await authorize(token, `/agents/${agent}/message:send`)).principalId ? 200 : 401,
        )
        return
      }
      case 14:
        return callDiscovery(
          'GET /agents',
          incoming('GET', '/agents', undefined, { query: { limit: String(1 + (i % 50)) } }),
          who,
        )
      case 15:
        return callDiscovery(
          '/search',
          incoming('POST', '/search', JSON.stringify({ query: `weather ${i} in city ${i % 977}` })),
          who,
        )
      case 16:
        return callAgents(
          '/route',
          incoming('POST', '/route', jsonRpc(message(`ok ${agent} please ${i}`))),
          who,
        )
      case 17:
        return callAgents('JSON-RPC', incoming('POST', `/agents/${agent}`, jsonRpc(message())), who)
      case 18:
        return callAgents(
          'GetTask malformed',
          incoming('GET', `/agents/${agent}/tasks/${'x'.repeat(1 + (i % 300))}`),
          who,
        )
      default:
        return callAgents(
          'A2A-Version 9.9',
          incoming('POST', `/agents/${agent}/message:send`, JSON.stringify(message()), {
            version: '9.9',
          }),
          who,
        )
    }
  }
  /** One caller's calls to one agent, under a limit they never reach. */
  const unlimited = { ...granted, limits: JSON.stringify({ 'ok-0': 1_000_000_000 }) }
  const same = () => callAgents('identical', send('ok-0'), unlimited)

  const settled = async () => {
    // Idle keep-alive sockets close after 4 s; a collection then, and a few more for what they freed.
    await new Promise((resolve) => setTimeout(resolve, 5000))
    for (let k = 0; k < 4; k++) {
      collectGarbage()
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const databaseRss = async () => {
    backend.send('rss')
    const [reply] = (await once(backend, 'message')) as [{ rss: number }]
    return reply.rss
  }
  const mb = (bytes: number) => (bytes / 1048576).toFixed(1)
  const figures: Record<string, number> = {}
  let next = 0
  for (const [mode, call] of [
    ['varied', varied],
    ['identical', same],
  ] as const) {
    print(`\n${mode} calls, ${rounds} rounds of ${callsPerRound}, ${concurrency} at once`)
    print('| after calls | heap MB | external MB | open fds | handles | database process RSS MB |')
    print('| --- | --- | --- | --- | --- | --- |')
    const heaps: number[] = []
    for (let round = 0; round <= rounds; round++) {
      if (round > 0) {
        let left = callsPerRound
        const worker = async () => {
          while (left-- > 0) await call(next++)
        }
        await Promise.all(Array.from({ length: concurrency }, worker))
      }
      await settled()
      const { heapUsed, external } = process.memoryUsage()
      heaps.push(heapUsed)
      const handles = process.getActiveResourcesInfo().length
      print(
        `| ${round * callsPerRound} | ${mb(heapUsed)} | ${mb(external)} | ${readdirSync('/proc/self/fd').length} | ${handles} | ${mb(await databaseRss())} |`,
      )
      const prefix = process.env.BENCH_SOAK_SNAPSHOT
      if (prefix && mode === 'varied' && (round === 1 || round === rounds)) {
        print(`snapshot ${writeHeapSnapshot(`${prefix}-${round}.heapsnapshot`)}`)
      }
    }
    if (rounds < 2) {
      print(`${mode}: a growth per call needs two rounds or more`)
      continue
    }
    const growth =
      ((heaps[rounds] as number) - (heaps[1] as number)) /
      1024 /
      (((rounds - 1) * callsPerRound) / 1000)
    print(
      `${mode}: heap ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} KiB per 1,000 calls after the first round`,
    )
    figures[`${mode}KibPer1000Calls`] = growth
  }
  print(
    `\n${[...statuses]
      .sort()
      .map(([key, count]) => `${key}: ${count}`)
      .join(', ')}`,
  )
  await recordFigures('soak', figures)
}

/** Each invocation's own X-Ray trace header, as the Lambda runtime sets it. */
const newInvocation = () => {
  if (!asOnLambda) return
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`
  process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=1`
}

/** Lambda's settings, X-Ray's segments sent here: how many came, to show tracing was on. */
const asLambda = async () => {
  const daemon = createSocket('udp4')
  let segments = 0
  daemon.on('message', () => segments++)
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve))
  daemon.unref()
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: 'switchboard-agents',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    METRICS_SINK: 'emf',
    POWERTOOLS_METRICS_DISABLED: 'false',
  })
  newInvocation()
  return () => segments
}

if (process.argv[2] === 'backend') {
  await serveBackend()
} else {
  const backend = fork(import.meta.filename, ['backend'], { stdio: 'inherit' })
  const [ready] = (await once(backend, 'message')) as [Ready]
  // The handlers read their configuration when imported, as on Lambda: the local stack's, and a
  // limit of 30 calls a minute, which the one hot caller passes and the 5,000 others do not.
  Object.assign(process.env, ready.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    RATE_LIMIT_PER_MINUTE: '30',
  })
  const segmentsSent = asOnLambda ? await asLambda() : undefined
  try {
    await measure(backend, ready)
    if (segmentsSent) print(`X-Ray segment documents sent: ${segmentsSent()}`)
  } finally {
    backend.send('stop')
    await once(backend, 'exit')
  }
  // The handlers' clients keep sockets open.
  process.exit(0)
}
