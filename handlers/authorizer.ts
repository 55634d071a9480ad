import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda'
import { authorize } from '../lib/auth/authorize.ts'
import { createTokenVerifier } from '../lib/auth/token-verifier.ts'
import { loadConfig } from '../lib/config.ts'
import { headerOf } from '../lib/http/lambda-event.ts'
import { loadOnce } from '../lib/load-once.ts'
import { createLogger, requestIdPath } from '../lib/observability/logger.ts'
import { tracing } from '../lib/observability/tracing.ts'
import type { Permission } from '../lib/permissions/permission.ts'
import { traceContext } from '../middlewares/trace-context.ts'
import { tracedHandler } from '../middlewares/tracing.ts'

const config = loadConfig()
const logger = createLogger()
const verifyAccessToken = createTokenVerifier({
  issuer: config.token.issuer,
  jwksUrl: config.token.jwksUrl,
  scopePrefix: config.token.scopePrefix,
  allowedClientIds: config.token.allowedClientIds,
  adminScope: config.token.adminScope,
})
/**
 * The DynamoDB client and the permission store (half the bundle) load on first
 * use, not at import: a cold start pays only for what every call needs to start.
 */
const permissionStore = loadOnce(async () => {
  const [{ createDocumentClient }, { DynamoPermissionStore }, { tableName }] = await Promise.all([
    import('../lib/dynamo.ts'),
    import('../lib/permissions/permission-store.ts'),
    import('../lib/tables.ts'),
  ])
  return new DynamoPermissionStore(
    createDocumentClient(config),
    tableName('permissions', config.tablePrefix),
    // A permission a later version wrote (met after a rollback) grants nothing: say why.
    { warn: (message, details) => logger.error(message, details) },
  )
})
const permissions = {
  forScopes: tracing.traced(
    'permission lookup',
    async (scopes: readonly string[]): Promise<Permission[]> =>
      (await permissionStore()).forScopes(scopes),
  ),
}

/** Metrics are written only for a denial or an error: Powertools Metrics loads with the first. */
const metrics = loadOnce(async () => {
  const [{ recordAuthorizerDenial, recordAuthorizerError }, { metricsSinkFor }] = await Promise.all(
    [import('../lib/observability/metrics.ts'), import('../lib/observability/metrics-sink-for.ts')],
  )
  return { recordAuthorizerDenial, recordAuthorizerError, sink: await metricsSinkFor(config) }
})

/** A metric recorded best-effort: a failure to load or write one is logged, never the answer. */
const recordMetric = async (record: (loaded: Awaited<ReturnType<typeof metrics>>) => void) => {
  try {
    record(await metrics())
  } catch (error) {
    logger.warn('authorizer metric not recorded', { error })
  }
}

/**
 * REQUEST authorizer: a verified token becomes an IAM policy naming every path
 * the caller may use. A bad token is API Gateway's 401 (thrown 'Unauthorized');
 * any other failure is a 500, never a 401 that looks like bad credentials.
 */
const authorizeRequest = async (event: APIGatewayRequestAuthorizerEvent) => {
  // Loaded while the token is checked (a cold start's first call fetches the JWKS):
  // a first call waits for the slower of the two, not for both. A failed load is tried again by its use.
  permissionStore().catch(() => undefined)
  const outcome = await authorize(
    { authorization: headerOf(event, 'authorization'), methodArn: event.methodArn },
    {
      verifyAccessToken,
      permissions,
      adminScope: config.token.adminScope,
      defaultRateLimit: config.rateLimitPerMinute,
    },
  ).catch(async (error: unknown) => {
    await recordMetric(({ recordAuthorizerError, sink }) => recordAuthorizerError(sink))
    throw error
  })
  if (!outcome.allowed) {
    const { reason } = outcome
    await recordMetric(({ recordAuthorizerDenial, sink }) => recordAuthorizerDenial(sink, reason))
    // The route's template, as the access line gives it, never the path (`methodArn` holds it):
    // anyone may send a path of kilobytes with a bad token, ten times the line's usual size.
    logger.info('token rejected', {
      reason: outcome.reason,
      method: event.httpMethod,
      route: event.resource,
    })
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
