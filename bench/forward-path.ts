/**
 * What the forward path alone costs per call: `forwardReported` (the A2A call
 * parsed as the handler parses it, the guarded fetch, the relay) against the
 * fast agent in a child process, the answer drained into a sink, calls one
 * after another, CPU time (`process.cpuUsage`) around each. No middy, no
 * DynamoDB, no logging: what lib/backend and lib/agents cost, measured apart
 * from everything else the handler does (`npm run bench:handler` measures all
 * of it). Run with `node bench/forward-path.ts`; given the root of another
 * checkout (`git worktree add /tmp/before <commit>`, its node_modules linked),
 * it measures that one's forward path in turn, in the same run, after this one.
 */

import { fork } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { percentile } from './figures.ts'

const calls = Number(process.env.BENCH_REQUESTS ?? 2000)
const warmUp = 300
const here = resolve(fileURLToPath(import.meta.url), '../..')

/** The child's part: the fast agent, its backend URL sent back. */
const serveAgent = async () => {
  const { startFastAgent } = await import('./fast-agent.ts')
  const agent = await startFastAgent()
  process.send?.(agent.backendUrl)
  process.on('message', async () => {
    await agent.stop()
    process.exit(0)
  })
}

const message = JSON.stringify({
  message: {
    messageId: 'm-1',
    role: 'ROLE_USER',
    parts: [{ text: 'How warm is Tokyo in March?' }],
  },
})

/** CPU µs per call, p50 and mean, for each kind, through the forward path of the checkout at `root`. */
const measure = async (root: string, backendUrl: string) => {
  const load = (path: string) => import(resolve(root, path))
  const [{ forwardReported }, { guardedFetch }, { parseCidrs }, credentialsModule, tracingModule] =
    await Promise.all([
      load('lib/agents/forward.ts'),
      load('lib/backend/guarded-fetch.ts'),
      load('lib/registry/backend-address.ts'),
      load('lib/backend/credentials.ts'),
      load('lib/observability/tracing.ts'),
    ])
  const { parseA2ARequest } = await load('lib/a2a/request.ts')
  const fetch = guardedFetch({ allowed: parseCidrs(['127.0.0.0/8']) })
  const credentials = credentialsModule.backendCredentials({
    secrets: { read: async () => '' },
    fetch,
  })
  const record = {
    agentId: 'fast',
    protocolVersion: '1.0',
    endpoints: { 'HTTP+JSON': backendUrl },
    auth: { type: 'none' },
    status: 'active',
  }
  const headers = { 'content-type': 'application/json', 'a2a-version': '1.0' }
  const options = {
    credentials,
    fetch,
    caller: 'bench-client',
    gateway: { agentUrl: 'http://gateway.test/agents/fast', tokenUrl: 'http://gateway.test/token' },
    signCard: async (card: unknown) => card,
    defaultTimeoutMs: 5_000,
    streamKeepAliveMs: 15_000,
    streamIdleTimeoutMs: 60_000,
    maxStreamEventBytes: 1024 * 1024,
  }
  const one = async (subPath: string) => {
    const parsed = parseA2ARequest({
      agentId: 'fast',
      method: 'POST',
      subPath,
      body: message,
      headers,
    })
    if (parsed.kind !== 'call') throw new Error(`not a call: ${JSON.stringify(parsed)}`)
    const answer = await forwardReported(
      record,
      parsed.call,
      { method: 'POST', headers, body: message },
      options,
      { context: tracingModule.requestTraceContext({}, undefined), tracing: tracingModule.tracing },
      () => undefined,
    )
    await pipeline(answer.body, new Writable({ write: (_chunk, _encoding, done) => done() }))
  }
  const figures: Record<string, { p50: number; mean: number }> = {}
  for (const [kind, subPath] of [
    ['unary SendMessage', '/message:send'],
    ['streaming SendStreamingMessage', '/message:stream'],
  ] as const) {
    for (let i = 0; i < warmUp; i++) await one(subPath)
    const cpu: number[] = []
    for (let i = 0; i < calls; i++) {
      const before = process.cpuUsage()
      await one(subPath)
      const used = process.cpuUsage(before)
      cpu.push(used.user + used.system)
    }
    cpu.sort((a, b) => a - b)
    figures[kind] = {
      p50: percentile(cpu, 50),
      mean: Math.round(cpu.reduce((total, each) => total + each, 0) / cpu.length),
    }
  }
  return figures
}

if (process.argv[2] === '--agent') {
  await serveAgent()
} else {
  const child = fork(fileURLToPath(import.meta.url), ['--agent'])
  const [backendUrl] = (await once(child, 'message')) as [string]
  const roots = [here, ...(process.argv[2] ? [resolve(process.argv[2])] : [])]
  console.log(
    `\nForward path alone, ${calls} calls one after another (fast agent in another process)`,
  )
  console.log('| checkout | call | CPU µs p50 | CPU µs mean |')
  console.log('| --- | --- | --- | --- |')
  for (const root of roots) {
    for (const [kind, { p50, mean }] of Object.entries(await measure(root, backendUrl))) {
      console.log(`| ${root} | ${kind} | ${p50} | ${mean} |`)
    }
  }
  child.send('stop')
}
