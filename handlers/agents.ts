import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Request } from '@middy/core'
import middy from '@middy/core'
import { executionModeStreamifyResponse } from '@middy/core/StreamifyResponse'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { rewriteCard } from '../lib/a2a/card-rewrite.ts'
import { cardSigner } from '../lib/a2a/card-signer.ts'
import { renderA2AFailure } from '../lib/a2a/errors.ts'
import { cardToVersion, requestedVersion } from '../lib/a2a/versions.ts'
import { forwardReported, namingAgent } from '../lib/agents/forward.ts'
import {
  cardAnswer,
  type GatewayPlace,
  gatewayIdentity,
  signedHere,
} from '../lib/agents/presentation.ts'
import { authenticate } from '../lib/auth/authorize.ts'
import type { Caller } from '../lib/auth/caller.ts'
import { limitFor } from '../lib/auth/grants.ts'
import { isRevoked, revokedBeforeFor } from '../lib/auth/token-revocations.ts'
import { tokenVerifierOnFirstUse } from '../lib/auth/token-verifier-on-first-use.ts'
import type { StreamWithdrawal } from '../lib/backend/agent-watch.ts'
import { signingDestinations } from '../lib/backend/auth/aws-iam.ts'
import { backendCredentials } from '../lib/backend/credentials.ts'
import { guardedFetch } from '../lib/backend/guarded-fetch.ts'
import { assertSkillOf } from '../lib/backend/skill-check.ts'
import { loadConfig } from '../lib/config.ts'
import { embedderFor, vectorIndexFor } from '../lib/discovery/adapters.ts'
import { chooseAgent, routerCard } from '../lib/discovery/route.ts'
import { DynamoRouteThresholdStore, routeThresholdReader } from '../lib/discovery/route-settings.ts'
import { staleVectorsWarner } from '../lib/discovery/vector-index.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { gatewayBaseUrl } from '../lib/http/gateway-url.ts'
import { pathParameterOf } from '../lib/http/lambda-event.ts'
import { agentIdForLog } from '../lib/ids.ts'
import { callRecorder, type ForwardReport } from '../lib/observability/call-recorder.ts'
import { createLogger, requestIdPath } from '../lib/observability/logger.ts'
import { recordAgentFault, recordRefusal, recordRoute } from '../lib/observability/metrics.ts'
import { metricsSinkFor } from '../lib/observability/metrics-sink-for.ts'
import { tracing } from '../lib/observability/tracing.ts'
import { DynamoPermissionStore } from '../lib/permissions/permission-store.ts'
import { DynamoPushConfigs } from '../lib/push/push-configs.ts'
import { rateLimiterFor } from '../lib/ratelimit/rate-limiter-for.ts'
import { DynamoStreamSlots } from '../lib/ratelimit/stream-slots.ts'
import type { AgentRecord } from '../lib/registry/agent-record.ts'
import { cachedLookup, DynamoAgentRegistry, stillServed } from '../lib/registry/agent-registry.ts'
import { parseCidrs } from '../lib/registry/backend-address.ts'
import { secretStoreFor } from '../lib/secrets/secret-store-for.ts'
import { gatewayKeyFor } from '../lib/signing/gateway-key-for.ts'
import { tableName } from '../lib/tables.ts'
import { DynamoTaskOwners } from '../lib/tasks/task-owners.ts'
import { a2aErrors } from '../middlewares/a2a-errors.ts'
import { a2aOf, a2aRequest, declaredVersionIn } from '../middlewares/a2a-request.ts'
import { accessLog } from '../middlewares/access-log.ts'
import { agentGrant } from '../middlewares/agent-grant.ts'
import { type AgentLookupContext, agentLookup } from '../middlewares/agent-lookup.ts'
import { noStore } from '../middlewares/no-store.ts'
import { publicCard } from '../middlewares/public-card.ts'
import { pushCallbacks } from '../middlewares/push-callbacks.ts'
import { rateLimit } from '../middlewares/rate-limit.ts'
import { type RouteContext, routeMessage, routerRateLimit } from '../middlewares/route-message.ts'
import { streamConcurrency } from '../middlewares/stream-concurrency.ts'
import { answersWithKeptHeaders } from '../middlewares/support/answer-headers.ts'
import { concurrently, inOrder } from '../middlewares/support/concurrently.ts'
import { refusedAs } from '../middlewares/support/refusal.ts'
import { requires } from '../middlewares/support/requires.ts'
import { releaseUntakenBody } from '../middlewares/support/response-body.ts'
import {
  isAgentFault,
  type TaskOwnershipContext,
  taskOwnership,
} from '../middlewares/task-ownership.ts'
import { tokenRevocation } from '../middlewares/token-revocation.ts'
import { type TraceContextContext, traceContext } from '../middlewares/trace-context.ts'
import { tracedHandler } from '../middlewares/tracing.ts'
import { verifiedCaller } from '../middlewares/verified-caller.ts'

