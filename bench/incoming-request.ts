/**
 * A request as the local API Gateway hands it to the event builders, for benchmarks that invoke
 * the handlers in-process (bench/handler.ts, bench/soak.ts): a caller's bearer token, A2A-Version
 * and, with a body, a JSON content type.
 */

import { randomUUID } from 'node:crypto'
import { matchRoute } from '../lib/routes.ts'
import type { IncomingRequest } from '../local/api-gateway-events.ts'

export const incomingRequest = (
  method: string,
  path: string,
  body: string | undefined,
  options: { token: string; query?: Record<string, string>; version?: string },
): IncomingRequest => {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    'a2a-version': options.version ?? '1.0',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  }
  return {
    method,
    path,
    query: new URLSearchParams(options.query),
    headers,
    rawHeaders: Object.entries(headers),
    body: Buffer.from(body ?? ''),
    sourceIp: '127.0.0.1',
    host: '127.0.0.1',
    requestId: randomUUID(),
  }
}

/** The route table's match for a request, which the event builders take. */
export const routeOf = (request: IncomingRequest) => {
  const match = matchRoute(request.method, request.path)
  if (!match) throw new Error(`no route for ${request.method} ${request.path}`)
  return match
}
