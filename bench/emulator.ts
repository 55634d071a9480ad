/**
 * What the local API Gateway emulator costs per request, apart from the
 * handlers: `createGateway` (front door, route table, cached authorizer answer
 * judged against the route, proxy event, Lambda context, response stream) with
 * a streaming agents handler that answers at once, beside a bare Node server
 * answering the same bytes, so the difference is the emulator's own work.
 * The callers run in a forked child, one keep-alive connection, requests one
 * after another; this thread's CPU (`process.threadCpuUsage`, user and system
 * apart) per request, three rounds each, taken turn about. Run with
 * `node bench/emulator.ts`; given the root of another checkout (its
 * node_modules linked), it measures that one's emulator in turn, in the same run.
 */

import { fork } from 'node:child_process'
import { once } from 'node:events'
import { Agent, createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'

const requests = Number(process.env.BENCH_REQUESTS ?? 5000)
const rounds = 3
const here = resolve(fileURLToPath(import.meta.url), '../..')
const answer = '{"task":{"id":"t-1","status":{"state":"TASK_STATE_COMPLETED"}}}'
const body = JSON.stringify({
  message: {
    messageId: 'm-1',
    role: 'ROLE_USER',
    parts: [{ text: 'How warm is Tokyo in March?' }],
  },
})

/** The child's part: `n` requests one after another on one keep-alive connection, per message. */
const serveCallers = () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const once = (port: number) =>
    new Promise<void>((done, fail) => {
      request(
        {
          host: '127.0.0.1',
          port,
          path: '/agents/weather/message:send',
          method: 'POST',
          agent,
          headers: {
            authorization: 'Bearer token',
            'content-type': 'application/json',
            'a2a-version': '1.0',
          },
        },
        (response) => response.resume().on('end', done),
      )
        .on('error', fail)
        .end(body)
    })
  process.on('message', async ({ port, n }: { port: number; n: number }) => {
    for (let i = 0; i < n; i++) await once(port)
    process.send?.('done')
  })
}

/** The emulator of the checkout at `root`, its handlers stubs: no middy, no database, no agent. */
const emulatorOf = async (root: string): Promise<Server> => {
  const { preludeDelimiter } = await import(`${root}/local/awslambda-shim.ts`)
  const { createGateway } = await import(`${root}/local/gateway.ts`)
  const { buildPolicy } = await import(`${root}/lib/auth/policy.ts`)
  const authorizer = async (event: { methodArn: string }) =>
    buildPolicy({
      methodArn: event.methodArn,
      principalId: 'client-1',
      grants: { weather: '*', calculator: '*' },
      isAdmin: false,
      context: { principal: 'client-1', admin: 'false' },
    }).result
  // A streaming handler as the runtime's `streamifyResponse` marks one, writing its prelude as
  // `HttpResponseStream.from` does.
  const agents = Object.assign(
    async (_event: unknown, stream: Writable) => {
      stream.write(
        JSON.stringify({ statusCode: 200, headers: { 'content-type': 'application/json' } }),
      )
      stream.write(preludeDelimiter)
      stream.end(answer)
    },
    { [Symbol.for('aws.lambda.runtime.handler.streaming')]: true },
  )
  const plain = async () => ({ statusCode: 200, body: answer })
  const handle = createGateway({
    handlers: { authorizer, agents, discovery: plain, admin: plain, console: plain },
    identity: {},
    publicUrl: 'http://gateway.test',
    authorizerCacheTtlSeconds: 300,
  })
  return createServer(handle)
}

/** A bare Node server answering what the emulator answers: Node's own HTTP, nothing else. */
const bare = () =>
  createServer((incoming, response) => {
    incoming.resume().on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(answer)
    })
  })

const main = async () => {
  const callers = fork(import.meta.filename, ['callers'])
  const servers: [string, Server][] = [
    ['bare Node server', bare()],
    [`emulator (${here})`, await emulatorOf(here)],
  ]
  const other = process.argv[2]
  if (other) servers.push([`emulator (${other})`, await emulatorOf(resolve(other))])
  const ports = await Promise.all(
    servers.map(async ([, server]) => {
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      return (server.address() as AddressInfo).port
    }),
  )
  const run = async (port: number, n: number) => {
    callers.send({ port, n })
    await once(callers, 'message')
  }
  for (const port of ports) await run(port, 1000)
  const figures = servers.map(() => ({ user: [] as number[], system: [] as number[] }))
  for (let round = 0; round < rounds; round++) {
    for (const [i, port] of ports.entries()) {
      const before = process.threadCpuUsage()
      await run(port, requests)
      const { user, system } = process.threadCpuUsage(before)
      figures[i]?.user.push(user / requests)
      figures[i]?.system.push(system / requests)
    }
  }
  console.log(
    `\nThe local emulator's main thread, CPU µs per request (${requests} requests one after another, ${rounds} rounds taken turn about)`,
  )
  console.log('| server | user µs per round | system µs per round |')
  console.log('| --- | --- | --- |')
  for (const [i, [name]] of servers.entries()) {
    const { user, system } = figures[i] as { user: number[]; system: number[] }
    const list = (values: number[]) => values.map((value) => value.toFixed(1)).join(' / ')
    console.log(`| ${name} | ${list(user)} | ${list(system)} |`)
  }
  callers.kill()
  for (const [, server] of servers) server.close()
}

if (process.argv[2] === 'callers') serveCallers()
else await main()
