/**
 * How the lean DynamoDB path (lib/dynamo-lean.ts) exchanges one signed request for the server's
 * answer: the contract a transport keeps, HTTP(S) by default, and the process's registry of
 * other transports by endpoint (the local stack's channel to its database's thread). Kept apart
 * from the client so that a transport (local/database-channel.ts) loads none of the AWS SDK the
 * client builds on.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { SignedHeaders } from './dynamo-sigv4.ts'

/**
 * The error the SDK's Node handler gives when a socket goes quiet (`isTransientError` retries
 * it), and the one a transport gives when no answer came within the request's `timeoutMs`.
 */
export const timeoutError = (ms: number): Error =>
  Object.assign(new Error(`DynamoDB sent nothing for ${ms} ms`), { name: 'TimeoutError' })

/** One signed request of the lean path, as a transport is given it to exchange. */
export interface LeanRequest {
  /** The endpoint: the request is a POST to this URL (protocol, host, port and path, no query). */
  url: URL
  /** Its headers, lowercase names, as signed (`host`, `content-type`, `x-amz-target`, SigV4's). */
  headers: SignedHeaders
  /** DynamoDB JSON, as signed. */
  body: string
  /**
   * The client's `socketTimeoutMs`: a transport with no answer for this long fails the request
   * with `timeoutError(timeoutMs)`, which the retry strategy retries.
   */
  timeoutMs: number
}

/** The server's answer, as it came: status, headers (lowercase names) and body text. */
export interface LeanAnswer {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

/**
 * How one signed request is exchanged for the server's answer: the lean path's only contact with
 * the wire. The request is built, signed, retried, traced and its answer read the same whatever
 * the transport; a transport only carries bytes. It throws when there is no answer (a socket
 * error, a database gone, or `timeoutError` after the request's `timeoutMs`); the client's retry
 * strategy then decides as for any error.
 * The default is HTTP(S) with a keep-alive pool (`httpTransport`); the local stack hands its
 * handlers a channel to its database's thread instead (`useLeanTransport`).
 */
export type LeanTransport = (request: LeanRequest) => Promise<LeanAnswer>

/**
 * The lean path's own transport to `url`: a POST over `http` or `https` (by its protocol), sockets
 * kept alive as the SDK's Node handler keeps them (50 at most), and a socket that sends nothing
 * for the request's `timeoutMs` given up with a `TimeoutError` (which the retry strategy retries).
 */
export const httpTransport = (url: URL): LeanTransport => {
  const https = url.protocol === 'https:'
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: 50 })
    : new HttpAgent({ keepAlive: true, maxSockets: 50 })
  const send = https ? httpsRequest : httpRequest
  // The host to connect to: the URL's hostname, an IPv6 literal without its brackets.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return ({ headers, body, timeoutMs }) =>
    new Promise<LeanAnswer>((resolve, reject) => {
      const request = send(
        {
          protocol: url.protocol,
          hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers,
          agent,
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('error', reject)
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          )
        },
      )
      request.on('timeout', () => request.destroy(timeoutError(timeoutMs)))
      request.on('error', reject)
      request.end(body)
    })
}

/** Transports other than HTTP, by endpoint origin (`http://127.0.0.1:8000`), for this process. */
const transportsByOrigin = new Map<string, LeanTransport>()

/** The transport `useLeanTransport` registered for an endpoint's origin, if any. */
export const registeredTransport = (origin: string): LeanTransport | undefined =>
  transportsByOrigin.get(origin)

/**
 * Sends every lean request of this process whose endpoint has `endpoint`'s origin through
 * `transport` instead of HTTP, until the returned function is called (which forgets it, unless
 * another took its place since). Read on every request, so it applies to clients made before too.
 *
 * Process-wide on purpose: the handlers build their DynamoDB clients when imported, from config
 * alone (`DYNAMODB_ENDPOINT`), as on Lambda, and nothing else reaches them. The process that runs
 * them beside its database (the local stack, local/stack.ts) says here how that database is
 * reached, by the endpoint the handlers were configured with, without lib/ knowing local/. Nothing
 * registers on AWS; other processes, and endpoints not registered, keep HTTP.
 *
 * @example
 * const forget = useLeanTransport(database.endpoint, database.transport)
 * // … the handlers' lean requests to database.endpoint go through database.transport …
 * forget()
 */
export const useLeanTransport = (endpoint: string, transport: LeanTransport): (() => void) => {
  const origin = new URL(endpoint).origin
  transportsByOrigin.set(origin, transport)
  return () => {
    if (transportsByOrigin.get(origin) === transport) transportsByOrigin.delete(origin)
  }
}
