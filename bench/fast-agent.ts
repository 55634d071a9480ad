import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A benchmark agent's server listening on loopback: its URLs (HTTP+JSON at /rest) and its stop. */
export const listening = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    backendUrl: `${url}/rest`,
    cardUrl: `${url}/.well-known/agent-card.json`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * A trivially fast A2A agent (1.0, HTTP+JSON at /rest): SendMessage answers a
 * completed task at once, SendStreamingMessage streams that task and one final
 * status update, GetTask answers the task asked for. What the benchmarks put
 * behind the gateway, so that what they measure is the gateway.
 */
export const startFastAgent = async () => {
  const taskOf = (id: string) => ({
    id,
    contextId: 'bench',
    status: { state: 'TASK_STATE_COMPLETED' },
  })
  const server = createServer((request, response) => {
    const path = request.url ?? '/'
    request.resume()
    request.on('end', () => {
      if (path === '/.well-known/agent-card.json') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(card))
        return
      }
      if (path.endsWith('/message:send')) {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ task: taskOf(randomUUID()) }))
        return
      }
      if (path.endsWith('/message:stream')) {
        const task = taskOf(randomUUID())
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write(
          `data: ${JSON.stringify({ task: { ...task, status: { state: 'TASK_STATE_WORKING' } } })}\n\n`,
        )
        const final = { taskId: task.id, contextId: task.contextId, status: task.status }
        response.end(`data: ${JSON.stringify({ statusUpdate: final })}\n\n`)
        return
      }
      const task = /\/tasks\/([^/:?]+)$/.exec(path)
      if (request.method === 'GET' && task) {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(taskOf(decodeURIComponent(task[1] as string))))
        return
      }
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end('{}')
    })
  })
  const agent = await listening(server)
  const { url } = agent
  const card = {
    name: 'Fast',
    description: 'Answers at once.',
    version: '1.0.0',
    supportedInterfaces: [
      { url: `${url}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'answer', name: 'Answer', description: 'Answers at once', tags: [] }],
  }
  return agent
}
