import { protectedResourceMetadata, resourceMetadataPath } from './auth/resource-metadata.ts'

/**
 * The gateway's HTTP API: the one route table. The local emulator serves exactly
 * these; the Terraform stack is checked against them.
 */
export type HandlerName = 'agents' | 'discovery' | 'admin' | 'console'
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY'

export interface Route {
  method: HttpMethod
  /** API Gateway resource path: `{name}` is one segment, `{proxy+}` the rest. */
  path: string
  handler: HandlerName
  /** Served by a response-streaming Lambda integration. */
  streaming: boolean
  /** Only callers holding the admin scope get through the authorizer. */
  admin: boolean
  /**
   * No authorizer in front (API Gateway authorization NONE): the request reaches
   * the handler without a token, and the handler verifies any token it needs
   * itself (with the authorizer's code). The agent card: a public one is read by
   * anyone, a granted one still needs a grant; the card-signing JWKS: anyone; a
   * push callback: the agent holding its secret.
   */
  anonymous?: true
  /**
   * Takes `If-Match` (RFC 9110 §13.1.1) against its resource's entity tag, the `ETag` its answers
   * carry: a change is made only on the version the header names, else 412. An admin route
   * without it refuses `If-Match` (400) rather than change unconditionally what a client meant to
   * change on a condition.
   */
  etag?: true
  /**
   * Takes `If-None-Match: *` too (RFC 9110 §13.1.2): a PUT that creates its resource, made only
   * where none exists yet, else 412; so a client that read no resource defines one without
   * replacing another's. A change on any other route refuses `If-None-Match` (400).
   */
  createOnly?: true
}

function adminRoutes(
  entries: ([HttpMethod, string] | [HttpMethod, string, 'etag' | 'etag, create-only'])[],
): Route[] {
  return entries.map(([method, path, conditions]) => ({
    method,
    path,
    handler: 'admin',
    streaming: false,
    admin: true,
    ...(conditions ? { etag: true as const } : {}),
    ...(conditions === 'etag, create-only' ? { createOnly: true as const } : {}),
  }))
}

/**
 * A public GET route and its HEAD twin, for uptime monitors that probe with HEAD
 * (RFC 9110: a server SHOULD answer HEAD wherever it answers GET). API Gateway has
 * no implicit HEAD, so each is a method of its own; the twin is the GET in all but
 * its method, and the HTTP layer drops the body (the emulator's Node server, API
 * Gateway's front end). Only routes without the authorizer have one.
 */
const withHead = <Answer extends Route | MockRoute>(get: Answer & { method: 'GET' }): Answer[] => [
  get,
  { ...get, method: 'HEAD' },
]

