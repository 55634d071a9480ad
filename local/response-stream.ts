import type { ServerResponse } from 'node:http'
import { Writable } from 'node:stream'
import { integrationResponseHeaders } from './api-gateway-events.ts'
import { preludeDelimiter } from './awslambda-shim.ts'

interface Prelude {
  statusCode?: number
  headers?: Record<string, string>
  cookies?: string[]
}

/**
 * The response stream a streaming handler writes to, as API Gateway reads it:
 * the prelude sets status and headers, then every chunk goes to the socket the
 * moment it is written. The headers go with the first chunk written in the
 * same turn of the event loop (a unary answer: one write to the socket), or on
 * their own at the end of that turn (a stream whose first event is not there
 * yet), so a first event ready now, and the work it waits for (its task
 * owner's write), never waits behind them.
 */
export const responseStreamTo = (response: ServerResponse): Writable => {
  let pending: Buffer | undefined = Buffer.alloc(0)
  /** Something went to the response after the prelude: the headers went with it. */
  let written = false

  const start = (prelude: Prelude) => {
    const headers: Record<string, string | string[]> = integrationResponseHeaders(prelude.headers)
    if (prelude.cookies?.length) headers['set-cookie'] = prelude.cookies
    response.writeHead(prelude.statusCode ?? 200, headers)
    setImmediate(() => {
      if (!written && !response.destroyed) response.flushHeaders()
    })
  }

  /**
   * A chunk to the socket; the handler writes its next one at once unless the
   * socket is full (then on `drain`), not a turn of the event loop later, when
   * this one has been handed to the kernel.
   */
  const send = (chunk: Buffer, callback: () => void) => {
    // Middy's empty write after the prelude (its eager flush) sends nothing: the headers go as above.
    if (chunk.length === 0) return callback()
    written = true
    if (response.write(chunk)) callback()
    else response.once('drain', callback)
  }

  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (pending === undefined) return send(chunk, callback)
      pending = Buffer.concat([pending, chunk])
      const at = pending.indexOf(preludeDelimiter)
      if (at === -1) return callback()
      start(JSON.parse(pending.subarray(0, at).toString('utf8')) as Prelude)
      const rest = pending.subarray(at + preludeDelimiter.length)
      pending = undefined
      if (rest.length > 0) send(rest, callback)
      else callback()
    },
    final(callback) {
      written = true
      // A handler that wrote no prelude answered 200 with what it wrote.
      if (pending !== undefined) {
        response.writeHead(200, { 'content-type': 'application/octet-stream' })
        response.write(pending)
      }
      response.end(() => callback())
    },
  })
  // A caller who leaves fails the handler's writes; if the handler is still waiting (on its
  // backend) and writes nothing yet, that error has no listener and would end the process.
  stream.on('error', () => undefined)
  const leave = () => {
    if (!response.writableFinished) stream.destroy(new Error('client disconnected'))
  }
  // A caller that left before the handler was invoked closed the response already.
  if (response.destroyed) queueMicrotask(leave)
  else response.on('close', leave)
  return stream
}
