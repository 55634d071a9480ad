import { createServer } from 'node:http'
import { createServer as createHttp2Server, type Http2Session } from 'node:http2'
import type { AddressInfo } from 'node:net'

/**
 * An AWS service stand-in that takes every request and never answers it: what a service that
 * stopped responding looks like to a client. It counts the requests (attempts) it was sent, and
 * the HTTP/2 sessions they came on. `http2`: over cleartext HTTP/2, as the SDK's HTTP/2 clients
 * (Bedrock Runtime's) speak.
 *
 * @example
 * const silent = await startSilentService()
 * // … a client with its endpoint at silent.url …
 * expect(silent.requests()).toBe(3)
 * await silent.stop()
 */
export const startSilentService = async ({ http2 = false } = {}) => {
  let requests = 0
  // Read each body, so the client has sent it all and waits only for an answer.
  const take = (request: { resume(): unknown }) => {
    requests++
    request.resume()
  }
  const sessions = new Set<Http2Session>()
  let sessionsOpened = 0
  const server = http2 ? createHttp2Server(take) : createServer(take)
  server.on('session', (session: Http2Session) => {
    sessions.add(session)
    sessionsOpened++
    session.once('close', () => sessions.delete(session))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    sessions: () => sessionsOpened,
    stop: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections()
        for (const session of sessions) session.destroy()
        server.close(() => resolve())
      }),
  }
}
