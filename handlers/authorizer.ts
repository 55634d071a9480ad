import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda'
import { authorize } from '../lib/auth/authorize.ts'
import { createTokenVerifier } from '../lib/auth/token-verifier.ts'
import { loadConfig } from '../lib/config.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { headerOf } from '../lib/http/lambda-event.ts'
import { createLogger, requestIdPath } from '../lib/observability/logger.ts'
import { recordAuthorizerDenial, recordAuthorizerError } from '../lib/observability/metrics.ts'
import { metricsSinkFor } from '../lib/observability/metrics-sink-for.ts'
import { tracing } from '../lib/observability/tracing.ts'
import { DynamoPermissionStore } from '../lib/permissions/permission-store.ts'
import { tableName } from '../lib/tables.ts'
import { traceContext } from '../middlewares/trace-context.ts'
import { tracedHandler } from '../middlewares/tracing.ts'

const config = loadConfig()
const logger = createLogger()
const metrics = await metricsSinkFor(config)
const verifyAccessToken = createTokenVerifier({
  issuer: config.token.issuer,
  jwksUrl: config.token.jwksUrl,
  scopePrefix: config.token.scopePrefix,
  allowedClientIds: config.token.allowedClientIds,
  adminScope: config.token.adminScope,
})
const permissionStore = new DynamoPermissionStore(
  createDocumentClient(config),
  tableName('permissions', config.tablePrefix),
)
const permissions = {
  forScopes: tracing.traced('permission lookup', permissionStore.forScopes.bind(permissionStore)),
}

/**
 * REQUEST authorizer: a verified token becomes an IAM policy naming every path
 * the caller may use. A bad token is API Gateway's 401 (thrown 'Unauthorized');
 * any other failure is a 500, never a 401 that looks like bad credentials.
 */
const authorizeRequest = async (event: APIGatewayRequestAuthorizerEvent) => {
  const outcome = await authorize(
    { authorization: headerOf(event, 'authorization'), methodArn: event.methodArn },
    {
      verifyAccessToken,
      permissions,
      adminScope: config.token.adminScope,
      defaultRateLimit: config.rateLimitPerMinute,
    },
  ).catch((error: unknown) => {
    recordAuthorizerError(metrics)
    throw error
  })
  if (!outcome.allowed) {
    recordAuthorizerDenial(metrics, outcome.reason)
    logger.info('token rejected', { reason: outcome.reason, methodArn: event.methodArn })
    throw new Error('Unauthorized')
  }
  if (outcome.widened) {
    logger.warn('policy widened to every agent path; the handlers enforce the grants', {
      principal: outcome.caller.principal,
      agents: Object.keys(outcome.caller.grants).length,
    })
  }
  return outcome.result
}

export const handler = middy<APIGatewayRequestAuthorizerEvent>()
  .use(tracedHandler())
  .use(injectLambdaContext(logger, { correlationIdPath: requestIdPath }))
  .use(traceContext({ logger }))
  .handler(authorizeRequest)
