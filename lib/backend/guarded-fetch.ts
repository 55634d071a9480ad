import type { LookupAddress, LookupOptions } from 'node:dns'
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { Readable } from 'node:stream'
import {
  type BackendAddressPolicy,
  checkAddresses,
  ReservedAddressError,
  resolveAll,
} from '../registry/backend-address.ts'

/** The fetch the gateway calls backends with: agents, their token endpoints, their cards. */
export type BackendFetch = (url: string, init: RequestInit) => Promise<Response>

/**
 * An answer's head as Node's http reads it, and its body as a Node stream
 * (null when the status has none): what a fetch's `Response` is made of.
 */
export interface BackendAnswer {
  status: number
  statusText: string
  /** Lower-case names, as Node's http joins them. */
  headers: IncomingHttpHeaders
  body: Readable | null
}

/** The guarded fetch without the WHATWG wrapping: for a caller that goes on with Node streams. */
export type BackendExchange = (url: string, init: RequestInit) => Promise<BackendAnswer>

/**
 * A guarded fetch, and the same request answered in Node's own types (`exchange`),
 * which the forward path reads without converting a body to a web stream and back.
 */
export type GuardedFetch = BackendFetch & { exchange: BackendExchange }

/**
 * A fetch the gateway calls a backend with: the guarded one, whose `exchange` a caller prefers
 * (a `Response` is made by Node's fetch, undici, loaded whole at its first use), or any fetch.
 */
export type MaybeGuardedFetch = BackendFetch & { exchange?: BackendExchange }

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A `lookup` for `net.connect` that resolves the name once, refuses it if any
 * address is reserved and not allowed, and hands the socket exactly the
 * addresses it checked, so nothing resolves the name a second time.
 */
const guardedLookup =
  (policy: Pick<BackendAddressPolicy, 'allowed' | 'resolve'>) =>
  (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family
    const answer = (addresses: string[]) => {
      checkAddresses(hostname, addresses, policy.allowed)
      const wanted = addresses.filter((address) => !family || family === isIP(address))
      if (wanted.length === 0) {
        throw Object.assign(new Error(`${hostname} has no address to connect to`), {
          code: 'ENOTFOUND',
        })
      }
      return wanted
    }
    ;(policy.resolve ?? resolveAll)(hostname)
      .then(answer)
      .then(
        (addresses) =>
          options.all
            ? callback(
                null,
                addresses.map((address) => ({ address, family: isIP(address) })),
              )
            : callback(null, addresses[0] as string, isIP(addresses[0] as string)),
        (error: NodeJS.ErrnoException) => callback(error, []),
      )
  }

/** Bodies the gateway sends to backends; a stream is never one (requests are read whole first). */
const requestBytes = (body: RequestInit['body']): Buffer | undefined => {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(String(body))
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  throw new TypeError('guardedFetch sends a string, bytes or URLSearchParams body only')
}

const isPlainRecord = (value: object) => {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** What `Headers` strips from either end of a value. */
const httpWhitespace = /^[\t\n\r ]+|[\t\n\r ]+$/g

/**
 * The request's headers as Node's http takes them: names in lower case, a name
 * given twice joined with `, `, values trimmed, as `new Headers(init.headers)`
 * would make them; a plain object (what the gateway sends) without building one.
 */
const outgoingHeaders = (init: RequestInit, body: Buffer | undefined) => {
  const given = init.headers
  const headers: Record<string, string> = {}
  const add = (name: string, value: string) => {
    const lower = name.toLowerCase()
    const trimmed = String(value).replace(httpWhitespace, '')
    headers[lower] = lower in headers ? `${headers[lower]}, ${trimmed}` : trimmed
  }
  // A plain record is read without `Headers`: the global's first read loads undici, Node's
  // fetch, whole, which no call the gateway forwards needs (issue 20: the agents function's
  // first call after a cold start).
  if (given && isPlainRecord(given)) {
    for (const name in given) add(name, (given as Record<string, string>)[name] as string)
  } else if (given) {
    for (const [name, value] of new Headers(given)) headers[name] = value
  }
  if (init.body instanceof URLSearchParams && !('content-type' in headers)) {
    headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8'
  }
  if (body) headers['content-length'] = String(body.byteLength)
  return headers
}

const incomingHeaders = (incoming: IncomingHttpHeaders): Headers => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming)) {
    for (const one of Array.isArray(value) ? value : [value ?? '']) headers.append(name, one)
  }
  return headers
}

const bodyless = new Set([101, 204, 205, 304])

/** At most this many allowed IP literals are remembered (then forgotten at once, and checked anew). */
const maxAllowedLiterals = 1024

/** How long a pooled connection may sit idle (undici's keep-alive default). */
export const idleSocketMs = 4_000

