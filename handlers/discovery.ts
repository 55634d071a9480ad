import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import httpHeaderNormalizer from '@middy/http-header-normalizer'
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda'
import { cardJwks, cardJwksPath, cardJwksUrl, cardSigner } from '../lib/a2a/card-signer.ts'
import { revokedBeforeFor } from '../lib/auth/token-revocations.ts'
import { loadConfig } from '../lib/config.ts'
import { embedderFor, vectorIndexFor } from '../lib/discovery/adapters.ts'
import { agentsPage, type CardServing } from '../lib/discovery/list-agents.ts'
import { searchAgents } from '../lib/discovery/search.ts'
import { staleVectorsWarner } from '../lib/discovery/vector-index.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import {
  cachedCheck,
  checkReadiness,
  databaseCheck,
  embedderCheck,
  notReadyProblem,
} from '../lib/health/readiness.ts'
import { gatewayAgentUrl, gatewayBaseUrl } from '../lib/http/gateway-url.ts'
import { jsonResponse } from '../lib/http/json-response.ts'
import { pathParameterOf } from '../lib/http/lambda-event.ts'
import { problemResponse } from '../lib/http/problem.ts'
import { singleValuedQuery } from '../lib/http/query.ts'
import { requiredBody } from '../lib/http/required-body.ts'
import { createLogger, requestIdPath } from '../lib/observability/logger.ts'
import { tracing } from '../lib/observability/tracing.ts'
import { openApiDocument } from '../lib/openapi/document.ts'
import { permissionsFor } from '../lib/permissions/permission-store.ts'
import { deliveryQueueFor, pushDelivererFor } from '../lib/push/adapters.ts'
import { acceptPush } from '../lib/push/callback.ts'
import { DynamoPushConfigs } from '../lib/push/push-configs.ts'
import { rateLimiterFor } from '../lib/ratelimit/rate-limiter-for.ts'
import { cachedLookup, DynamoAgentRegistry } from '../lib/registry/agent-registry.ts'
import { gatewayKeyFor } from '../lib/signing/gateway-key-for.ts'
import { tableName } from '../lib/tables.ts'
import { DynamoTaskOwners } from '../lib/tasks/task-owners.ts'
import { accessLog } from '../middlewares/access-log.ts'
import { jsonBody } from '../middlewares/json-body.ts'
import { noStore } from '../middlewares/no-store.ts'
import { problemDetails } from '../middlewares/problem-details.ts'
import { rateLimit } from '../middlewares/rate-limit.ts'
import { refusedAs } from '../middlewares/support/refusal.ts'
import { type TypedRoute, typedRouter } from '../middlewares/support/typed-router.ts'
import { tokenRevocation } from '../middlewares/token-revocation.ts'
import { type TraceContextContext, traceContext } from '../middlewares/trace-context.ts'
import { tracedHandler } from '../middlewares/tracing.ts'
import { type CallerContext, verifiedCaller } from '../middlewares/verified-caller.ts'

const config = loadConfig()
const logger = createLogger()
const documentClient = createDocumentClient(config)
const registry = new DynamoAgentRegistry(documentClient, tableName('agents', config.tablePrefix))
const lookupAgent = tracing.traced(
  'registry lookup',
  cachedLookup(registry, config.registryCacheTtlMs),
)
const embedder = embedderFor(config)
const index = vectorIndexFor(config)
const signingKey = gatewayKeyFor(config)
const signCard = cardSigner(signingKey)
const limiter = rateLimiterFor(config, documentClient)
/** A token issued before its client's tokens were revoked is refused, within a second. */
const revokedBefore = revokedBeforeFor(config, documentClient)
/** A push config whose scopes no longer grant the call that set it takes no more pushes. */
const permissions = permissionsFor(config, documentClient)

const pushConfigs = new DynamoPushConfigs({
  client: documentClient,
  tableName: tableName('pushConfigs', config.tablePrefix),
})
const taskOwners = new DynamoTaskOwners({
  client: documentClient,
  tableName: tableName('taskOwners', config.tablePrefix),
})
/** SQS on AWS (handlers/push-delivery.ts delivers); on a laptop, delivered in this process. */
const deliveryQueue = deliveryQueueFor(config, {
  deliver: () => pushDelivererFor(config, { client: documentClient, key: signingKey }),
  onOutcome: (delivery, outcome) =>
    logger.info('push delivery', { ...outcome, delivery: delivery.deliveryId }),
  onError: (error) => logger.error('push delivery failed in the gateway', { error }),
})

