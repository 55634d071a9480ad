import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import {
  frontDoorAnswers,
  type GatewayResponseType,
  maxInvocationPayloadBytes,
  maxRequestBodyBytes,
  renderGatewayResponse,
} from '../lib/gateway-responses.ts'
import { binaryMediaTypes, deliveredBody } from '../lib/http/binary-media.ts'
import { newXRayTraceId } from '../lib/observability/tracing.ts'
import type { HandlerName, RouteMatch } from '../lib/routes.ts'
import { integrationTimeoutMs, matchMockRoute, matchRoute, renderMockBody } from '../lib/routes.ts'
import {
  authorizationOf,
  authorizerEvent,
  type HandlerAuthorizerContext,
  handlerAuthorizerContext,
  type IncomingRequest,
  integrationResponseHeaders,
  isAuthorizerAnswer,
  isProxyResult,
  methodArnFor,
  proxyEvent,
} from './api-gateway-events.ts'
import { createAuthorizerCache, decisionFor } from './authorizer-cache.ts'
import { isStreamingHandler } from './awslambda-shim.ts'
import type { LocalIdentity } from './identity.ts'
import { lambdaContext } from './lambda-context.ts'
import { responseStreamTo } from './response-stream.ts'
import type { LocalSignIn } from './sign-in.ts'

// biome-ignore lint/suspicious/noExplicitAny: Lambda handlers are invoked the way the runtime does, untyped.
type LambdaHandler = (...args: any[]) => Promise<any>

export interface GatewayOptions {
  handlers: Record<HandlerName | 'authorizer', LambdaHandler>
  identity: LocalIdentity
  /** People's sign-in to the console (authorization code + PKCE), beside the identity. */
  signIn?: LocalSignIn
  /**
   * The gateway's base URL, as Terraform renders the stage's into what API
   * Gateway answers itself (the 401's challenge, the protected-resource metadata).
   */
  publicUrl: string
  /** API Gateway's authorizer result TTL; 0 turns caching off. */
  authorizerCacheTtlSeconds: number
  /** Tokens the authorizer cache keeps at most (the oldest goes first); 10,000 if unset. */
  authorizerCacheMaxEntries?: number
  /**
   * Whether the stack around the gateway is ready (locally: the sample agents
   * are registered); until then `GET /health` answers 503. Always ready if unset.
   */
  isReady?: () => boolean
  /**
   * The metrics `GET /metrics` serves in the Prometheus text format: local-only,
   * no token, not in lib/routes.ts (on AWS the same metrics are EMF in CloudWatch).
   */
  metrics?: Pick<Registry, 'metrics' | 'contentType'>
  /**
   * The REST API's binary media types (terraform/api.tf's, none): a buffered
   * result's base64 body is decoded only for them, and a request body reaches
   * the handler base64-encoded only for them, as API Gateway does.
   */
  binaryMediaTypes?: readonly string[]
  /**
   * How long a buffered handler may take before the caller gets the DEFAULT_5XX problem, as
   * API Gateway's integration timeout (terraform/api.tf): 29 s if unset. The handler runs on.
   */
  bufferedIntegrationTimeoutMs?: number
  /** Called once per request, after the response ended; `path` has no query string. */
  onRequest?: (line: RequestLine) => void
}

/** One request as the local gateway's log shows it. */
export interface RequestLine {
  method: string
  /** Without the query string: a sign-in's `?code=` is no business of a log. */
  path: string
  status: number
  ms: number
}

/** The line `npm start` prints for each request. */
export const requestLogLine = ({ method, path, status, ms }: RequestLine) =>
  `${new Date().toISOString()} ${method} ${path} ${status} ${ms}ms`

/**
 * Sends an answer in one piece with its Content-Length, as API Gateway sends a buffered answer
 * (its length known; here a handler's own Content-Length gives way to the body's, so the two
 * never disagree). To a HEAD, Node's server sends the headers alone: the GET's, its length
 * included (RFC 9110, 9.3.2), where a chunked answer would give a HEAD no length at all. A 204
 * or 304 has no body and no length: RFC 9110 forbids one on a 204 (8.6), and strict proxies
 * refuse the answer (the admin API's DELETEs are 204s).
 */
