/**
 * What the middleware kit reads of a request, whichever service delivered it:
 * API Gateway REST (payload 1.0), HTTP API (2.0), a Lambda function URL (2.0
 * shape) or an Application Load Balancer (1.0-like, `multiValueHeaders` when
 * the target group enables them). Typed structurally, so lib/ needs no Lambda types.
 */
export interface AnyHttpEvent {
  headers?: Record<string, string | undefined> | null
  multiValueHeaders?: Record<string, string[] | undefined> | null
  httpMethod?: string
  path?: string
  rawPath?: string
  /** Every shape has one; only 2.0's `http` (method and path) is read. */
  requestContext?: object | null
  /** Left out by HTTP API and function URL events that carry none. */
  body?: string | null
  isBase64Encoded?: boolean
}

/**
 * The request body as text, base64 undone (a function URL or ALB may send it so); null for none.
 *
 * @example
 * bodyOf({ body: 'eyJpZCI6N30=', isBase64Encoded: true }) // '{"id":7}'
 */
export const bodyOf = (event: AnyHttpEvent): string | null =>
  event.body && event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : (event.body ?? null)

/** 2.0's `requestContext.http`, if the event is in that shape. */
const httpOf = (event: AnyHttpEvent): { method?: string; path?: string } | undefined =>
  (event.requestContext as { http?: { method?: string; path?: string } } | null | undefined)?.http

/**
 * A header's value, its name matched case-insensitively (HTTP API lowercases
 * names, REST and ALB keep the client's); the first of several values.
 *
 * @example
 * headerOf(event, 'authorization') // 'Bearer eyJ…' for `Authorization` or `authorization`
 */
export const headerOf = (
  event: Pick<AnyHttpEvent, 'headers' | 'multiValueHeaders'>,
  name: string,
): string | undefined => {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value
  }
  for (const [key, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted && values?.[0] !== undefined) return values[0]
  }
  return undefined
}

/** The request's method: `httpMethod` (1.0, ALB) or `requestContext.http.method` (2.0). */
export const methodOf = (event: AnyHttpEvent): string =>
  (event.httpMethod ?? httpOf(event)?.method ?? 'GET').toUpperCase()

/** The request's path: `path` (1.0, ALB) or `rawPath` (2.0). */
export const pathOf = (event: AnyHttpEvent): string =>
  event.path ?? event.rawPath ?? httpOf(event)?.path ?? '/'

/**
 * The agent a path names and what follows it, for `/agents/{agentId}/…` (with
 * or without a stage or base path before it, unless `atStart`); undefined for
 * any other path. Each part decoded once (`decodedOnce`), after the split, so an
 * encoded `%2F` stays inside the id, as API Gateway's routing keeps it in its segment.
 *
 * @example
 * agentPathOf('/prod/agents/weather/message:send') // { agentId: 'weather', subPath: '/message:send' }
 */
export const agentPathOf = (
  path: string,
  { atStart = false }: { atStart?: boolean } = {},
): { agentId: string; subPath: string } | undefined => {
  const match = (atStart ? /^\/agents\/([^/]+)(\/.*)?$/ : /\/agents\/([^/]+)(\/.*)?$/).exec(path)
  if (!match?.[1]) return undefined
  return { agentId: decodedOnce(match[1]), subPath: decodedOnce(match[2] ?? '') }
}

/**
 * A route's path parameter as the client meant it. API Gateway's REST API hands it over as its
 * segment came, still percent-encoded (`weather%3Ainvoke` from a client that encodes every
 * segment, as the console's `pathOf` and `encodeURIComponent` do), and so does `npm start`'s
 * emulator (lib/routes.ts's `matchSegments`): every reader decodes here, once, so AWS and the
 * laptop read alike, and a double-encoded `%253A` reads as `%3A`, which no id's schema takes.
 * An HTTP API event (either payload format: the only one with path parameters and a `version`)
 * comes decoded already, and is taken as it came: decoded again, a task id sent as `t%252D1`
 * (`t%2D1`) would be read, and asked of the agent, as `t-1`. Undefined when there is none.
 *
 * @example
 * pathParameterOf({ pathParameters: { scope: 'weather%3Ainvoke' } }, 'scope') // 'weather:invoke'
 * pathParameterOf({ version: '2.0', pathParameters: { id: 't%2D1' } }, 'id') // 't%2D1'
 */
export const pathParameterOf = (
  event: { pathParameters?: Record<string, string | undefined> | null; version?: string },
  name: string,
): string | undefined => {
  const value = event.pathParameters?.[name]
  if (value === undefined) return undefined
  return event.version === undefined ? decodedOnce(value) : value
}

/**
 * A path or path part as the client meant it: its percent-escapes decoded once. Escapes that do
 * not decode are kept as sent, for the reader's schema to refuse (a thrown URIError would be a
 * 500); API Gateway refuses such a path at its front door anyway.
 *
 * @example
 * decodedOnce('/tasks/t%201') // '/tasks/t 1'
 */
export const decodedOnce = (encoded: string): string => {
  try {
    return decodeURIComponent(encoded)
  } catch {
    return encoded
  }
}