/** The access line, with the caller on the routes that have one. */
const access = accessLog<CallerContext>({
  logger,
  describe: ({ context }) => ({ principal: context.caller?.principal }),
})
const publicAccess = accessLog({ logger })

/**
 * The chain of a public route (no authorizer, no caller): traced, logged with
 * the request's id and trace, one access line, errors as problem+json.
 */
const publicRoute = () =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult>(publicAccess.plugin)
    .use(tracedHandler())
    .use(injectLambdaContext(logger, { correlationIdPath: requestIdPath }))
    .use(publicAccess.middleware)
    .use(traceContext({ logger }))
    .use(problemDetails({ logger }))

const baseUrlOf = (event: APIGatewayProxyEvent) =>
  gatewayBaseUrl(config.publicBaseUrl, event.requestContext)

/**
 * Counts a discovery request against the caller's own counter for `resource`, at the default
 * limit, before any work; `resource` starts with '/', which no agent id can, so it never
 * shares a counter with an agent's calls.
 */
const perCallerLimit = (resource: '/agents' | '/search', policyName: string, counted: string) =>
  rateLimit<APIGatewayProxyEvent, CallerContext>({
    limiter,
    policyName,
    subject: ({ context }) => ({
      principal: context.caller.principal,
      resource,
      limit: config.rateLimitPerMinute,
    }),
    limitedResponse: (_request, { limit, resetSeconds }) =>
      refusedAs(
        problemResponse({
          type: 'https://switchboard.dev/problems/rate-limited',
          title: `Too many ${counted}`,
          status: 429,
          detail: `Rate limit of ${limit} ${counted} per minute reached; retry in ${resetSeconds} s.`,
        }),
        'rate-limit',
      ),
  })

/** What the gateway serves as an agent's card from here: its own face, signed. */
const cardServing = (event: APIGatewayProxyEvent): CardServing => {
  const baseUrl = baseUrlOf(event)
  return {
    gatewayFor: (agentId) => ({
      agentUrl: gatewayAgentUrl(baseUrl, agentId),
      tokenUrl: config.token.tokenUrl,
      issuer: config.token.issuer,
    }),
    signCard: (card) => signCard(card, cardJwksUrl(baseUrl)),
  }
}

/**
 * A counted route's own chain: its errors rendered in it, where its count's RateLimit headers
 * are kept (the outer chain is another request to Middy, which never sees them).
 */
const countedRoute = (limit: ReturnType<typeof perCallerLimit>) =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, CallerContext>()
    .use(problemDetails({ logger, gatewayUrl: baseUrlOf }))
    .use(limit)

/** GET /agents: a page of the caller's active agents, cards signed by the gateway. */
const listAgents = countedRoute(
  perCallerLimit('/agents', 'per-caller-list', 'agent listings'),
).handler(async (event, context) =>
  jsonResponse(
    200,
    await agentsPage(singleValuedQuery(event), context.caller.grants, {
      getAgent: lookupAgent,
      ...cardServing(event),
    }),
  ),
)

/** POST /search: the caller's agents ranked by meaning for a plain-language query. */
const search = countedRoute(perCallerLimit('/search', 'per-caller-search', 'searches')).handler(
  async (event, context) =>
    jsonResponse(
      200,
      await searchAgents(requiredBody(event.body), context.caller.grants, {
        embedder,
        index,
        getAgent: lookupAgent,
        onStaleVectors: staleVectorsWarner(logger),
        ...cardServing(event),
      }),
    ),
)

const pushCallbackRoute = '/push/{configId}'
const readyRoute = '/health/ready'
/** How long one instance trusts its last embedder check. */
const embedderCheckTtlMs = 30_000

/** What a ready gateway reaches: its database, and Bedrock when it embeds with it. */
const readinessChecks = [
  databaseCheck(documentClient, tableName('agents', config.tablePrefix)),
  // Bedrock at most every 30 s: the route is public, a probe must not spend its quota.
  ...(config.discovery.embedder === 'bedrock'
    ? [cachedCheck(embedderCheck(embedder), embedderCheckTtlMs)]
    : []),
]