export const routes: readonly Route[] = [
  { method: 'GET', path: '/agents', handler: 'discovery', streaming: false, admin: false },
  { method: 'POST', path: '/search', handler: 'discovery', streaming: false, admin: false },
  // The public keys served cards are signed with (lib/a2a/card-signer.ts): anyone verifies.
  ...withHead({
    method: 'GET',
    path: '/.well-known/agent-card-jwks.json',
    handler: 'discovery',
    streaming: false,
    admin: false,
    anonymous: true,
  }),
  // Where agents push task updates for a client (lib/push/): the per-config secret authenticates.
  {
    method: 'POST',
    path: '/push/{configId}',
    handler: 'discovery',
    streaming: false,
    admin: false,
    anonymous: true,
  },
  // Readiness (load balancers, uptime checks): the database and the embedder answer; no token.
  // HEAD too, here and on the other public documents: the handler answers it as the GET (it
  // routes by resource), the body dropped.
  ...withHead({
    method: 'GET',
    path: '/health/ready',
    handler: 'discovery',
    streaming: false,
    admin: false,
    anonymous: true,
  }),
  // The OpenAPI 3.1 document of the admin, discovery and health APIs (lib/openapi/): anyone reads it.
  ...withHead({
    method: 'GET',
    path: '/openapi.json',
    handler: 'discovery',
    streaming: false,
    admin: false,
    anonymous: true,
  }),
  { method: 'POST', path: '/route', handler: 'agents', streaming: true, admin: false },
  { method: 'ANY', path: '/route/{proxy+}', handler: 'agents', streaming: true, admin: false },
  { method: 'POST', path: '/agents/{agentId}', handler: 'agents', streaming: true, admin: false },
  {
    method: 'GET',
    path: '/agents/{agentId}/.well-known/agent-card.json',
    handler: 'agents',
    streaming: true,
    admin: false,
    anonymous: true,
  },
  {
    method: 'ANY',
    path: '/agents/{agentId}/{proxy+}',
    handler: 'agents',
    streaming: true,
    admin: false,
  },
  // The operator console's page and files; it signs people in itself (lib/console/).
  {
    method: 'GET',
    path: '/console',
    handler: 'console',
    streaming: false,
    admin: false,
    anonymous: true,
  },
  {
    method: 'GET',
    path: '/console/{proxy+}',
    handler: 'console',
    streaming: false,
    admin: false,
    anonymous: true,
  },
  ...adminRoutes([
    // A registration answers the new agent's ETag, but takes no If-Match: nothing is there yet.
    ['POST', '/admin/register'],
    ['GET', '/admin/agents'],
    ['POST', '/admin/agents'],
    // An agent's version (lib/registry/agent-etag.ts): two admins' changes cannot overwrite.
    ['GET', '/admin/agents/{agentId}', 'etag'],
    ['PUT', '/admin/agents/{agentId}', 'etag'],
    ['PATCH', '/admin/agents/{agentId}', 'etag'],
    ['DELETE', '/admin/agents/{agentId}', 'etag'],
    ['POST', '/admin/agents/{agentId}/sync', 'etag'],
    // Each permission's version (lib/permissions/permission-etag.ts), its tag in the list's items.
    ['GET', '/admin/permissions'],
    ['GET', '/admin/permissions/{scope}', 'etag'],
    ['PUT', '/admin/permissions/{scope}', 'etag, create-only'],
    ['DELETE', '/admin/permissions/{scope}', 'etag'],
    ['POST', '/admin/route/calibrate'],
    ['DELETE', '/admin/route/calibrate'],
    ['GET', '/admin/audit'],
    // Callers and scopes of the identity provider (issue 18).
    ['GET', '/admin/scopes'],
    ['PUT', '/admin/scopes/{scope}'],
    ['DELETE', '/admin/scopes/{scope}'],
    ['GET', '/admin/clients'],
    ['POST', '/admin/clients'],
    ['GET', '/admin/clients/{clientId}'],
    ['PATCH', '/admin/clients/{clientId}'],
    ['DELETE', '/admin/clients/{clientId}'],
    ['POST', '/admin/clients/{clientId}/rotate-secret'],
    ['POST', '/admin/clients/{clientId}/revoke-tokens'],
  ]),
]

/**
 * How long API Gateway waits for a route's integration, as terraform/api.tf sets
 * `timeout_milliseconds`: 29 s for a buffered Lambda answer (then it answers
 * INTEGRATION_TIMEOUT, a DEFAULT_5XX gateway response here, while the function
 * runs on to its own timeout), 15 minutes for a streamed one.
 */
export const integrationTimeoutMs = { buffered: 29_000, streaming: 900_000 } as const

/**
 * A route API Gateway answers itself: no authorizer, no Lambda (a MOCK
 * integration with a fixed answer). Nothing behind it can fail or cost money,
 * and no rate limit counts it.
 */
export interface MockRoute {
  method: Exclude<HttpMethod, 'ANY'>
  path: string
  statusCode: number
  /**
   * The JSON body it answers with; `deploymentPlaceholders` in it stand for values of
   * the deployment, filled in by Terraform and the emulator (`renderMockBody`).
   */
  body: Record<string, unknown>
}

/**
 * Values of the deployment that a mock route's body or a gateway response's
 * header names (lib/gateway-responses.ts). Terraform replaces each with
 * `replace()` over the text, as `renderMockBody` and `renderGatewayResponse` do:
 * the strings are replaced in place; the scopes placeholder, a one-element
 * array's only string, becomes the list of scopes.
 */
export const deploymentPlaceholders = {
  gatewayUrl: '{gatewayUrl}',
  issuer: '{issuer}',
  scopes: '{scopes}',
} as const