const config = loadConfig()
const logger = createLogger()
const metrics = await metricsSinkFor(config)
const documentClient = createDocumentClient(config)
const registry = new DynamoAgentRegistry(documentClient, tableName('agents', config.tablePrefix))
const limiter = rateLimiterFor(config, documentClient)
const streamSlots = new DynamoStreamSlots({
  client: documentClient,
  tableName: tableName('rateLimits', config.tablePrefix),
})
const taskOwners = new DynamoTaskOwners({
  client: documentClient,
  tableName: tableName('taskOwners', config.tablePrefix),
})
const pushConfigs = new DynamoPushConfigs({
  client: documentClient,
  tableName: tableName('pushConfigs', config.tablePrefix),
})
/** The registration address policy: agents, token endpoints and push webhooks alike. */
const addressPolicy = { mode: config.mode, allowed: parseCidrs(config.backendAllowedCidrs) }
/** Agents and token endpoints are called only on addresses the registration policy allows. */
const backendFetch = guardedFetch(addressPolicy)
const credentials = backendCredentials({
  secrets: secretStoreFor(config),
  fetch: backendFetch,
  tokenTimeoutMs: config.tokenFetchTimeoutMs,
  signsFor: signingDestinations(config),
})
const discovery = { embedder: embedderFor(config), index: vectorIndexFor(config) }
const cachedAgent = cachedLookup(registry, config.registryCacheTtlMs)
/** A token issued before its client's tokens were revoked is refused, within a second. */
const cachedRevocation = revokedBeforeFor(config, documentClient)
const revokedBefore = tracing.traced('token revocation lookup', cachedRevocation)
const lookupAgent = tracing.traced('registry lookup', cachedAgent)
/** /route's threshold: the calibrated one for this embedder once stored, else the configured one. */
const routeThreshold = routeThresholdReader(
  new DynamoRouteThresholdStore(documentClient, tableName('settings', config.tablePrefix)),
  {
    fallback: config.discovery.routeThreshold,
    embedder: discovery.embedder.name,
    dimension: discovery.embedder.dimension,
    ttlMs: config.discovery.routeThresholdCacheMs,
    warn: (message, details) => logger.warn(message, details),
  },
)
const permissions = new DynamoPermissionStore(
  documentClient,
  tableName('permissions', config.tablePrefix),
  { warn: (message, details) => logger.error(message, details) },
)
/**
 * The card route has no authorizer (a public card needs no token): for a granted
 * card the handler verifies the token with the authorizer's own code.
 */
const authenticationDeps = {
  verifyAccessToken: tokenVerifierOnFirstUse({
    issuer: config.token.issuer,
    jwksUrl: config.token.jwksUrl,
    scopePrefix: config.token.scopePrefix,
    allowedClientIds: config.token.allowedClientIds,
    adminScope: config.token.adminScope,
  }),
  permissions: {
    forScopes: tracing.traced('permission lookup', permissions.forScopes.bind(permissions)),
  },
  adminScope: config.token.adminScope,
  defaultRateLimit: config.rateLimitPerMinute,
}

const signCard = cardSigner(gatewayKeyFor(config))

/**
 * How the forwarded call ended, for the access line: the handler's own keys. `forwardEnded`
 * settles once the report is filled (a stream's, when its relay has closed).
 */
type ForwardedContext = { forwarded?: ForwardReport; forwardEnded?: Promise<void> }
type AgentContext = RouteContext &
  TaskOwnershipContext &
  AgentLookupContext &
  TraceContextContext &
  ForwardedContext
type AgentRequest = Request<APIGatewayProxyEvent, unknown, Error, AgentContext>

const callOf = ({ context }: AgentRequest) => {
  const a2a = a2aOf(context, 'agents handler')
  return a2a.kind === 'call' ? a2a.call : undefined
}

