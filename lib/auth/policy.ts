import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import { operationNames, operations } from '../a2a/operations.ts'
import { routes } from '../routes.ts'
import type { Grants } from './grants.ts'

/**
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}` split
 * into the part every statement shares and the rest.
 */
export const parseMethodArn = (methodArn: string): { apiBase: string; method: string } => {
  const [api, stage, method] = methodArn.split('/')
  if (!/^arn:[\w-]+:execute-api:[\w-]+:\d+:\w+$/.test(api ?? '') || !stage || !method) {
    throw new Error(`not an execute-api method ARN: ${methodArn}`)
  }
  return { apiBase: `${api}/${stage}`, method }
}

export interface PolicyInput {
  methodArn: string
  principalId: string
  grants: Grants
  isAdmin: boolean
  context: Record<string, string>
}

// Every Allow names its HTTP method, never `*`: IAM's `*` also matches `/`, so
// `*/agents/weather` would cover `DELETE/admin/agents/weather`, and `*/route`
// every path that ends in `/route`.

/** Methods below `/agents/{id}/`: the card's GET and each HTTP+JSON operation's own. */
export const agentSubPathMethods = [
  ...new Set([
    'GET',
    ...operationNames.flatMap((name) =>
      [...operations[name].rest, ...(operations[name].legacyRest ?? [])].map((rest) => rest.method),
    ),
  ]),
]

/**
 * Routes any authenticated caller may use; results are filtered to its grants.
 * `/route` is an agent itself: JSON-RPC POSTed to it, its card and HTTP+JSON below it.
 */
const discoveryResources = [
  'GET/agents',
  'POST/search',
  'POST/route',
  ...agentSubPathMethods.map((method) => `${method}/route/*`),
]

/** Methods of the admin routes (lib/routes.ts). */
const adminMethods = [
  ...new Set(routes.filter((route) => route.admin).map((route) => route.method)),
]

/**
 * Paths that could name one agent and reach another (`/agents/a/../b`,
 * `/agents/a%2F..%2Fb`) are denied outright, whatever the caller holds: an
 * explicit Deny wins over every Allow, in this policy and in its cached copy.
 */
const traversalPatterns = [
  '/*/agents/*/../*',
  '/*/agents/*/..',
  '/*/agents/*/./*',
  '/*/agents/*%2F*',
  '/*/agents/*%2f*',
  '/*/agents/*%2E*',
  '/*/agents/*%2e*',
]

/**
 * Above this, a policy naming each agent risks API Gateway's limit on the size of
 * an authorizer response (the context travels in the same response).
 */
export const maxPolicyBytes = 6 * 1024

const agentResources = (apiBase: string, agentIds: readonly string[]) =>
  agentIds.flatMap((agentId) => [
    // JSON-RPC is POSTed to the agent itself.
    `${apiBase}/POST/agents/${agentId}`,
    ...agentSubPathMethods.map((method) => `${apiBase}/${method}/agents/${agentId}/*`),
  ])

/**
 * The IAM policy for a caller. It names every path the caller may use, not just
 * the requested one, because API Gateway caches it per token and evaluates it
 * against later requests. When the caller holds too many agents for that, the
 * policy is `widened` to every agent path and the handlers' grant check (which
 * always runs) is what keeps the caller to its agents.
 */
export const buildPolicy = (
  input: PolicyInput,
): { result: APIGatewayAuthorizerResult; widened: boolean } => {
  const { apiBase } = parseMethodArn(input.methodArn)
  const exact = policyWith(input, apiBase, agentResources(apiBase, Object.keys(input.grants)))
  if (JSON.stringify(exact.policyDocument).length <= maxPolicyBytes) {
    return { result: exact, widened: false }
  }
  const anyAgent = Object.keys(input.grants).length > 0 ? agentResources(apiBase, ['*']) : []
  return { result: policyWith(input, apiBase, anyAgent), widened: true }
}

const policyWith = (
  { principalId, isAdmin, context }: PolicyInput,
  apiBase: string,
  agentPaths: string[],
): APIGatewayAuthorizerResult => {
  const resources = [
    ...discoveryResources.map((path) => `${apiBase}/${path}`),
    ...agentPaths,
    ...(isAdmin ? adminMethods.map((method) => `${apiBase}/${method}/admin/*`) : []),
  ]
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources },
        {
          Action: 'execute-api:Invoke',
          Effect: 'Deny',
          Resource: traversalPatterns.map((pattern) => `${apiBase}${pattern}`),
        },
      ],
    },
    context,
  }
}