/**
 * GET /health/ready: 200 when every dependency answered, else 503 naming the
 * ones that did not. No token, no rate limit (load balancers and uptime checks).
 */
const ready = publicRoute().handler(async () => {
  const readiness = await checkReadiness(readinessChecks, config.readyTimeoutMs)
  // Now's state alone: a cache in front (a CDN keeps an answer without Cache-Control for its
  // default TTL) would answer a probe with an earlier one.
  const fresh = { 'cache-control': 'no-store' }
  if (readiness.ready) {
    return jsonResponse(200, { status: 'ready', dependencies: readiness.dependencies }, fresh)
  }
  logger.error('not ready', { failures: readiness.failures, errors: readiness.errors })
  const notReady = problemResponse(notReadyProblem(readiness))
  return { ...notReady, headers: { ...notReady.headers, ...fresh } }
})

const routes: TypedRoute<CallerContext>[] = [
  { method: 'GET', path: '/agents', handler: listAgents },
  { method: 'POST', path: '/search', handler: search },
]

const callerRoutes = middy<APIGatewayProxyEvent, unknown, Error, CallerContext>(access.plugin)
  .use(tracedHandler())
  .use(injectLambdaContext(logger, { correlationIdPath: requestIdPath }))
  .use(access.middleware)
  .use(traceContext({ logger }))
  // One caller's agents and cards: kept by no cache, which could hand them to another caller.
  .use(noStore())
  .use(problemDetails({ logger, gatewayUrl: baseUrlOf }))
  .use(verifiedCaller())
  .use(tokenRevocation({ issuedBefore: revokedBefore }))
  // API Gateway passes header names as the client cased them.
  .use(httpHeaderNormalizer())
  .use(jsonBody())
  .handler(typedRouter(routes))

/** GET /.well-known/agent-card-jwks.json: the key served cards verify with. */
const cardKeys = publicRoute().handler(async () =>
  jsonResponse(200, await cardJwks(signingKey), {
    'content-type': 'application/jwk-set+json',
    'cache-control': 'public, max-age=300',
  }),
)

/**
 * POST /push/{configId}: an agent's push for a client, checked (secret, task)
 * and queued for delivery; 202 once queued.
 */
const pushCallback = publicRoute().handler(async (event) => {
  const outcome = await acceptPush(
    pathParameterOf(event, 'configId') ?? '',
    event.headers,
    event.isBase64Encoded && event.body
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body,
    {
      configs: pushConfigs,
      agents: { get: lookupAgent },
      owners: taskOwners,
      issuedBefore: revokedBefore,
      permissions,
      queue: deliveryQueue,
      issuer: baseUrlOf(event),
      callLimits: config,
    },
  )
  if (outcome.accepted) return jsonResponse(202, { deliveryId: outcome.deliveryId })
  return problemResponse({
    type: 'https://switchboard.dev/problems/push-refused',
    title: outcome.title,
    status: outcome.status,
    detail: outcome.detail,
  })
})

/** GET /openapi.json: the API's OpenAPI 3.1 document, built once per base URL from the zod schemas. */
const openApiPath = '/openapi.json'
const documents = new Map<string, string>()
const apiDocument = publicRoute().handler(async (event) => {
  const baseUrl = baseUrlOf(event)
  let body = documents.get(baseUrl)
  if (body === undefined) {
    body = JSON.stringify(
      openApiDocument({
        baseUrl,
        tokenUrl: config.token.tokenUrl,
        adminScope: `${config.token.scopePrefix}${config.token.adminScope}`,
      }),
    )
    // A stage has one or two base URLs (its domain, its execute-api URL): no need to bound it more.
    if (documents.size >= 8) documents.clear()
    documents.set(baseUrl, body)
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body,
  }
})

/**
 * The card JWKS, the OpenAPI document, the push callback and readiness are public (no authorizer,
 * no caller); every other route needs a caller. Typed like the chain it stands for: verifiedCaller
 * fills `caller` in, traceContext `trace`.
 */
export const handler = (
  event: APIGatewayProxyEvent,
  context: CallerContext & TraceContextContext,
) =>
  event.resource === cardJwksPath
    ? cardKeys(event, context)
    : event.resource === openApiPath
      ? apiDocument(event, context)
      : event.resource === pushCallbackRoute
        ? pushCallback(event, context)
        : event.resource === readyRoute
          ? ready(event, context)
          : callerRoutes(event, context)
