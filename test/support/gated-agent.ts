import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { asyncListener } from './async-listener.ts'

/**
 * A backend whose stream moves only when the test says so: it writes one SSE
 * event, then waits for `release()` before the next. A gateway that buffered
 * would deadlock against it, so a test that completes proves events pass
 * through one by one. With `holdHeaders`, it waits for a `release()` before it
 * answers at all.
 */
export const startGatedAgent = async (events = 3, { holdHeaders = false } = {}) => {
  const gates: (() => void)[] = []
  let seenHeaders: IncomingHttpHeaders = {}
  let aborted = false
  const waitForRelease = () => new Promise<void>((resolve) => gates.push(resolve))

  const server = createServer(
    asyncListener(async (request, response) => {
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(card(url)))
        return
      }
      seenHeaders = request.headers
      for await (const _ of request) {
        // drain the body
      }
      response.on('close', () => {
        if (!response.writableFinished) aborted = true
      })
      if (holdHeaders) await waitForRelease()
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      response.flushHeaders()
      for (let index = 0; index < events; index++) {
        if (index > 0) await waitForRelease()
        if (response.destroyed) return
        const state = index === events - 1 ? 'TASK_STATE_COMPLETED' : 'TASK_STATE_WORKING'
        response.write(
          `data: ${JSON.stringify({
            statusUpdate: {
              taskId: 't-1',
              contextId: 'c-1',
              status: { state, message: agentText(`step ${index}`) },
            },
          })}\n\n`,
        )
      }
      response.end()
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    cardUrl: `${url}/.well-known/agent-card.json`,
    release: () => gates.shift()?.(),
    headers: () => seenHeaders,
    aborted: () => aborted,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const open of gates.splice(0)) open()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const agentText = (text: string) => ({
  messageId: crypto.randomUUID(),
  role: 'ROLE_AGENT',
  parts: [{ text }],
})

const card = (url: string) => ({
  name: 'Gated',
  description: 'Streams one event each time the test lets it.',
  version: '1.0.0',
  supportedInterfaces: [
    { url: `${url}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
  ],
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'gate', name: 'Gate', description: 'Waits between events', tags: [] }],
})