export const mockRoutes: readonly MockRoute[] = [
  // Liveness: the gateway is up and routing; no Lambda, no database (readiness: /health/ready).
  // `npm start` answers 503 here until it is ready. HEAD too, for uptime monitors.
  ...withHead({ method: 'GET', path: '/health', statusCode: 200, body: { status: 'ok' } }),
  // RFC 9728: where a client that got a 401 learns how to get a token.
  ...withHead({
    method: 'GET',
    path: resourceMetadataPath,
    statusCode: 200,
    body: protectedResourceMetadata({
      gatewayUrl: deploymentPlaceholders.gatewayUrl,
      issuer: deploymentPlaceholders.issuer,
      scopes: [deploymentPlaceholders.scopes],
    }),
  }),
]

/**
 * A mock route's body as API Gateway sends it, its placeholders filled in the way
 * Terraform fills them (values are URLs and scope names: nothing to escape).
 *
 * @example
 * renderMockBody(route, { gatewayUrl, issuer, scopes: ['switchboard/admin'] })
 */
export const renderMockBody = (
  route: MockRoute,
  values: { gatewayUrl: string; issuer: string; scopes: readonly string[] },
): string =>
  JSON.stringify(route.body)
    .replaceAll(deploymentPlaceholders.gatewayUrl, values.gatewayUrl)
    .replaceAll(deploymentPlaceholders.issuer, values.issuer)
    .replaceAll(
      JSON.stringify(deploymentPlaceholders.scopes),
      values.scopes.map((scope) => JSON.stringify(scope)).join(','),
    )

/** The mock route for a method and path, if any (they are literal paths). */
export const matchMockRoute = (method: string, path: string): MockRoute | undefined =>
  mockRoutes.find((route) => route.method === method.toUpperCase() && route.path === path)

export interface RouteMatch {
  route: Route
  pathParameters: Record<string, string>
}

const segmentsOf = (path: string) => path.split('/').filter(Boolean)

// API Gateway prefers literal segments over `{param}` over `{proxy+}`.
const specificity = (route: Route) =>
  segmentsOf(route.path).map((segment) =>
    segment.endsWith('+}') ? 0 : segment.startsWith('{') ? 1 : 2,
  )

const bySpecificity = [...routes].sort((a, b) => {
  const [left, right] = [specificity(a), specificity(b)]
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (right[i] ?? -1) - (left[i] ?? -1)
    if (difference !== 0) return difference
  }
  return 0
})

/** Each route with its template's segments, split once, in the order routes are tried. */
const routesToTry = bySpecificity.map((route) => ({ route, segments: segmentsOf(route.path) }))

/**
 * A route's path parameters for a path's segments, or undefined when the route does not match.
 * As API Gateway's REST API hands them over: each segment as the client sent it, percent-escapes
 * kept (`weather%3Ainvoke`, a `{proxy+}` of `a/b%20c`), an encoded `%2F` inside one segment. Readers
 * decode once with lib/http/lambda-event.ts's `pathParameterOf`, on AWS and here alike.
 */
const matchSegments = (
  wanted: readonly string[],
  given: readonly string[],
): Record<string, string> | undefined => {
  const parameters: Record<string, string> = {}
  for (let index = 0; index < wanted.length; index++) {
    const segment = wanted[index] as string
    const value = given[index]
    if (segment.endsWith('+}')) {
      if (index >= given.length) return undefined
      parameters[segment.slice(1, -2)] = given.slice(index).join('/')
      return parameters
    }
    if (value === undefined) return undefined
    if (segment.startsWith('{')) parameters[segment.slice(1, -1)] = value
    else if (segment !== value) return undefined
  }
  return given.length === wanted.length ? parameters : undefined
}

/**
 * Finds the route API Gateway would pick for a request. Like API Gateway, a path
 * or method that no route serves matches nothing (API Gateway answers 403).
 */
export const matchRoute = (method: string, path: string): RouteMatch | undefined => {
  const upperMethod = method.toUpperCase()
  const given = segmentsOf(path)
  for (const { route, segments } of routesToTry) {
    if (route.method !== 'ANY' && route.method !== upperMethod) continue
    const pathParameters = matchSegments(segments, given)
    if (pathParameters) return { route, pathParameters }
  }
  return undefined
}