const sendWhole = (
  response: ServerResponse,
  status: number,
  headers: Record<string, unknown>,
  body: string | Buffer,
) => {
  // Node's flat list of names and values: a header named `__proto__` stays one like any other.
  // An undefined value is no header, as a Lambda result's JSON on AWS has none.
  const list = Object.entries(headers)
    .filter(([name, value]) => name.toLowerCase() !== 'content-length' && value !== undefined)
    .flatMap(([name, value]) => [name, String(value)])
  const bodiless = status === 204 || status === 304
  response.writeHead(
    status,
    bodiless ? list : [...list, 'content-length', String(Buffer.byteLength(body))],
  )
  response.end(bodiless ? undefined : body)
}

const send = (response: ServerResponse, status: number, body: unknown, headers = {}) =>
  sendWhole(
    response,
    status,
    { 'content-type': 'application/json', ...headers },
    JSON.stringify(body),
  )

/** What a buffered handler's race with the integration timeout gives when the timeout wins. */
const integrationTimedOut = Symbol('integration timed out')

/** The error type header API Gateway sends beside each gateway response. */
const errorTypes: Partial<Record<GatewayResponseType, string>> = {
  UNAUTHORIZED: 'UnauthorizedException',
  ACCESS_DENIED: 'AccessDeniedException',
  MISSING_AUTHENTICATION_TOKEN: 'MissingAuthenticationTokenException',
  AUTHORIZER_CONFIGURATION_ERROR: 'AuthorizerConfigurationException',
  // A Lambda proxy integration that failed (the function threw), the only DEFAULT_5XX here.
  DEFAULT_5XX: 'InternalServerErrorException',
}

interface GatewayAnswer {
  kind: GatewayResponseType
  /** `$context` variables beyond the request id, e.g. `authorizer.agents`. */
  context?: Record<string, string>
}

/** Sends a gateway response exactly as lib/gateway-responses.ts defines it for AWS. */
const sendGatewayResponse = (
  response: ServerResponse,
  requestId: string,
  gatewayUrl: string,
  { kind, context = {} }: GatewayAnswer,
) => {
  const { statusCode, headers, body } = renderGatewayResponse(
    kind,
    { ...context, requestId },
    gatewayUrl,
  )
  const errorType = errorTypes[kind]
  sendWhole(
    response,
    statusCode,
    { ...headers, ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}) },
    body,
  )
}

/**
 * OAuth 2.0's token request is form-encoded (RFC 6749, 4.4.2), as Cognito's endpoint takes it:
 * a JSON body would be read as a form without grant_type, and refused for a grant it does name.
 */
const isFormEncoded = (contentType: string | string[] | undefined) =>
  typeof contentType === 'string' &&
  contentType.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'

const notFormEncoded = {
  error: 'invalid_request',
  error_description:
    'A token request is form-encoded (Content-Type: application/x-www-form-urlencoded): grant_type=client_credentials&client_id=…&client_secret=…, as curl -d sends it.',
}

/** What `GET /health` answers while `npm start` is still starting. */
export const starting = { statusCode: 503, body: { status: 'starting' } } as const

/**
 * `npm start`'s 503 "starting", before the gateway is built (every request) and after
 * (`/health` until ready): one answer, so a HEAD gets the same headers in both phases.
 */
export const sendStarting = (response: ServerResponse) =>
  send(response, starting.statusCode, starting.body, { 'retry-after': '1' })

/**
 * The request's URL, parsed once for its query, and its path as API Gateway reads it: as the
 * client sent it, not as a URL parser tidies it (`new URL` drops `/%2E%2E/` or `/../` with the
 * segment before it, and reads `\` as `/`), so the route, the handler's `path` and the
 * authorizer's method ARN hold the dot segment the policy denies. Undefined when a
 * percent-escape in it is malformed (`%ZZ`, a lone `%`), which API Gateway refuses at its front
 * door with a 400, before any route or authorizer.
 */
const requestUrl = (url: string | undefined): { url: URL; path: string | undefined } => {
  const parsed = new URL(url ?? '/', 'http://local')
  const sent = url?.startsWith('/') ? (url.split(/[?#]/)[0] as string) : parsed.pathname
  try {
    decodeURIComponent(sent)
    return { url: parsed, path: sent }
  } catch {
    return { url: parsed, path: undefined }
  }
}

/**
 * Reads a request body up to API Gateway's payload limit, and keeps no more:
 * undefined once the body (declared or streamed) is larger, and whatever else
 * arrives is discarded as it comes, never held, so the 413 can go out at once.
 */
const readBody = (request: IncomingMessage, limit: number): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const tooLarge = () => {
      request.off('data', onData).off('end', onEnd).off('error', reject)
      // The client may hang up mid-body once answered; that is no failure here.
      request.on('error', () => undefined).resume()
      resolve(undefined)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) return tooLarge()
      chunks.push(chunk)
    }
    const onEnd = () => resolve(Buffer.concat(chunks))
    if (Number(request.headers['content-length'] ?? 0) > limit) return tooLarge()
    request.on('data', onData).on('end', onEnd).on('error', reject)
  })

