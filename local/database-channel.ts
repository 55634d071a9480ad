/**
 * A message channel between the lean DynamoDB path (lib/dynamo-lean.ts) and the
 * local database's thread (local/database-worker.ts), in place of HTTP for the
 * handlers the local stack runs beside its database (docs/architecture.md,
 * "Local database channel"). Each signed request crosses a `MessagePort` as
 * strings. The database's thread hands one the lean path signed straight to
 * dynalite's validations and action (local/dynalite-direct.ts), and any other to
 * dynalite's own request handler (the HTTP server's `request` listeners, so its
 * request count too) with a minimal request and response: either way,
 * validation, errors, headers and the count are dynalite's as over HTTP. Node's
 * HTTP client and server, about 200 µs of CPU a request between them, are what
 * is left out, and for a signed request dynalite's HTTP checks too.
 */
import { EventEmitter } from 'node:events'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { MessagePort, Worker } from 'node:worker_threads'
import { type LeanAnswer, type LeanTransport, timeoutError } from '../lib/lean-transport.ts'
import type { DirectDynalite } from './dynalite-direct.ts'

/** A request as it crosses: its id, the URL's path, the signed headers and the body. */
interface ChannelRequest {
  id: number
  path: string
  headers: Record<string, string>
  body: string
}

/**
 * The local database's thread has stopped (or died): it answered a request it was given, and
 * answers no more. Not retried by the lean path (a client error to the retry strategy): the
 * channel does not come back, so another attempt would fail the same way.
 */
export class LocalDatabaseStoppedError extends Error {
  /** The request it was waiting on (`DynamoDB_20120810.UpdateItem`), or none for a later one. */
  readonly target: string | undefined

  constructor(target?: string) {
    super(
      target === undefined
        ? 'The local database has stopped: it answers no more requests'
        : `The local database stopped before answering ${target}`,
    )
    this.name = 'LocalDatabaseStoppedError'
    this.target = target
  }
}

/** An answer as it crosses back: the request's id, then what dynalite wrote. */
interface ChannelAnswer {
  id: number
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * The response dynalite writes to (`statusCode`, `setHeader`, `end`; it also sets
 * `contentType` on it), with the `date` header Node's HTTP server adds, which the
 * lean path reads for its clock offset.
 */
class ChannelResponse {
  statusCode = 200
  readonly #headers: IncomingHttpHeaders = { date: new Date().toUTCString() }
  readonly #port: MessagePort
  readonly #id: number

  constructor(port: MessagePort, id: number) {
    this.#port = port
    this.#id = id
  }

  setHeader(name: string, value: string | number) {
    this.#headers[name.toLowerCase()] = String(value)
  }

  end(body?: string | Buffer) {
    const answer: ChannelAnswer = {
      id: this.#id,
      status: this.statusCode,
      headers: this.#headers,
      body: body === undefined ? '' : body.toString(),
    }
    this.#port.postMessage(answer)
  }
}

/**
 * The database's side (its thread): answers each request arriving on `port`,
 * handing it to `direct` (dynalite's validations and action, for a request it
 * takes: local/dynalite-direct.ts), or else emitting it to `server`'s `request`
 * listeners (dynalite's handler, and the count kept beside it) as a minimal
 * request (`headers`, `method`, `url`, the body as one `data` chunk, then
 * `end`). Either way the answer carries the `date` Node's server would add. A
 * listener that throws is not caught: the thread dies as it would over HTTP,
 * and the other side fails what it waits for. Once the server closes, so does
 * the channel.
 */
export const serveDatabaseChannel = (
  port: MessagePort,
  server: Server,
  direct?: DirectDynalite,
): void => {
  port.on('message', ({ id, path, headers, body }: ChannelRequest) => {
    const taken = direct?.({ headers, body }, (answer) => {
      port.postMessage({
        id,
        status: answer.status,
        headers: { ...answer.headers, date: new Date().toUTCString() },
        body: answer.body,
      } satisfies ChannelAnswer)
    })
    if (taken) return
    const request = Object.assign(new EventEmitter(), { method: 'POST', url: path, headers })
    server.emit('request', request, new ChannelResponse(port, id))
    request.emit('data', Buffer.from(body, 'utf8'))
    request.emit('end')
  })
  // The thread's life is the server's and its control port's; this port does not hold it.
  port.unref()
  server.once('close', () => port.close())
}

/**
 * The gateway's side: a `LeanTransport` that sends each request on `port` to
 * the database's thread (`worker`) and resolves with its answer, matched by id.
 * A request with no answer within its `timeoutMs` fails with the `TimeoutError`
 * the HTTP transport gives a silent socket (so it is retried alike), and its
 * late answer is dropped. When the thread exits or closes the channel, every
 * request still waiting fails with a `LocalDatabaseStoppedError`, and every
 * later one at once: none hangs.
 *
 * @example
 * const transport = databaseChannel(port1, worker)
 * useLeanTransport(endpoint, transport)
 */
export const databaseChannel = (port: MessagePort, worker: Worker): LeanTransport => {
  const waiting = new Map<
    number,
    {
      target: string
      timer: NodeJS.Timeout | undefined
      resolve: (answer: LeanAnswer) => void
      reject: (error: Error) => void
    }
  >()
  let nextId = 0
  let stopped = false

  port.on('message', ({ id, status, headers, body }: ChannelAnswer) => {
    const request = waiting.get(id)
    if (!request) return
    waiting.delete(id)
    clearTimeout(request.timer)
    request.resolve({ status, headers, text: body })
  })
  // Its thread exited, or closed the channel (as it does when it stops): the channel closes first.
  const fail = () => {
    if (stopped) return
    stopped = true
    for (const request of waiting.values()) {
      clearTimeout(request.timer)
      request.reject(new LocalDatabaseStoppedError(request.target))
    }
    waiting.clear()
    port.close()
  }
  worker.once('exit', fail)
  port.once('close', fail)
  // The worker holds the process while it runs; the channel does not.
  port.unref()

  return ({ url, headers, body, timeoutMs }) => {
    if (stopped) return Promise.reject(new LocalDatabaseStoppedError())
    return new Promise<LeanAnswer>((resolve, reject) => {
      const id = nextId++
      // As for HTTP's socket timeout, 0 (or none that is finite) means no deadline.
      const timer =
        timeoutMs > 0 && Number.isFinite(timeoutMs)
          ? setTimeout(() => {
              waiting.delete(id)
              reject(timeoutError(timeoutMs))
            }, timeoutMs)
          : undefined
      waiting.set(id, { target: headers['x-amz-target'] ?? 'a request', timer, resolve, reject })
      const request: ChannelRequest = { id, path: url.pathname, headers, body }
      port.postMessage(request)
    })
  }
}
