import { createServer, type IncomingMessage, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { preludeDelimiter } from '../../../local/awslambda-shim.ts'
import { responseStreamTo } from '../../../local/response-stream.ts'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

/**
 * A server whose one request is answered by `answer` through responseStreamTo;
 * counts the writes that reach the socket (one per `_write` or `_writev`, what
 * a corked socket sends at once).
 */
const serve = async (answer: (stream: Writable) => void) => {
  let socketWrites = 0
  server = createServer((_request, response) => {
    const socket = response.socket as unknown as Record<
      '_write' | '_writev',
      (...args: unknown[]) => unknown
    >
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method].bind(socket)
      socket[method] = (...args: unknown[]) => {
        socketWrites++
        return original(...args)
      }
    }
    answer(responseStreamTo(response))
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const response = await new Promise<IncomingMessage>((resolve, reject) =>
    request({ port, host: '127.0.0.1', method: 'GET', path: '/' }, resolve)
      .on('error', reject)
      .end(),
  )
  return { response, socketWrites: () => socketWrites }
}

const readAll = async (response: IncomingMessage) => {
  const chunks: Buffer[] = []
  for await (const chunk of response) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const prelude = (headers: Record<string, string>) =>
  Buffer.concat([Buffer.from(JSON.stringify({ statusCode: 200, headers })), preludeDelimiter])

describe('the local response stream (responseStreamTo)', () => {
  it('sends a whole answer written at once in one write to the socket: headers, body and end', async () => {
    // Prepare
    const answer = (stream: Writable) => {
      stream.write(prelude({ 'content-type': 'application/json' }))
      stream.end('{"task":{}}')
    }

    // Act
    const { response, socketWrites } = await serve(answer)
    const body = await readAll(response)

    // Assess
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json')
    expect(body).toBe('{"task":{}}')
    expect(socketWrites()).toBe(1)
  })

  it("sends a stream's headers with a first event ready later in the same turn, Middy's empty write behind the prelude (its eager flush) notwithstanding", async () => {
    // Prepare: as executionModeStreamifyResponse opens a stream, then the first event,
    // a few promise steps later (as the relay and the task owner's record hand it on)
    const answer = (stream: Writable) => {
      stream.write(prelude({ 'content-type': 'text/event-stream' }))
      stream.write('')
      queueMicrotask(() => stream.end('data: {}\n\n'))
    }

    // Act
    const { response, socketWrites } = await serve(answer)
    const body = await readAll(response)

    // Assess
    expect(body).toBe('data: {}\n\n')
    expect(socketWrites()).toBe(1)
  })

  it("sends a stream's headers on their own while its first event is not there yet", async () => {
    // Prepare: the first event is written only once the caller has the headers
    let stream: Writable | undefined
    const answer = (opened: Writable) => {
      stream = opened
      opened.write(prelude({ 'content-type': 'text/event-stream' }))
    }

    // Act
    const { response } = await serve(answer)
    stream?.end('data: {}\n\n')
    const body = await readAll(response)

    // Assess
    expect(response.headers['content-type']).toBe('text/event-stream')
    expect(body).toBe('data: {}\n\n')
  })

  it('ends the handler’s stream at once when the caller left before it was made', async () => {
    // Prepare: the caller's connection is gone by the time the handler is invoked.
    const made = new Promise<Writable>((resolve) => {
      server = createServer((_request, response) => {
        response.destroy()
        resolve(responseStreamTo(response))
      })
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const { port } = (server as unknown as Server).address() as AddressInfo
    request({ port, host: '127.0.0.1', method: 'GET', path: '/' })
      .on('error', () => undefined)
      .end()

    // Act
    const stream = await made
    await new Promise((resolve) => setImmediate(resolve))

    // Assess: a runtime piping into it is told at once, and so lets go of the body.
    expect(stream.destroyed).toBe(true)
  })
})