const toIncoming = (
  request: IncomingMessage,
  url: URL,
  path: string,
  body: Buffer,
  requestId: string,
): IncomingRequest => {
  // Without a prototype, so a header named `__proto__` is one like any other.
  const headers: Record<string, string> = Object.create(null)
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  const rawHeaders: [string, string][] = []
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    rawHeaders.push([request.rawHeaders[i] as string, request.rawHeaders[i + 1] as string])
  }
  // As API Gateway with X-Ray on: one trace per request, the authorizer's and the handler's.
  if (headers['x-amzn-trace-id'] === undefined) {
    headers['x-amzn-trace-id'] = `Root=${newXRayTraceId()}`
    rawHeaders.push(['X-Amzn-Trace-Id', headers['x-amzn-trace-id']])
  }
  return {
    method: request.method ?? 'GET',
    path,
    query: url.searchParams,
    headers,
    rawHeaders,
    body,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    host: request.headers.host ?? 'localhost',
    requestId,
  }
}

/**
 * A local API Gateway (REST API): its front door (payload limit, malformed
 * paths), the route table with its mock routes, the REQUEST authorizer with
 * API Gateway's policy evaluation and per-token caching, the gateway responses
 * of lib/gateway-responses.ts, proxy events, and streamed integrations written
 * to the socket as they come.
 */
