import type { ServerResponse } from 'node:http'
import { Writable } from 'node:stream'
import { preludeDelimiter } from './awslambda-shim.ts'

interface Prelude {
  statusCode?: number
  headers?: Record<string, string>
  cookies?: string[]
}

/**
 * The response stream a streaming handler writes to, as API Gateway reads it:
 * the prelude sets status and headers, then every chunk goes to the socket the
 * moment it is written.
 */
export const responseStreamTo = (response: ServerResponse): Writable => {
  let pending: Buffer | undefined = Buffer.alloc(0)

  const start = (prelude: Prelude) => {
    const headers: Record<string, string | string[]> = { ...prelude.headers }
    if (prelude.cookies?.length) headers['set-cookie'] = prelude.cookies
    response.writeHead(prelude.statusCode ?? 200, headers)
    response.flushHeaders()
  }

  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (pending === undefined) {
        response.write(chunk, () => callback())
        return
      }
      pending = Buffer.concat([pending, chunk])
      const at = pending.indexOf(preludeDelimiter)
      if (at === -1) return callback()
      start(JSON.parse(pending.subarray(0, at).toString('utf8')) as Prelude)
      const rest = pending.subarray(at + preludeDelimiter.length)
      pending = undefined
      if (rest.length > 0) response.write(rest, () => callback())
      else callback()
    },
    final(callback) {
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
  response.on('close', () => {
    if (!response.writableFinished) stream.destroy(new Error('client disconnected'))
  })
  return stream
}
