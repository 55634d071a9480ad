import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { asyncListener } from './async-listener.ts'

/**
 * A backend whose answers a test writes: it serves a card (1.0 unless `protocolVersion` says
 * 0.3) declaring the bindings asked for (JSON-RPC at /rpc, HTTP+JSON at /rest) and hands every
 * other request to `answer`. It counts the connections it accepts.
 */
export const startScriptedAgent = async (options: {
  bindings?: ('JSONRPC' | 'HTTP+JSON')[]
  protocolVersion?: '1.0' | '0.3'
  answer: (request: IncomingMessage, body: string, response: ServerResponse) => void | Promise<void>
}) => {
  const bindings = options.bindings ?? ['JSONRPC', 'HTTP+JSON']
  const cardOf = options.protocolVersion === '0.3' ? legacyCard : card
  const server = createServer(
    asyncListener(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      if (request.url === '/.well-known/agent-card.json') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(cardOf(url, bindings)))
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

/** A 0.3 card: its first binding at `url`, any other among its additional interfaces. */
const legacyCard = (url: string, bindings: string[]) => {
  const interfaces = bindings.map((binding) => ({
    url: `${url}/${binding === 'JSONRPC' ? 'rpc' : 'rest'}`,
    transport: binding,
  }))
  return {
    name: 'Scripted',
    description: 'Answers as the test says.',
    version: '1.0.0',
    protocolVersion: '0.3.0',
    url: interfaces[0]?.url,
    preferredTransport: interfaces[0]?.transport,
    additionalInterfaces: interfaces,
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'echo', name: 'Echo', description: 'Echoes', tags: [] }],
  }
}
