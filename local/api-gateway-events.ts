import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda'
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

const textual = /^(application\/(.+\+)?json|text\/|application\/x-www-form-urlencoded)/

/**
 * Each name's values, in order, as an object whose every name is an own
 * property: gathered in a Map, so `__proto__` or `constructor` is a name like any other.
 */
const multiValue = (pairs: Iterable<[string, string]>): Record<string, string[]> => {
  const values = new Map<string, string[]>()
  for (const [name, value] of pairs) {
    const list = values.get(name)
    if (list) list.push(value)
    else values.set(name, [value])
  }
  return Object.fromEntries(values)
}

export const methodArnFor = (method: string, path: string) =>
  `arn:aws:execute-api:${localApi.region}:${localApi.accountId}:${localApi.apiId}/${localApi.stage}/${method}${path}`

/**
 * Headers as API Gateway passes them: names in the client's casing (so a
 * handler that looks up `content-type` alone misses `Content-Type`, as on AWS),
 * `headers` holding each name's last value and `multiValueHeaders` all of them.
 */
const headersOf = (request: IncomingRequest) => ({
  headers: Object.fromEntries(request.rawHeaders),
  multiValueHeaders: multiValue(request.rawHeaders),
})

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

const shared = (request: IncomingRequest, match: RouteMatch) => {
  const hasQuery = request.query.size > 0
  return {
    resource: match.route.path,
    path: request.path,
    httpMethod: request.method,
    ...headersOf(request),
    queryStringParameters: hasQuery ? Object.fromEntries(request.query) : null,
    multiValueQueryStringParameters: hasQuery ? multiValue(request.query) : null,
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

/**
 * The REST proxy event a handler receives. As on API Gateway, the authorizer's
 * context values arrive as strings beside `principalId`.
 */
export const proxyEvent = (
  request: IncomingRequest,
  match: RouteMatch,
  authorizer: { principalId: string; context: Record<string, unknown> } | undefined,
): APIGatewayProxyEvent => {
  const isText = request.body.length === 0 || textual.test(request.headers['content-type'] ?? '')
  return {
    ...shared(request, match),
    requestContext: {
      ...requestContextFor(request, match),
      authorizer: authorizer && {
        principalId: authorizer.principalId,
        integrationLatency: 0,
        ...Object.fromEntries(
          Object.entries(authorizer.context).map(([key, value]) => [key, String(value)]),
        ),
      },
    },
    body: request.body.length === 0 ? null : request.body.toString(isText ? 'utf8' : 'base64'),
    isBase64Encoded: !isText,
  } as unknown as APIGatewayProxyEvent
}
