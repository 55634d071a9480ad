/**
 * The answers API Gateway gives itself, before (or instead of) any handler: one
 * RFC 9457 problem+json shape for each gateway response type, defined once here.
 * `npm run build` writes them to `terraform/generated/gateway-responses.json` for
 * `aws_api_gateway_gateway_response`; the local emulator renders the same bodies
 * and headers from the same templates.
 *
 * API Gateway does not run gateway-response templates through VTL: it only
 * substitutes `$context.…` variables, without escaping. So a template names only
 * variables whose values cannot break the JSON: the request id, the authorizer
 * context keys `clientId` (a client id), `agents` (agent ids, `^[a-z0-9-]+$`)
 * and `admin` (`true`/`false`), and `$context.error.responseType` (an enum).
 */

import { agentSubPathMethods } from './auth/policy.ts'
import { bearerChallenge } from './auth/resource-metadata.ts'
import { deploymentPlaceholders } from './routes.ts'

export type GatewayResponseType =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'AUTHORIZER_FAILURE'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'THROTTLED'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX'

export interface GatewayProblem {
  statusCode: number
  /** Problem type URI (RFC 9457 `type`). */
  type: string
  title: string
  /** What went wrong and what to do; may name the `$context` variables above. */
  detail: string
  /**
   * Static headers beside `Content-Type`; `deploymentPlaceholders.gatewayUrl`
   * in a value is the gateway's base URL (Terraform renders it, API Gateway
   * cannot: a gateway response header is a fixed string or one request value).
   */
  headers?: Record<string, string>
}

const typeBase = 'https://switchboard.dev/problems/'

export const gatewayProblems: Readonly<Record<GatewayResponseType, GatewayProblem>> = {
  UNAUTHORIZED: {
    statusCode: 401,
    type: `${typeBase}unauthorized`,
    title: 'Unauthorized',
    detail:
      'This call needs a valid access token: send Authorization: Bearer <token> with a token from the token endpoint. The token was missing, malformed, expired, or not issued for this gateway. The WWW-Authenticate header names the protected-resource metadata of this gateway (RFC 9728), which says where tokens come from.',
    // API Gateway answers a missing token and a refused one alike, so no `error="invalid_token"`.
    headers: { 'WWW-Authenticate': bearerChallenge(deploymentPlaceholders.gatewayUrl) },
  },
  ACCESS_DENIED: {
    statusCode: 403,
    type: `${typeBase}access-denied`,
    title: 'Forbidden',
    detail:
      // The policy allows A2A's methods alone below an agent: any other is refused here, granted
      // agent or not, and no scope would change that.
      `Your token (client $context.authorizer.clientId) does not grant this method and path. It grants these agents: $context.authorizer.agents (admin: $context.authorizer.admin). Below an agent, only the methods A2A uses are served (${agentSubPathMethods.join(', ')}). Ask an operator for a scope that grants it (the agent's scope, or the admin scope for /admin), then get a fresh token.`,
  },
  MISSING_AUTHENTICATION_TOKEN: {
    statusCode: 404,
    type: `${typeBase}not-found`,
    title: 'Not found',
    detail:
      'No route serves this method and path. Agents answer at /agents/{agentId}/ (JSON-RPC: POST /agents/{agentId}); discovery at GET /agents, POST /search and /route; the admin API below /admin/. GET /openapi.json describes the admin, discovery and health APIs.',
  },
  AUTHORIZER_FAILURE: {
    statusCode: 500,
    type: `${typeBase}authorizer-failure`,
    title: 'Token check failed',
    detail:
      'The gateway could not check your token. This is not a problem with your request: retry later, and report the request id if it persists.',
  },
  AUTHORIZER_CONFIGURATION_ERROR: {
    statusCode: 500,
    type: `${typeBase}authorizer-failure`,
    title: 'Token check failed',
    detail:
      'The gateway could not check your token. This is not a problem with your request: retry later, and report the request id if it persists.',
  },
  THROTTLED: {
    statusCode: 429,
    type: `${typeBase}throttled`,
    title: 'Too many requests',
    detail:
      'The gateway as a whole is receiving more requests than its stage allows. Retry after a short pause.',
  },
  DEFAULT_4XX: {
    statusCode: 400,
    type: `${typeBase}gateway-refused`,
    title: 'Request refused by the gateway',
    detail: 'API Gateway refused this request ($context.error.responseType).',
  },
  DEFAULT_5XX: {
    statusCode: 500,
    type: `${typeBase}gateway-failed`,
    title: 'Gateway failure',
    detail:
      'API Gateway failed on this request ($context.error.responseType). Retry later, and report the request id if it persists.',
  },
}

/** The body template API Gateway fills in: problem+json plus the request id. */
export const problemTemplate = (kind: GatewayResponseType): string => {
  const { statusCode, type, title, detail } = gatewayProblems[kind]
  return JSON.stringify({
    type,
    title,
    status: statusCode,
    detail,
    requestId: '$context.requestId',
  })
}

/**
 * Every header a gateway response carries, by name: a refusal is kept by no cache (a 403 names the
 * caller's client and agents), and read as no other type.
 */
export const problemHeaders = (kind: GatewayResponseType): Record<string, string> => ({
  'Content-Type': 'application/problem+json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  ...gatewayProblems[kind].headers,
})

const contextVariable = /\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g

/**
 * What API Gateway sends for a gateway response, rendered as it does: each
 * `$context.name` replaced by its value as is (an unknown one by nothing), and
 * the gateway's base URL put in the headers as Terraform puts it (left as the
 * placeholder when not given).
 *
 * @example
 * renderGatewayResponse('UNAUTHORIZED', { requestId: 'r-1' }, 'https://gw').statusCode // 401
 */
export const renderGatewayResponse = (
  kind: GatewayResponseType,
  context: Record<string, string>,
  gatewayUrl: string = deploymentPlaceholders.gatewayUrl,
): { statusCode: number; headers: Record<string, string>; body: string } => ({
  statusCode: gatewayProblems[kind].statusCode,
  headers: Object.fromEntries(
    Object.entries(problemHeaders(kind)).map(([name, value]) => [
      name,
      value.replaceAll(deploymentPlaceholders.gatewayUrl, gatewayUrl),
    ]),
  ),
  body: problemTemplate(kind).replace(contextVariable, (_, name: string) => context[name] ?? ''),
})

/**
 * Answers API Gateway gives before any route, authorizer or gateway response
 * applies, and that cannot be customized: a body over the payload limit
 * (REQUEST_TOO_LARGE is documented as not customizable; the same answer when
 * the event is over Lambda's, `maxInvocationPayloadBytes`) and a request path
 * with a malformed percent-escape.
 */
export const frontDoorAnswers = {
  tooLarge: { statusCode: 413, body: { message: 'Request Too Long' } },
  malformedPath: { statusCode: 400, body: { message: 'Bad Request' } },
} as const

/** API Gateway's limit on a REST API request body: 10 MB. */
export const maxRequestBodyBytes = 10 * 1024 * 1024

/**
 * Lambda's limit on a synchronous or streamed invocation's request, 6 MB, counted on the whole
 * event as JSON: the body as a JSON string (a quote or a backslash counts twice, a control
 * character six times), the headers twice (`headers` and `multiValueHeaders`) and the request
 * context. A larger request never reaches the handler: API Gateway answers it with
 * `frontDoorAnswers.tooLarge`, as for a body over its own 10 MB.
 */
export const maxInvocationPayloadBytes = 6 * 1024 * 1024
