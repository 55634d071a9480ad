import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda'
import { binaryMediaTypes, isBinaryMediaType } from '../lib/http/binary-media.ts'
import type { RouteMatch } from '../lib/routes.ts'

/** The fixed identity of the local API, as its ARNs spell it. */
export const localApi = {
  region: 'us-east-1',
  accountId: '000000000000',
  apiId: 'local',
  stage: 'local',
}

export interface IncomingRequest {
  method: string
  path: string
  query: URLSearchParams
  /** Lower-cased names, repeated values joined: for the emulator's own reading. */
  headers: Record<string, string>
  /** As the client sent them, names in its casing and in its order. */
  rawHeaders: [name: string, value: string][]
  body: Buffer
  sourceIp: string
  host: string
  /** One per request, as API Gateway's: the authorizer's event and the handler's share it. */
  requestId: string
}

/** Sets `name` as an own property, even `__proto__` (which assignment would take as the prototype). */
const setOwn = (object: Record<string, unknown>, name: string, value: unknown) => {
  if (name === '__proto__') {
    Object.defineProperty(object, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else object[name] = value
}

/**
 * Each name's last value and all its values, in one pass, as objects whose
 * every name is an own property: `__proto__` or `constructor` is a name like
 * any other. (A Map and `Object.fromEntries` twice did the same at about four
 * times the cost.)
 */
const lastAndAll = (pairs: Iterable<[string, string]>) => {
  const last: Record<string, string> = {}
  const all: Record<string, string[]> = {}
  for (const [name, value] of pairs) {
    if (Object.hasOwn(all, name)) {
      ;(all[name] as string[]).push(value)
      last[name] = value
    } else {
      setOwn(last, name, value)
      setOwn(all, name, [value])
    }
  }
  return { last, all }
}

export const methodArnFor = (method: string, path: string) =>
  `arn:aws:execute-api:${localApi.region}:${localApi.accountId}:${localApi.apiId}/${localApi.stage}/${method}${path}`

/**
 * The Authorization value the authorizer's event carries, as
 * lib/http/lambda-event.ts's `headerOf` reads it: the first name spelled
 * `authorization` in any casing, and that name's last value. The authorizer
 * cache keys on it, so an answer is cached under the token that was judged.
 */
export const authorizationOf = (request: IncomingRequest): string | undefined => {
  let name: string | undefined
  let value: string | undefined
  for (const [rawName, rawValue] of request.rawHeaders) {
    if (name === undefined ? rawName.toLowerCase() === 'authorization' : rawName === name) {
      name = rawName
      value = rawValue
    }
  }
  return value
}

/**
 * The fields both events share. Headers as API Gateway passes them: names in
 * the client's casing (so a handler that looks up `content-type` alone misses
 * `Content-Type`, as on AWS), `headers` holding each name's last value and
 * `multiValueHeaders` all of them; the query likewise, null without one.
 */
const shared = (request: IncomingRequest, match: RouteMatch) => {
  const headers = lastAndAll(request.rawHeaders)
  const query = request.query.size > 0 ? lastAndAll(request.query) : undefined
  return {
    resource: match.route.path,
    path: request.path,
    httpMethod: request.method,
    headers: headers.last,
    multiValueHeaders: headers.all,
    queryStringParameters: query?.last ?? null,
    multiValueQueryStringParameters: query?.all ?? null,
    pathParameters: Object.keys(match.pathParameters).length > 0 ? match.pathParameters : null,
    stageVariables: null,
  }
}

const requestContextFor = (request: IncomingRequest, match: RouteMatch) => ({
  accountId: localApi.accountId,
  apiId: localApi.apiId,
  resourceId: match.route.path,
  resourcePath: match.route.path,
  httpMethod: request.method,
  path: `/${localApi.stage}${request.path}`,
  stage: localApi.stage,
  requestId: request.requestId,
  requestTimeEpoch: Date.now(),
  domainName: request.host,
  domainPrefix: request.host.split('.')[0] ?? request.host,
  protocol: 'HTTP/1.1',
  identity: {
    sourceIp: request.sourceIp,
    userAgent: request.headers['user-agent'] ?? null,
  },
})

/** The event API Gateway sends a REQUEST authorizer. */
export const authorizerEvent = (
  request: IncomingRequest,
  match: RouteMatch,
): APIGatewayRequestAuthorizerEvent =>
  ({
    type: 'REQUEST',
    methodArn: methodArnFor(request.method, request.path),
    ...shared(request, match),
    requestContext: requestContextFor(request, match),
  }) as unknown as APIGatewayRequestAuthorizerEvent

/** A proxy event's `requestContext.authorizer`: the authorizer's context values as strings beside `principalId`. */
export type HandlerAuthorizerContext = Record<string, string | number>

/**
 * The `requestContext.authorizer` a handler receives for an authorizer's
 * answer, as API Gateway passes it. It depends on the answer alone, so the
 * gateway builds it once per cached answer; `proxyEvent` copies it into each event.
 */
export const handlerAuthorizerContext = (
  principalId: string,
  context: Record<string, unknown>,
): HandlerAuthorizerContext => {
  const fields: HandlerAuthorizerContext = { principalId, integrationLatency: 0 }
  for (const [key, value] of Object.entries(context)) {
    // An undefined value is no value: the answer reaches API Gateway as JSON, which drops it.
    if (value !== undefined) setOwn(fields, key, String(value))
  }
  return fields
}

/**
 * The REST proxy event a handler receives. As on API Gateway, the authorizer's
 * context values arrive as strings beside `principalId` (`handlerAuthorizerContext`),
 * and the body is text unless its Content-Type is one of the API's binary media
 * types (terraform/api.tf has none): then it is base64 with `isBase64Encoded`.
 */
export const proxyEvent = (
  request: IncomingRequest,
  match: RouteMatch,
  authorizer: HandlerAuthorizerContext | undefined,
  types: readonly string[] = binaryMediaTypes,
): APIGatewayProxyEvent => {
  const isText =
    request.body.length === 0 || !isBinaryMediaType(request.headers['content-type'], types)
  return {
    ...shared(request, match),
    requestContext: {
      ...requestContextFor(request, match),
      // Each event its own copy: a handler may change its event.
      authorizer: authorizer && { ...authorizer },
    },
    body: request.body.length === 0 ? null : request.body.toString(isText ? 'utf8' : 'base64'),
    isBase64Encoded: !isText,
  } as unknown as APIGatewayProxyEvent
}

/**
 * Response headers a REST API does not pass on from a Lambda proxy integration
 * under their own name: it sends each as `x-amzn-Remapped-<name>` instead. A
 * handler's `WWW-Authenticate` challenge therefore never reaches a caller as
 * one on AWS (only a gateway response's, such as UNAUTHORIZED's, does).
 */
const remappedResponseHeaders = new Set(['www-authenticate'])

/**
 * A handler's response headers as API Gateway passes them on: the remapped
 * ones renamed, the rest as they are.
 *
 * @example
 * integrationResponseHeaders({ 'WWW-Authenticate': 'Bearer' }) // { 'x-amzn-Remapped-WWW-Authenticate': 'Bearer' }
 */
export const integrationResponseHeaders = <Value>(
  headers: Record<string, Value> | null | undefined,
): Record<string, Value> => {
  const passed: Record<string, Value> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    setOwn(
      passed,
      remappedResponseHeaders.has(name.toLowerCase()) ? `x-amzn-Remapped-${name}` : name,
      value,
    )
  }
  return passed
}

const contextValueTypes = new Set(['string', 'number', 'boolean'])

/**
 * Whether API Gateway takes an authorizer's answer: a principal id, a policy
 * document with its statements, and context values that are strings, numbers
 * or booleans (an object or array in the context is refused; an undefined one is
 * absent, as the answer's JSON drops it). Any other answer
 * is an AUTHORIZER_CONFIGURATION_ERROR, a 500, and is not cached.
 */
export const isAuthorizerAnswer = (answer: unknown): answer is APIGatewayAuthorizerResult => {
  if (typeof answer !== 'object' || answer === null) return false
  const { principalId, policyDocument, context } = answer as Partial<APIGatewayAuthorizerResult>
  if (typeof principalId !== 'string') return false
  if (!Array.isArray(policyDocument?.Statement)) return false
  if (context === undefined || context === null) return true
  if (typeof context !== 'object') return false
  return Object.values(context).every(
    (value) => value === undefined || contextValueTypes.has(typeof value),
  )
}

/** A buffered Lambda proxy result as API Gateway reads it. */
export interface ProxyResult {
  statusCode: number | string
  headers?: Record<string, string> | null
  body?: string | null
  isBase64Encoded?: boolean
}

/**
 * Whether API Gateway takes a buffered handler's result: an object with a
 * status code and, if any, a string body and a headers object. Any other is a
 * malformed Lambda proxy response, which API Gateway answers as a failed
 * integration (DEFAULT_5XX here).
 */
export const isProxyResult = (result: unknown): result is ProxyResult => {
  if (typeof result !== 'object' || result === null) return false
  const { statusCode, body, headers } = result as Record<string, unknown>
  if (!Number.isInteger(Number(statusCode)) || statusCode === '' || statusCode === null)
    return false
  if (body !== undefined && body !== null && typeof body !== 'string') return false
  return headers === undefined || headers === null || typeof headers === 'object'
}