/**
 * Every connection a guarded fetch opens is held to the backend address policy
 * on the address actually connected to: a name is resolved and checked in the
 * sockets' `lookup` (a name that passed registration and resolves to
 * 169.254.169.254 now is refused: DNS rebinding), an IP literal is checked as it
 * is (BACKEND_ALLOWED_CIDRS may have narrowed since registration). A refusal
 * fails the fetch with a ReservedAddressError as its `cause`, before any socket
 * is opened. Node's own `http`/`https` with keep-alive agents: the policy needs
 * nothing more than `lookup`, and they cost a bundle nothing.
 *
 * Like `fetch`, it resolves to a `Response` once the headers arrive, rejects with
 * the signal's reason when aborted (a timeout is a `TimeoutError`), and fails a
 * connection with a `TypeError` whose `cause` says why. Unlike `fetch`, it never
 * follows a redirect (the next address would be a new backend): `redirect:
 * 'manual'` hands the 3xx back, anything else refuses it. Its `exchange` sends
 * the same request under the same guard and answers in Node's own types (the
 * body is the `IncomingMessage`), for a caller that reads it as a Node stream.
 *
 * @example
 * const backendFetch = guardedFetch({ allowed: parseCidrs(config.backendAllowedCidrs) })
 * const response = await backendFetch(record.endpoints.JSONRPC, { method: 'POST', body, redirect: 'manual' })
 */
export const guardedFetch = (
  policy: Pick<BackendAddressPolicy, 'allowed' | 'resolve'>,
  pool: { idleSocketMs: number } = { idleSocketMs },
): GuardedFetch => {
  // An idle pooled socket is closed after idleSocketMs (Node's agent times out only
  // free sockets, never a request in flight): one kept longer may have been closed
  // by the backend, or gone stale while Lambda froze, and reusing it resets a POST.
  const options = { keepAlive: true, timeout: pool.idleSocketMs, lookup: guardedLookup(policy) }
  const agents = { 'http:': new HttpAgent(options), 'https:': new HttpsAgent(options) }
  /**
   * IP literals the policy allowed: it is fixed for this fetch's life (read from
   * configuration at start), so the same literal gets the same answer; a refused
   * one is checked, and refused, every time.
   */
  const allowedLiterals = new Set<string>()
  const exchange: BackendExchange = function guardedBackendExchange(url, init) {
    return new Promise<BackendAnswer>((resolve, reject) => {
      const target = new URL(url)
      const agent = agents[target.protocol as keyof typeof agents]
      if (!agent) throw new TypeError(`guardedFetch cannot fetch a ${target.protocol} URL`)
      const signal = init.signal ?? undefined
      if (signal?.aborted) throw signal.reason
      const hostname = target.hostname.replace(/^\[|\]$/g, '')
      // net.connect calls no lookup for an IP literal: checked here, once per literal allowed.
      if (isIP(hostname) && !allowedLiterals.has(hostname)) {
        try {
          checkAddresses(hostname, [hostname], policy.allowed)
        } catch (error) {
          throw new TypeError('fetch failed', { cause: error })
        }
        if (allowedLiterals.size >= maxAllowedLiterals) allowedLiterals.clear()
        allowedLiterals.add(hostname)
      }
      const body = requestBytes(init.body)
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
        method: init.method ?? 'GET',
        headers: outgoingHeaders(init, body),
        agent,
      })
      let response: IncomingMessage | undefined
      const abort = () => {
        request.destroy(signal?.reason)
        response?.destroy(signal?.reason)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', abort, { once: true })
      request.once('error', (error) => {
        signal?.removeEventListener('abort', abort)
        reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }))
      })
      request.once('response', (message) => {
        response = message
        message.once('close', () => signal?.removeEventListener('abort', abort))
        const status = message.statusCode ?? 502
        if (status >= 300 && status < 400 && init.redirect !== 'manual') {
          message.destroy()
          reject(new TypeError('fetch failed', { cause: new Error(`redirected (${status})`) }))
          return
        }
        const hasBody = !bodyless.has(status) && init.method !== 'HEAD'
        if (!hasBody) message.resume()
        resolve({
          status,
          statusText: message.statusMessage ?? '',
          headers: message.headers,
          body: hasBody ? message : null,
        })
      })
      request.end(body)
    })
  }
  const fetch = function guardedBackendFetch(url: string, init: RequestInit) {
    return exchange(url, init).then(
      ({ status, statusText, headers, body }) =>
        new Response(body && (Readable.toWeb(body) as ReadableStream<Uint8Array>), {
          status,
          statusText,
          headers: incomingHeaders(headers),
        }),
    )
  }
  return Object.assign(fetch, { exchange })
}

/** The address refusal behind a failed fetch, if that is why it failed. */
export const refusedAddress = (error: unknown): ReservedAddressError | undefined => {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ReservedAddressError) return cause
  }
  return undefined
}
