import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import type { HandlerName, RouteMatch } from '../lib/routes.ts'
import { matchRoute } from '../lib/routes.ts'
import {
  authorizerEvent,
  type IncomingRequest,
  methodArnFor,
  proxyEvent,
} from './api-gateway-events.ts'
import { isStreamingHandler } from './awslambda-shim.ts'
import type { LocalIdentity } from './identity.ts'
import { lambdaContext } from './lambda-context.ts'
import { evaluatePolicy } from './policy-evaluator.ts'
import { responseStreamTo } from './response-stream.ts'

// biome-ignore lint/suspicious/noExplicitAny: Lambda handlers are invoked the way the runtime does, untyped.
type LambdaHandler = (...args: any[]) => Promise<any>

export interface GatewayOptions {
  handlers: Record<HandlerName | 'authorizer', LambdaHandler>
  identity: LocalIdentity
  /** API Gateway's authorizer result TTL; 0 turns caching off. */
  authorizerCacheTtlSeconds: number
  /** Called once per request, after the response ended. */
  onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void
}

const send = (response: ServerResponse, status: number, body: unknown, headers = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const toIncoming = (request: IncomingMessage, body: Buffer, requestId: string): IncomingRequest => {
  const url = new URL(request.url ?? '/', 'http://local')
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  const rawHeaders: [string, string][] = []
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    rawHeaders.push([request.rawHeaders[i] as string, request.rawHeaders[i + 1] as string])
  }
  return {
    method: request.method ?? 'GET',
    path: url.pathname,
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
 * A local API Gateway (REST API): the route table, the REQUEST authorizer with
 * API Gateway's policy evaluation and per-token caching, its 401/403 answers,
 * proxy events, and streamed integrations written to the socket as they come.
 */
export const createGateway = (options: GatewayOptions) => {
  const { handlers, identity } = options
  const authorizerCache = new Map<
    string,
    { result: APIGatewayAuthorizerResult; expiresAt: number }
  >()

  const authorizeCall = async (
    incoming: IncomingRequest,
    match: RouteMatch,
  ): Promise<APIGatewayAuthorizerResult | { status: number; body: unknown; headers?: object }> => {
    const identitySource = incoming.headers.authorization
    if (!identitySource) return { status: 401, body: { message: 'Unauthorized' } }
    let result = authorizerCache.get(identitySource)
    if (!result || result.expiresAt <= Date.now()) {
      authorizerCache.delete(identitySource)
      try {
        const answer = (await handlers.authorizer(
          authorizerEvent(incoming, match),
          lambdaContext('switchboard-authorizer'),
        )) as APIGatewayAuthorizerResult
        result = {
          result: answer,
          expiresAt: Date.now() + options.authorizerCacheTtlSeconds * 1000,
        }
        if (options.authorizerCacheTtlSeconds > 0) authorizerCache.set(identitySource, result)
      } catch (error) {
        if ((error as Error).message === 'Unauthorized') {
          return { status: 401, body: { message: 'Unauthorized' } }
        }
        return {
          status: 500,
          body: { message: null },
          headers: { 'x-amzn-errortype': 'AuthorizerConfigurationException' },
        }
      }
    }
    const decision = evaluatePolicy(
      result.result.policyDocument,
      methodArnFor(incoming.method, incoming.path),
    )
    if (decision === 'allow') return result.result
    return {
      status: 403,
      body: {
        Message:
          decision === 'explicit-deny'
            ? 'User is not authorized to access this resource with an explicit deny'
            : 'User is not authorized to access this resource',
      },
    }
  }

  const invoke = async (
    response: ServerResponse,
    match: RouteMatch,
    event: unknown,
  ): Promise<void> => {
    const handler = handlers[match.route.handler]
    const context = lambdaContext(`switchboard-${match.route.handler}`)
    if (isStreamingHandler(handler)) {
      await handler(event, responseStreamTo(response), context).catch((error: unknown) => {
        if (!response.headersSent) send(response, 502, { message: 'Internal server error' })
        else response.destroy(error as Error)
      })
      return
    }
    try {
      const result = await handler(event, context)
      const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : (result.body ?? '')
      response.writeHead(result.statusCode ?? 200, result.headers ?? {})
      response.end(body)
    } catch {
      send(response, 502, { message: 'Internal server error' })
    }
  }

  const localIdentityRoutes = async (incoming: IncomingRequest, response: ServerResponse) => {
    if (incoming.method === 'GET' && incoming.path === '/.well-known/jwks.json') {
      send(response, 200, identity.jwks())
      return true
    }
    if (incoming.method === 'GET' && incoming.path === '/.well-known/openid-configuration') {
      send(response, 200, identity.openidConfiguration())
      return true
    }
    if (incoming.method === 'POST' && incoming.path === '/oauth2/token') {
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
    const started = Date.now()
    response.on('finish', () =>
      options.onRequest?.({
        method: request.method ?? '',
        path: request.url ?? '',
        status: response.statusCode,
        ms: Date.now() - started,
      }),
    )
    // API Gateway names every request, and answers with its id, whoever answers.
    const requestId = randomUUID()
    response.setHeader('x-amzn-RequestId', requestId)
    try {
      const incoming = toIncoming(request, await readBody(request), requestId)
      if (await localIdentityRoutes(incoming, response)) return
      const match = matchRoute(incoming.method, incoming.path)
      if (!match) return send(response, 403, { message: 'Missing Authentication Token' })
      const authorized = await authorizeCall(incoming, match)
      if ('status' in authorized) {
        return send(response, authorized.status, authorized.body, authorized.headers)
      }
      const context = authorized.context ?? {}
      await invoke(
        response,
        match,
        proxyEvent(incoming, match, { principalId: authorized.principalId, context }),
      )
    } catch (error) {
      if (!response.headersSent) send(response, 500, { message: 'Internal server error' })
      else response.destroy(error as Error)
    }
  }
}

export const listen = (server: Server, port: number, host: string, variable: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on ${host} is already in use; set ${variable} to another port.`)
          : error,
      )
    })
    server.listen(port, host, () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