/** A 429 in the caller's binding and version. */
const tooMany = (request: AgentRequest, reason: 'rate-limit' | 'stream-limit', message: string) => {
  const call = callOf(request)
  return refusedAs(
    renderA2AFailure(
      { kind: 'rate-limited', message },
      call?.binding ?? 'HTTP+JSON',
      call?.jsonRpcId,
      call?.version,
    ),
    reason,
  )
}

/** "1 call", "60 calls". */
const counted = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`

const baseUrlOf = (event: APIGatewayProxyEvent) =>
  gatewayBaseUrl(config.publicBaseUrl, event.requestContext)

/** Where this request reached the gateway, and how the gateway signs what it serves. */
const placeOf = (event: APIGatewayProxyEvent): GatewayPlace => ({
  baseUrl: baseUrlOf(event),
  tokenUrl: config.token.tokenUrl,
  issuer: config.token.issuer,
  sign: signCard,
})

const serveCard = (event: APIGatewayProxyEvent, record: AgentRecord) =>
  cardAnswer(record, declaredVersionIn(event), placeOf(event))

/**
 * Why an open stream may no longer be served, asked while it is open: its agent deleted or
 * deactivated (or registered again), or the caller's token revoked since the call began.
 */
const streamWithdrawal =
  (record: AgentRecord, caller: Caller) => async (): Promise<StreamWithdrawal | undefined> => {
    const [served, issuedBefore] = await Promise.all([
      stillServed(cachedAgent, record)(),
      cachedRevocation(caller.clientId),
    ])
    if (!served) return 'agent-withdrawn'
    return isRevoked(caller, issuedBefore) ? 'token-revoked' : undefined
  }

/** What a forwarded call leaves of its function's time: its access line, metrics and end. */
const callTimeMarginMs = 10_000

/** When a forwarded call must be over (`Date.now()`), if the invocation's time is known. */
const callEndsAt = (context: Partial<Pick<AgentContext, 'getRemainingTimeInMillis'>>) =>
  typeof context.getRemainingTimeInMillis === 'function'
    ? Date.now() + context.getRemainingTimeInMillis() - callTimeMarginMs
    : undefined

/** Serves the agent's card (rewritten) or forwards the call and streams the answer back. */
const serveAgent = async (event: APIGatewayProxyEvent, context: AgentContext) => {
  const a2a = a2aOf(context, 'agents handler')
  const record = context.agent
  if (!record)
    throw new Error('agents handler: context.agent is set by agentLookup, which did not run')
  const { agentId } = record

  if (a2a.kind === 'card') return serveCard(event, record)

  const { call } = a2a
  // A method the agent has no skill for is the caller's mistake, answered before it is counted.
  if (call.skill) assertSkillOf(record, call.skill.id)
  const { principal } = context.caller
  const trace = requires(context, 'trace', 'agents handler')
  const place = placeOf(event)
  const forwarded: ForwardReport = {}
  context.forwarded = forwarded
  let reported = () => {}
  context.forwardEnded = new Promise<void>((resolve) => {
    reported = resolve
  })
  const recorded = callRecorder(
    metrics,
    { agentId, operation: call.operation, stream: call.stream },
    forwarded,
  )
  const answer = await forwardReported(
    record,
    call,
    { method: event.httpMethod, headers: event.headers, body: call.body ?? null },
    {
      credentials,
      fetch: backendFetch,
      caller: principal,
      readsAllTasks: context.taskAccess === 'all',
      task: context.task,
      gateway: gatewayIdentity(place, record, call.version),
      signCard: signedHere(place),
      defaultTimeoutMs: config.backendTimeoutMs,
      streamKeepAliveMs: config.streamKeepAliveMs,
      streamIdleTimeoutMs: config.streamIdleTimeoutMs,
      maxStreamEventBytes: config.maxStreamEventBytes,
      maxRequestBytes: config.maxRequestBytes,
      // Up to STREAM_KEEPALIVE_MS after the call's access line, maybe in a later invocation on
      // Lambda, or after other calls began in this process: the line names its call's request
      // id and trace itself (the logger's `traceId` is the last call's by then).
      onCutOff: (reason) =>
        logger.warn('agent cut off after its stream ended', {
          agentId,
          operation: call.operation,
          reason,
          callRequestId: event.requestContext.requestId,
          traceId: trace.traceId,
        }),
      // Ended before the function's time runs out, with time left to log and count it: killed
      // with the function, a stream's call would have no access line and no metric.
      endsAt: callEndsAt(context),
      // An open stream's rechecks come after the handler's segment closed: untraced.
      recheck: {
        withdrawal: streamWithdrawal(record, context.caller),
        everyMs: config.streamRecheckMs,
      },
    },
    { context: trace, tracing },
    (outcome) => {
      recorded(outcome)
      reported()
    },
  )
  // A routed call names the agent that answered.
  return context.routed ? namingAgent(answer, context.routed.agentId) : answer
}

/**
 * Who called which agent how, and how the forward ended, for the access line (parts are
 * unknown when refused early).
 */
const access = accessLog<AgentContext>({
  logger,
  describe: ({ event, context }) => {
    // Unknown when the request was refused before it was read (a 401, say).
    const a2a = context.routed || context.a2a ? a2aOf(context, 'access log') : undefined
    const agentId =
      (a2a?.kind === 'card' ? a2a.agentId : a2a?.call.agentId) ?? pathParameterOf(event, 'agentId')
    return {
      // Before the call is read, or when it could not be: who the authorizer let in, and the
      // agent the path names, so a refused request's line still says who asked which agent.
      principal: context.caller?.principal ?? event.requestContext?.authorizer?.principalId,
      // The card route's path is anyone's: an id no agent can have is cut, not echoed whole.
      agent: agentId === undefined ? undefined : agentIdForLog(agentId),
      operation: a2a?.kind === 'card' ? 'GetAgentCard' : a2a?.call.operation,
      binding: a2a?.kind === 'call' ? a2a.call.binding : undefined,
      ...context.forwarded,
    }
  },
  settled: ({ context }) => context.forwardEnded,
})

export const handler = middy<APIGatewayProxyEvent, unknown, Error, AgentContext>({
  executionMode: executionModeStreamifyResponse,
  ...access.plugin,
  // A body the runtime could not hand on (its caller gone) is destroyed before the access line
  // waits for the call to settle: that ends the agent's request and gives the stream's slot back.
  requestEnd: async (request) => {
    releaseUntakenBody(request.response)
    await access.plugin.requestEnd(request)
  },
})
  .use(tracedHandler())
  .use(injectLambdaContext(logger, { correlationIdPath: requestIdPath }))
  // First after the logger: its `after` runs last, on the answer as it goes out.
  .use(access.middleware)
  .use(traceContext({ logger }))
  // Every answer is one caller's: no cache may keep it, whatever caching an agent's answer asked
  // for, nor a browser read it as another type than it says. Before a2aErrors, so its errors too.
  .use(noStore())
  .use(a2aErrors({ logger, gatewayUrl: baseUrlOf }))
  // Read first, so that every refusal after it answers in the caller's binding, with its id.
  .use(a2aRequest({ maxBodyBytes: config.maxRequestBytes }))
  // A public card is anyone's; a granted one goes on like any call.
  .use(publicCard({ lookup: lookupAgent, serve: serveCard }))
  .use(
    verifiedCaller({
      authenticate: (authorization) => authenticate(authorization, authenticationDeps),
    }),
  )
  // Before anything counts or runs for the caller (the /route limit and its embedding, the call's
  // limit): a revoked token spends nothing of its client's. A read only on a cache miss.
  .use(tokenRevocation({ issuedBefore: revokedBefore }))
  .use(
    // Every message to /route counts before the router embeds it, routed or not.
    rateLimit<APIGatewayProxyEvent, AgentContext>({
      limiter,
      policyName: 'per-caller-route',
      subject: (request) => routerRateLimit(request, config.rateLimitPerMinute),
      limitedResponse: (request, { limit, resetSeconds }) => {
        recordRefusal(metrics, '/route', 'rate-limit')
        return tooMany(
          request,
          'rate-limit',
          `Rate limit of ${counted(limit, 'message')} per minute to /route reached; retry in ${resetSeconds} s.`,
        )
      },
    }),
  )
  // From here every answer may follow a count, so each early refusal carries the RateLimit
  // headers kept for the request (Middy runs no `after` for an early answer).
  .use(
    answersWithKeptHeaders(
      routeMessage({
        // A follow-up routed by its task counts as routed, or refused, as one routed by its text.
        tasks: {
          holdersOf: async (taskId, agentIds, principal) => {
            const holders = await taskOwners.holdersOf(
              taskId,
              agentIds,
              principal,
              async (agentId) => (await lookupAgent(agentId))?.createdAt,
            )
            recordRoute(metrics, holders.length === 1 ? holders[0] : undefined)
            return holders
          },
        },
        choose: async (text, caller) => {
          const choice = await chooseAgent(text, caller, {
            ...discovery,
            threshold: await routeThreshold(),
            isActive: async (agentId) => (await lookupAgent(agentId))?.status === 'active',
            onStaleVectors: staleVectorsWarner(logger),
          })
          recordRoute(metrics, choice.chosen?.key)
          return choice
        },
        // In the version the caller asks for, as an agent's card is.
        routerCard: (event) =>
          signedHere(placeOf(event))(
            rewriteCard(
              cardToVersion(routerCard, requestedVersion(declaredVersionIn(event)) ?? '1.0'),
              {
                agentUrl: `${baseUrlOf(event)}/route`,
                tokenUrl: config.token.tokenUrl,
                issuer: config.token.issuer,
              },
            ),
          ),
      }),
    ),
  )
  .use(answersWithKeptHeaders(agentGrant()))
  // One round trip for all three: the rate-limit write, the task-owner read and the agent record
  // (on a cache miss) go at once; the first refusal in this order answers (see "Fewer round trips
  // per call").
  .use(
    answersWithKeptHeaders(
      concurrently<APIGatewayProxyEvent, AgentContext>(
        rateLimit<APIGatewayProxyEvent, AgentContext>({
          limiter,
          // A call counts against the caller's limit on its agent; reading the card is free.
          subject: (request) => {
            const call = callOf(request)
            if (!call) return undefined
            const { caller } = request.context
            const limit =
              limitFor(caller.limits, call.agentId, call.operation) ?? config.rateLimitPerMinute
            return { principal: caller.principal, resource: call.agentId, limit }
          },
          limitedResponse: (request, { limit, resetSeconds }) => {
            recordRefusal(metrics, callOf(request)?.agentId ?? '', 'rate-limit')
            return tooMany(
              request,
              'rate-limit',
              `Rate limit of ${counted(limit, 'call')} per minute to this agent reached; retry in ${resetSeconds} s.`,
            )
          },
        }),
        taskOwnership({
          owners: taskOwners,
          registrationOf: async (agentId) => (await lookupAgent(agentId))?.createdAt,
          onError: (error) =>
            isAgentFault(error)
              ? logger.warn('agent answer withheld', { error })
              : logger.error('task ownership not recorded or checked', { error }),
          onAgentFault: (call) => recordAgentFault(metrics, call),
        }),
        agentLookup({ lookup: lookupAgent }),
      ),
    ),
  )
  // Then a stream's slot, once the call is let through: a slot held for a round trip by a call
  // the rate limit refused could refuse a stream of the same caller the cap had room for (a
  // red-team finding). Last, the push config, set only on the caller's own task and stored only
  // for a call that goes on; a webhook it refuses gives the slot back (inOrder).
  .use(
    answersWithKeptHeaders(
      inOrder<APIGatewayProxyEvent, AgentContext>(
        streamConcurrency<APIGatewayProxyEvent, AgentContext>({
          slots: streamSlots,
          subject: (request) => {
            const call = callOf(request)
            if (!call?.stream) return undefined
            const { principal } = request.context.caller
            return { principal, resource: call.agentId, limit: config.maxConcurrentStreams }
          },
          limitedResponse: (request, limit) => {
            recordRefusal(metrics, callOf(request)?.agentId ?? '', 'stream-limit')
            return tooMany(
              request,
              'stream-limit',
              `You already hold ${counted(limit, 'open stream')} to this agent; close ${limit === 1 ? 'it' : 'one'} first.`,
            )
          },
          onReleaseError: (error) => logger.warn('stream slot not released', { error }),
        }),
        pushCallbacks({
          configs: pushConfigs,
          addressPolicy,
          baseUrl: baseUrlOf,
          logger,
          maxRequestBytes: config.maxRequestBytes,
          onAgentFault: (call) => recordAgentFault(metrics, call),
        }),
      ),
    ),
  )
  .handler(serveAgent)
