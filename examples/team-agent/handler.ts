import { Logger } from '@aws-lambda-powertools/logger'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import middy from '@middy/core'
import { a2aErrors } from 'switchboard/middlewares/a2a-errors'
import { type A2ARequestContext, a2aRequest } from 'switchboard/middlewares/a2a-request'
import { agentGrant } from 'switchboard/middlewares/agent-grant'
import { jwtAuth } from 'switchboard/middlewares/jwt-auth'
import {
  DynamoPermissionStore,
  type PermissionLookupContext,
  permissionLookup,
} from 'switchboard/middlewares/permission-lookup'
import { DynamoRateLimiter, limitFor, rateLimit } from 'switchboard/middlewares/rate-limit'

// A team's own A2A agent, behind API Gateway (REST or HTTP API) or a function URL.
type TeamContext = PermissionLookupContext & A2ARequestContext

const setting = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}))
const logger = new Logger()

export const handler = middy<unknown, unknown, Error, TeamContext>()
  // Any error below answered in the caller's binding, with its id: a JWKS that cannot be
  // fetched is a 503 with Retry-After, not an error out of the handler (API Gateway's 502).
  .use(a2aErrors({ logger }))
  // 401 with WWW-Authenticate without a valid token; the token at context.jwtAuth.
  .use(
    jwtAuth({
      issuer: setting('TOKEN_ISSUER'),
      jwksUrl: setting('TOKEN_JWKS_URL'),
      scopePrefix: 'switchboard/',
      resourceUrl: setting('RESOURCE_URL'),
      errorShape: 'a2a',
      // Why a token was refused (never the token itself): the 401 does not say.
      logger,
    }),
  )
  // The scopes' grants and limits, as context.caller (cached under a second).
  .use(
    permissionLookup({
      permissions: new DynamoPermissionStore(documents, setting('PERMISSIONS_TABLE')),
      defaultRateLimit: 60,
    }),
  )
  // The A2A call (either binding) at context.a2a; 403 without a grant for its agent.
  .use(a2aRequest())
  .use(agentGrant())
  // 429 with Retry-After past the caller's requests per minute for this agent.
  .use(
    rateLimit<unknown, TeamContext>({
      limiter: new DynamoRateLimiter({
        client: documents,
        tableName: setting('RATE_LIMITS_TABLE'),
        windowSeconds: 60,
      }),
      subject: ({ context: { caller, a2a } }) => {
        const agentId = a2a.kind === 'call' ? a2a.call.agentId : a2a.agentId
        // A call's limit is its operation's scopes'; the card's, the agent's most generous.
        const limit =
          a2a.kind === 'call'
            ? limitFor(caller.limits, agentId, a2a.call.operation)
            : caller.limits[agentId]
        return { principal: caller.clientId, resource: agentId, limit: limit ?? 60 }
      },
      limitedResponse: () => ({
        statusCode: 429,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'rate limited' }),
      }),
    }),
  )
  .handler(async (_event, context) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hello: context.caller.principal, operation: context.a2a.kind }),
  }))
