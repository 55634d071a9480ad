import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { asyncListener } from './async-listener.ts'

/** A backend that serves whatever agent card a test sets, counting requests. */
export const startCardServer = async () => {
  let status = 200
  let body = '{}'
  let requests = 0
  let gate: Promise<void> | undefined
  let open = () => {}
  let waiting = 0
  let keys: string | undefined
  const server = createServer(
    asyncListener(async (request, response) => {
      if (keys !== undefined && request.url === '/jwks.json') {
        response.writeHead(200, { 'content-type': 'application/jwk-set+json' })
        return response.end(keys)
      }
      requests++
      if (gate) {
        waiting++
        await gate
        waiting--
      }
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(body)
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    cardUrl: `${url}/.well-known/agent-card.json`,
    serve(card: unknown, answerStatus = 200) {
      body = typeof card === 'string' ? card : JSON.stringify(card)
      status = answerStatus
    },
    /** Serves a JWK set at `jwksUrl` too (a signed card's `jku`). */
    serveKeys(jwks: unknown) {
      keys = JSON.stringify(jwks)
    },
    jwksUrl: `${url}/jwks.json`,
    requests: () => requests,
    /** Holds every answer until `release()`; `held()` says how many wait. */
    hold() {
      gate = new Promise<void>((resolve) => {
        open = resolve
      })
    },
    held: () => waiting,
    release() {
      gate = undefined
      open()
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export const validCard = (url: string) => ({
  name: 'Echo Agent',
  description: 'Repeats what it is told.',
  version: '1.0.0',
  supportedInterfaces: [
    { url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
  ],
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'echo', name: 'Echo', description: 'Echoes text', tags: ['echo'] }],
})

/** A loopback port nothing listens on (bound, then released). */
export const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * A loopback port free now that stays free while a test holds it across restarts: below
 * Linux's default ephemeral range (32768 and up), so no `listen(0)` of a test running beside it is
 * given it meanwhile, as a port `closedPort` found may be; none of `taken`.
 */
export const portKeptFree = async (...taken: number[]): Promise<number> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (taken.includes(port)) continue
    const server = createServer()
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (!bound) continue
    await new Promise<void>((resolve) => server.close(() => resolve()))
    return port
  }
  throw new Error('no free port below the ephemeral range after 100 tries')
}
