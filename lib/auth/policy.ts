import type { APIGatewayAuthorizerResult } from 'aws-lambda'
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

/** Routes any authenticated caller may use; results are filtered to its grants. */
const discoveryResources = ['GET/agents']

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
 * The IAM policy for a caller. It names every path the caller may use, not just
 * the requested one, because API Gateway caches it per token and evaluates it
 * against later requests.
 */
export const buildPolicy = ({
  methodArn,
  principalId,
  grants,
  isAdmin,
  context,
}: PolicyInput): APIGatewayAuthorizerResult => {
  const { apiBase } = parseMethodArn(methodArn)
  const resources = [
    ...discoveryResources.map((path) => `${apiBase}/${path}`),
    ...Object.keys(grants).flatMap((agentId) => [
      `${apiBase}/*/agents/${agentId}`,
      `${apiBase}/*/agents/${agentId}/*`,
    ]),
    ...(isAdmin ? [`${apiBase}/*/admin/*`] : []),
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