export const createGateway = (options: GatewayOptions) => {
  const { handlers, identity, publicUrl } = options
  const bufferedTimeoutMs = options.bufferedIntegrationTimeoutMs ?? integrationTimeoutMs.buffered
  const mediaTypes = options.binaryMediaTypes ?? binaryMediaTypes
  // What Terraform fills into the mock routes' bodies: this gateway, its issuer and scopes.
  // The scopes are the local identity's as they are now (the admin API changes them).
  const mockValues = async () => {
    const { issuer, scopes_supported: scopes } = await identity.openidConfiguration()
    return { gatewayUrl: publicUrl, issuer, scopes }
  }
  const authorizerCache = createAuthorizerCache({
    ttlSeconds: options.authorizerCacheTtlSeconds,
    maxEntries: options.authorizerCacheMaxEntries,
  })

  const authorizeCall = async (
    incoming: IncomingRequest,
    match: RouteMatch,
  ): Promise<{ allowed: HandlerAuthorizerContext } | GatewayAnswer> => {
    // The token the authorizer's event carries, so an answer is cached under what was judged.
    const identitySource = authorizationOf(incoming)
    if (!identitySource) return { kind: 'UNAUTHORIZED' }
    let result = authorizerCache.get(identitySource)
    if (!result) {
      try {
        const answer: unknown = await handlers.authorizer(
          authorizerEvent(incoming, match),
          lambdaContext('switchboard-authorizer'),
        )
        if (!isAuthorizerAnswer(answer)) return { kind: 'AUTHORIZER_CONFIGURATION_ERROR' }
        result = authorizerCache.set(identitySource, answer)
      } catch (error) {
        if ((error as Error).message === 'Unauthorized') return { kind: 'UNAUTHORIZED' }
        return { kind: 'AUTHORIZER_CONFIGURATION_ERROR' }
      }
    }
    const decision = decisionFor(result, methodArnFor(incoming.method, incoming.path))
    if (decision === 'allow') {
      // Built once per cached answer, not per call: it depends on the answer alone.
      result.handlerContext ??= handlerAuthorizerContext(
        result.result.principalId,
        result.result.context ?? {},
      )
      return { allowed: result.handlerContext }
    }
    // The gateway response reads the authorizer's context, as `$context.authorizer.*`.
    const context = Object.entries(result.result.context ?? {}).map(([key, value]) => [
      `authorizer.${key}`,
      String(value),
    ])
    return { kind: 'ACCESS_DENIED', context: Object.fromEntries(context) }
  }

  /**
   * Calls the route's handler and sends its answer as API Gateway passes it on
   * (remapped headers renamed), unless the event is more than Lambda takes (413,
   * as API Gateway answers). A handler that fails gets the DEFAULT_5XX gateway
   * response Terraform configures, as API Gateway answers a failed Lambda proxy
   * integration, unless a streamed answer has begun (then the stream is cut); so
   * does a buffered one still running at the integration timeout. (A streamed
   * one's 15 minutes are not enforced here.)
   */
  const invoke = async (
    response: ServerResponse,
    match: RouteMatch,
    event: unknown,
    incoming: IncomingRequest,
  ): Promise<void> => {
    // Lambda refuses the invocation, and API Gateway answers, before the handler could. Measured
    // only when it could be: JSON writes a body byte as six at most, headers are under 16 KiB.
    if (
      incoming.body.length * 6 + 256 * 1024 > maxInvocationPayloadBytes &&
      Buffer.byteLength(JSON.stringify(event)) > maxInvocationPayloadBytes
    ) {
      const { statusCode, body } = frontDoorAnswers.tooLarge
      return send(response, statusCode, body)
    }
    const handler = handlers[match.route.handler]
    // A streaming function's time is its 15 minutes, as on AWS: a stream is ended before them.
    const context = lambdaContext(
      `switchboard-${match.route.handler}`,
      match.route.streaming ? integrationTimeoutMs.streaming : undefined,
    )
    const failed = (error: unknown, context?: GatewayAnswer['context']): void => {
      if (response.headersSent) response.destroy(error as Error)
      else
        sendGatewayResponse(response, incoming.requestId, publicUrl, {
          kind: 'DEFAULT_5XX',
          context,
        })
    }
    if (isStreamingHandler(handler)) {
      await handler(event, responseStreamTo(response), context).catch(failed)
      return
    }
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<typeof integrationTimedOut>((resolve) => {
      timer = setTimeout(resolve, bufferedTimeoutMs, integrationTimedOut)
    })
    try {
      const result = await Promise.race([handler(event, context), timedOut])
      if (result === integrationTimedOut) {
        // No INTEGRATION_TIMEOUT response is configured: it falls back to DEFAULT_5XX, naming itself.
        return failed(new Error('integration timed out'), {
          'error.responseType': 'INTEGRATION_TIMEOUT',
        })
      }
      if (!isProxyResult(result)) return failed(new Error('malformed Lambda proxy response'))
      const body = deliveredBody(result, incoming.headers.accept, mediaTypes)
      sendWhole(
        response,
        Number(result.statusCode),
        integrationResponseHeaders(result.headers),
        body,
      )
    } catch (error) {
      failed(error)
    } finally {
      clearTimeout(timer)
    }
  }

  const localIdentityRoutes = async (incoming: IncomingRequest, response: ServerResponse) => {
    const signInAnswer = await options.signIn?.(incoming)
    if (signInAnswer) {
      response.writeHead(signInAnswer.status, signInAnswer.headers)
      response.end(signInAnswer.body)
      return true
    }
    if (incoming.method === 'GET' && incoming.path === '/.well-known/jwks.json') {
      send(response, 200, identity.jwks())
      return true
    }
    if (incoming.method === 'GET' && incoming.path === '/.well-known/openid-configuration') {
      send(response, 200, await identity.openidConfiguration())
      return true
    }
    if (incoming.method === 'POST' && incoming.path === '/oauth2/token') {
      if (!isFormEncoded(incoming.headers['content-type'])) {
        send(response, 400, notFormEncoded, { 'cache-control': 'no-store' })
        return true
      }
      const answer = await identity.issueToken(
        new URLSearchParams(incoming.body.toString('utf8')),
        incoming.headers.authorization,
      )
      send(response, answer.status, answer.body, { 'cache-control': 'no-store' })
      return true
    }
    return false
  }

  return async function handleRequest(request: IncomingMessage, response: ServerResponse) {
    const { onRequest } = options
    if (onRequest) {
      const started = Date.now()
      response.on('finish', () =>
        onRequest({
          method: request.method ?? '',
          path: (request.url ?? '').split('?')[0] ?? '',
          status: response.statusCode,
          ms: Date.now() - started,
        }),
      )
    }
    // API Gateway names every request, and answers with its id, whoever answers.
    const requestId = randomUUID()
    response.setHeader('x-amzn-RequestId', requestId)
    try {
      const { url, path } = requestUrl(request.url)
      if (path === undefined) {
        const { statusCode, body } = frontDoorAnswers.malformedPath
        return send(response, statusCode, body)
      }
      const body = await readBody(request, maxRequestBodyBytes)
      if (body === undefined) {
        const { statusCode, body: answer } = frontDoorAnswers.tooLarge
        return send(response, statusCode, answer)
      }
      const incoming = toIncoming(request, url, path, body, requestId)
      if (await localIdentityRoutes(incoming, response)) return
      if (options.metrics && incoming.method === 'GET' && incoming.path === '/metrics') {
        response.writeHead(200, { 'content-type': options.metrics.contentType })
        return response.end(await options.metrics.metrics())
      }
      const mock = matchMockRoute(incoming.method, incoming.path)
      if (mock) {
        if (options.isReady && !options.isReady()) {
          return sendStarting(response)
        }
        const mockBody = renderMockBody(mock, await mockValues())
        return sendWhole(
          response,
          mock.statusCode,
          { 'content-type': 'application/json' },
          mockBody,
        )
      }
      const match = matchRoute(incoming.method, incoming.path)
      if (!match) {
        return sendGatewayResponse(response, requestId, publicUrl, {
          kind: 'MISSING_AUTHENTICATION_TOKEN',
        })
      }
      // A route without the authorizer (`authorization = "NONE"`): the handler sees no context.
      if (match.route.anonymous)
        return await invoke(
          response,
          match,
          proxyEvent(incoming, match, undefined, mediaTypes),
          incoming,
        )
      const authorized = await authorizeCall(incoming, match)
      if ('kind' in authorized) {
        return sendGatewayResponse(response, requestId, publicUrl, authorized)
      }
      await invoke(
        response,
        match,
        proxyEvent(incoming, match, authorized.allowed, mediaTypes),
        incoming,
      )
    } catch (error) {
      // Said here: what fails outside a handler (the token endpoint on a damaged identity file,
      // the authorizer's call) has no log of its own, and the caller is told nothing. The path
      // goes without its query, as in the request log (a sign-in's code).
      const path = (request.url ?? '').split('?')[0]
      console.error(`${request.method} ${path} failed: ${(error as Error).message}`)
      if (!response.headersSent) send(response, 500, { message: 'Internal server error' })
      else response.destroy(error as Error)
    }
  }
}

