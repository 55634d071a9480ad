import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { asyncListener } from './async-listener.ts'

/**
 * A backend whose answers a test writes: it serves a 1.0 card declaring the
 * bindings asked for (JSON-RPC at /rpc, HTTP+JSON at /rest) and hands every other
 * request to `answer`. It counts the connections it accepts.
 */
export const startScriptedAgent = async (options: {
  bindings?: ('JSONRPC' | 'HTTP+JSON')[]
  answer: (request: IncomingMessage, body: string, response: ServerResponse) => void | Promise<void>
}) => {
  const bindings = options.bindings ?? ['JSONRPC', 'HTTP+JSON']
  const server = createServer(
    asyncListener(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      if (request.url === '/.well-known/agent-card.json') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(card(url, bindings)))
        return
      }
      await options.answer(request, body, response)
    }),
  )
  let connections = 0
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    cardUrl: `${url}/.well-known/agent-card.json`,
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const card = (url: string, bindings: string[]) => ({
  name: 'Scripted',
  description: 'Answers as the test says.',
  version: '1.0.0',
  supportedInterfaces: bindings.map((binding) => ({
    url: `${url}/${binding === 'JSONRPC' ? 'rpc' : 'rest'}`,
    protocolBinding: binding,
    protocolVersion: '1.0',
  })),
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'echo', name: 'Echo', description: 'Echoes', tags: [] }],
})