/**
 * Refuses to go on while any of these ports is taken, naming every one at once with the variable
 * that moves it, so a person moves them all in one go rather than one per start; and two
 * variables naming one port. Port 0 (any free one) is never taken. Checked by listening a moment
 * on each, dropping whatever connects meanwhile (a console tab left open) so the port closes at
 * once: another program may still take one before it is used, which `listen` then says.
 */
export const assertPortsFree = async (ports: [port: number, variable: string][], host: string) => {
  const named = ports.filter(([port]) => port !== 0)
  for (const [port, variable] of named) {
    const twin = named.find(
      ([other, otherVariable]) => other === port && otherVariable !== variable,
    )
    if (twin)
      throw new Error(`${variable} and ${twin[1]} both name port ${port}: give each its own.`)
  }
  const taken: { port: number; variable: string; error: Error }[] = []
  for (const [port, variable] of named) {
    const probe = createServer()
    probe.on('connection', (socket) => socket.destroy())
    try {
      await listen(probe, port, host, variable)
      await new Promise((resolve) => probe.close(resolve))
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE') throw error
      taken.push({ port, variable, error: error as Error })
    }
  }
  const [first, ...more] = taken
  if (!first) return
  // One taken: `listen`'s own words.
  if (more.length === 0) throw first.error
  const listed = taken.map(({ port, variable }) => `${port} (${variable})`)
  throw new Error(
    `Ports ${listed.slice(0, -1).join(', ')} and ${listed.at(-1)} on ${host} are already in use; set each variable to another port.`,
  )
}

/**
 * What `listen` says when HOST is no address of this machine: a name that does not resolve, or an
 * address another machine holds. Its own words name neither the variable nor the way out.
 */
const hostNotHere = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME'])

export const listen = (server: Server, port: number, host: string, variable: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const refusal =
        error.code === 'EADDRINUSE'
          ? `Port ${port} on ${host} is already in use; set ${variable} to another port.`
          : hostNotHere.has(error.code ?? '')
            ? `HOST=${host} cannot be listened on (${error.message}): set HOST to an address of this machine, such as 127.0.0.1 (the default).`
            : undefined
      reject(refusal ? Object.assign(new Error(refusal), { code: error.code }) : error)
    })
    server.listen(port, host, () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
