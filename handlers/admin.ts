import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import httpHeaderNormalizer from '@middy/http-header-normalizer'
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda'
import * as z from 'zod'
import { adminAgentsPage } from '../lib/admin/agents-page.ts'
import { auditedChange, NothingChanged } from '../lib/admin/audit.ts'
import { auditQuerySchema } from '../lib/admin/audit-api.ts'
import { permissionsPage } from '../lib/admin/permissions-page.ts'
import { adminWiring, type IdempotentOperation } from '../lib/admin/wiring.ts'
import { cachedRevocations } from '../lib/auth/token-revocations.ts'
import { type CallerClient, clientIdSchema } from '../lib/callers/caller-registry.ts'
import {
  createClient,
  deleteClient,
  deleteScope,
  getClient,
  listClients,
  putScope,
  revokeClientTokens,
  rotateClientSecret,
  shown,
  updateClient,
  withDefinedScopes,
} from '../lib/callers/manage-callers.ts'
import { loadConfig } from '../lib/config.ts'
import { calibrateRouting } from '../lib/discovery/route-settings.ts'
import { PermissionNotFoundError } from '../lib/errors.ts'
import { gatewayBaseUrl } from '../lib/http/gateway-url.ts'
import { adminIdempotencyKeyOf } from '../lib/http/idempotency-key.ts'
import { jsonResponse } from '../lib/http/json-response.ts'
import { pathParameterOf } from '../lib/http/lambda-event.ts'
import { assertConditionsTaken, createOnlyOf, ifMatchOf } from '../lib/http/preconditions.ts'
import { singleValuedQuery } from '../lib/http/query.ts'
import { requiredBody } from '../lib/http/required-body.ts'
import { agentIdSchema, scopeSchema } from '../lib/ids.ts'
import { createLogger, requestIdPath } from '../lib/observability/logger.ts'
import { parsePermissionFor } from '../lib/permissions/permission.ts'
import { shownPermission } from '../lib/permissions/permission-etag.ts'
import { putPermission } from '../lib/permissions/put-permission.ts'
import { readPermission } from '../lib/permissions/read-permission.ts'
import { agentETagHeader, assertAgentIfMatch } from '../lib/registry/agent-etag.ts'
import type { AgentRecord } from '../lib/registry/agent-record.ts'
import {
  deleteAgent,
  existingAgent,
  patchAgent,
  registerAgent,
  registeredAgentId,
  replaceAgent,
  syncAgent,
} from '../lib/registry/register-agent.ts'
import { routes as apiRoutes } from '../lib/routes.ts'
import { accessLog } from '../middlewares/access-log.ts'
import { idempotentRequest } from '../middlewares/idempotent-request.ts'
import { jsonBody } from '../middlewares/json-body.ts'
import { noStore } from '../middlewares/no-store.ts'
import { problemDetails } from '../middlewares/problem-details.ts'
import { type TypedRoute, typedRouter } from '../middlewares/support/typed-router.ts'
import { tokenRevocation } from '../middlewares/token-revocation.ts'
import { traceContext } from '../middlewares/trace-context.ts'
import { tracedHandler } from '../middlewares/tracing.ts'
import { type CallerContext, verifiedCaller } from '../middlewares/verified-caller.ts'

const config = loadConfig()
const logger = createLogger()
const {
  registry,
  permissions,
  agentAdmin,
  keepIndexed,
  idempotencyFor,
  audit,
  auditLog,
  routeCalibration,
  callerAdmin,
  revocations,
} = adminWiring(config, logger)

type AdminHandler = TypedRoute<CallerContext>['handler']

/**
 * An admin change made inside the audit trail (auditedChange: intent first), the
 * entry taking its before and after records only, and the whole result handed
 * back, so a change whose answer holds a secret (a client's) answers it without
 * recording it. `refine` names the action or target only the change knows (a new
 * client's id).
 */
const recorded = <Change extends { before: unknown; after: unknown }>(
  event: APIGatewayProxyEvent,
  context: CallerContext,
  entry: { action: string; target: string; agentId?: string },
  change: () => Promise<Change>,
  refine: (made: Change) => { action?: string; target?: string } = () => ({}),
) =>
  auditedChange(
    audit,
    { ...entry, actor: context.caller, requestId: event.requestContext?.requestId },
    async () => {
      const made = await change()
      return { ...made, ...refine(made) }
    },
  )

/** An admin change, made and recorded in the audit trail (`recorded`), then answered. */
const audited = (
  action: string,
  target: (event: APIGatewayProxyEvent) => string,
  change: (
    event: APIGatewayProxyEvent,
    context: CallerContext,
  ) => Promise<{ before: unknown; after: unknown }>,
  respond: (after: unknown, event: APIGatewayProxyEvent) => APIGatewayProxyResult,
): AdminHandler =>
  async function auditedAdminChange(event, context) {
    const made = await recorded(event, context, { action, target: target(event) }, () =>
      change(event, context),
    )
    return respond(made.after, event)
  }

/**
 * A deleted agent taken out of every permission that names it, each permission it changed in the
 * trail as a change of its own (`permission.put`, or `permission.delete` for one left with no
 * agent), by the same actor in the same request: else the trail's last entry of a permission
 * would still name the agent.
 */
const grantsRevoked =
  (event: APIGatewayProxyEvent, context: CallerContext) => async (agentId: string) => {
    for (const read of await permissions.naming(agentId)) {
      // Intent first, as every change: a trail that cannot be written leaves the grant in place,
      // for the delete run again to take out and record.
      await recorded(
        event,
        context,
        // Found by the agent too: GET /admin/audit?agentId= lists what its delete took.
        { action: 'permission.put', target: read.scope, agentId },
        async () => {
          const change = await permissions.removeAgentFrom(read, agentId)
          // Taken out meanwhile (another delete, a PUT without it): this request changed nothing,
          // so its intent is withdrawn and no entry says otherwise.
          if (!change) throw new NothingChanged()
          return {
            before: shownPermission(change.before),
            after: change.after ? shownPermission(change.after) : null,
          }
        },
        (made) => (made.after === null ? { action: 'permission.delete' } : {}),
      ).catch((error: unknown) => {
        if (!(error instanceof NothingChanged)) throw error
      })
    }
  }

// Each decoded once (`pathParameterOf`): on AWS a `:` a client encoded comes as `%3A`.
const agentIdOf = (event: APIGatewayProxyEvent) =>
  z.object({ agentId: agentIdSchema }).parse({ agentId: pathParameterOf(event, 'agentId') }).agentId
const scopeOf = (event: APIGatewayProxyEvent) =>
  z.object({ scope: scopeSchema }).parse({ scope: pathParameterOf(event, 'scope') }).scope
const clientIdOf = (event: APIGatewayProxyEvent) =>
  z.object({ clientId: clientIdSchema }).parse({ clientId: pathParameterOf(event, 'clientId') })
    .clientId
/** The JSON body, parsed by jsonBody (API Gateway's type still says string); an empty one is a 400. */
const bodyOf = (event: APIGatewayProxyEvent): unknown => requiredBody(event.body)

/** An answer carrying the agent as stored, with its ETag (lib/registry/agent-etag.ts). */
const agentAnswer = (status: number, after: unknown, headers: Record<string, string> = {}) =>
  jsonResponse(status, after, { ...headers, ...agentETagHeader(after as AgentRecord) })

/**
 * A route an `Idempotency-Key` makes safe to retry: the same admin's same key answers the first
 * answer again. Keyed by its operation and the admin (`idempotencyFor`), so one key names one
 * request of one operation by one admin.
 */
const idempotentRoute = (action: IdempotentOperation, handler: AdminHandler) =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, CallerContext>()
    .use(idempotentRequest(idempotencyFor(action), { logger }))
    .handler(handler)

/** An audited change, made safe to retry by an `Idempotency-Key` (`idempotentRoute`). */
const idempotent = (
  action: IdempotentOperation,
  target: Parameters<typeof audited>[1],
  change: Parameters<typeof audited>[2],
  respond: Parameters<typeof audited>[3],
) => idempotentRoute(action, audited(action, target, change, respond))

const register = idempotent(
  'agent.register',
  (event) => registeredAgentId(bodyOf(event)),
  (event) => registerAgent(bodyOf(event), agentAdmin).then(keepIndexed),
  (after) =>
    agentAnswer(201, after, {
      location: `/admin/agents/${(after as { agentId: string }).agentId}`,
    }),
)

/** Calibrates /route from the catalog's examples and stores the threshold; idempotent by key too. */
const calibrate = idempotent(
  'route.calibrate',
  () => 'route-threshold',
  // The trail keeps the calibration replaced as it was stored, whichever release stored it.
  async () => {
    const { before, after } = await calibrateRouting(routeCalibration)
    return { before: before?.stored, after }
  },
  (after) => jsonResponse(200, after),
)

const routes: TypedRoute<CallerContext>[] = [
  { method: 'POST', path: '/admin/register', handler: register },
  { method: 'POST', path: '/admin/agents', handler: register },
  {
    method: 'GET',
    path: '/admin/agents',
    handler: async (event) =>
      jsonResponse(200, await adminAgentsPage(singleValuedQuery(event), registry)),
  },
  {
    method: 'GET',
    path: '/admin/agents/{agentId}',
    handler: async (event) => {
      const record = await existingAgent(agentIdOf(event), agentAdmin)
      assertAgentIfMatch(record, ifMatchOf(event))
      return agentAnswer(200, record)
    },
  },
  {
    method: 'PUT',
    path: '/admin/agents/{agentId}',
    handler: idempotent(
      'agent.replace',
      agentIdOf,
      (event) =>
        replaceAgent(agentIdOf(event), bodyOf(event), agentAdmin, ifMatchOf(event)).then(
          keepIndexed,
        ),
      (after) => agentAnswer(200, after),
    ),
  },
  {
    method: 'PATCH',
    path: '/admin/agents/{agentId}',
    handler: idempotent(
      'agent.patch',
      agentIdOf,
      (event) =>
        patchAgent(agentIdOf(event), bodyOf(event), agentAdmin, ifMatchOf(event)).then(keepIndexed),
      (after) => agentAnswer(200, after),
    ),
  },
  {
    method: 'DELETE',
    path: '/admin/agents/{agentId}',
    handler: idempotentRoute('agent.delete', async function deleteAgentAudited(event, context) {
      const agentId = agentIdOf(event)
      await recorded(event, context, { action: 'agent.delete', target: agentId }, () =>
        deleteAgent(
          agentId,
          { ...agentAdmin, revokeGrants: grantsRevoked(event, context) },
          ifMatchOf(event),
        ),
      )
      return { statusCode: 204, body: '' }
    }),
  },
  {
    method: 'POST',
    path: '/admin/agents/{agentId}/sync',
    handler: idempotent(
      'agent.sync',
      agentIdOf,
      (event) => syncAgent(agentIdOf(event), agentAdmin, ifMatchOf(event)).then(keepIndexed),
      (after) => agentAnswer(200, after),
    ),
  },
  { method: 'POST', path: '/admin/route/calibrate', handler: calibrate },
  {
    method: 'DELETE',
    path: '/admin/route/calibrate',
    // Back to ROUTE_MIN_SCORE (or the embedder's default); nothing stored is a 204 too.
    handler: audited(
      'route.calibration-remove',
      () => 'route-threshold',
      async () => ({ before: (await routeCalibration.store.remove())?.stored, after: undefined }),
      () => ({ statusCode: 204, body: '' }),
    ),
  },
  {
    method: 'GET',
    path: '/admin/permissions',
    // Each with its `etag` (a list has no header per item): send it as If-Match on its PUT or DELETE.
    handler: async (event) =>
      jsonResponse(200, await permissionsPage(singleValuedQuery(event), permissions)),
  },
  {
    method: 'GET',
    path: '/admin/permissions/{scope}',
    // One permission without paging through the list: its `etag` in the body and as ETag.
    handler: async (event) => {
      const shown = await readPermission(scopeOf(event), permissions, ifMatchOf(event))
      return jsonResponse(200, shown, { etag: shown.etag })
    },
  },
  {
    method: 'PUT',
    path: '/admin/permissions/{scope}',
    handler: idempotent(
      'permission.put',
      scopeOf,
      async (event, context) => {
        const permission = parsePermissionFor(scopeOf(event), bodyOf(event))
        // A permission for a scope no token can carry would grant nothing, and one for an agent
        // no one registered would grant whoever registers it later: said, not stored. An agent
        // deleted meanwhile is taken out again as its delete takes it out, in the trail.
        const { before, after } = await withDefinedScopes([permission.scope], callerAdmin, () =>
          putPermission(permission, {
            permissions,
            registry,
            revokeGrants: grantsRevoked(event, context),
            ifMatch: ifMatchOf(event),
            createOnly: createOnlyOf(event),
          }),
        )
        // In the trail as the API shows it, its etag in place of the store's version: an entry
        // then names the tag a later 412's currentEtag may name.
        return { before: before && shownPermission(before), after: shownPermission(after) }
      },
      (after) => jsonResponse(200, after, { etag: (after as { etag: string }).etag }),
    ),
  },
  {
    method: 'DELETE',
    path: '/admin/permissions/{scope}',
    handler: idempotent(
      'permission.delete',
      scopeOf,
      async (event) => {
        const scope = scopeOf(event)
        const before = await permissions.delete(scope, ifMatchOf(event))
        if (!before) throw new PermissionNotFoundError(scope)
        return { before: shownPermission(before), after: undefined }
      },
      () => ({ statusCode: 204, body: '' }),
    ),
  },
  {
    method: 'GET',
    path: '/admin/audit',
    handler: async (event) =>
      jsonResponse(200, await auditLog.list(auditQuerySchema.parse(singleValuedQuery(event)))),
  },
  {
    method: 'GET',
    path: '/admin/scopes',
    handler: async () => jsonResponse(200, { scopes: await callerAdmin.callers.listScopes() }),
  },
  {
    method: 'PUT',
    path: '/admin/scopes/{scope}',
    handler: async function putScopeRoute(event, context) {
      const scope = scopeOf(event)
      const change = await recorded(event, context, { action: 'scope.put', target: scope }, () =>
        putScope(scope, bodyOf(event), callerAdmin),
      )
      return jsonResponse(change.before ? 200 : 201, change.after)
    },
  },
  {
    method: 'DELETE',
    path: '/admin/scopes/{scope}',
    handler: audited(
      'scope.delete',
      scopeOf,
      (event) => deleteScope(scopeOf(event), callerAdmin),
      () => ({ statusCode: 204, body: '' }),
    ),
  },
  {
    method: 'GET',
    path: '/admin/clients',
    handler: async (event) =>
      jsonResponse(200, await listClients(singleValuedQuery(event), callerAdmin)),
  },
  {
    method: 'GET',
    path: '/admin/clients/{clientId}',
    handler: async (event) => jsonResponse(200, await getClient(clientIdOf(event), callerAdmin)),
  },
  {
    // The secret is in the answer only: the audit entry records the client without it.
    method: 'POST',
    path: '/admin/clients',
    handler: async function createClientRoute(event, context) {
      const change = await recorded(
        event,
        context,
        { action: 'client.create', target: 'a new client' },
        () => createClient(bodyOf(event), callerAdmin, adminIdempotencyKeyOf(event)),
        // A replay made no client: it gave the key's client a new secret.
        (made) => ({
          action: made.replayed ? 'client.rotate-secret' : 'client.create',
          target: made.after.clientId,
        }),
      )
      return jsonResponse(201, change.issued, {
        location: `/admin/clients/${change.after.clientId}`,
      })
    },
  },
  {
    method: 'PATCH',
    path: '/admin/clients/{clientId}',
    handler: audited(
      'client.update',
      clientIdOf,
      (event) => updateClient(clientIdOf(event), bodyOf(event), callerAdmin),
      (after) => jsonResponse(200, shown(after as CallerClient, callerAdmin)),
    ),
  },
  {
    method: 'POST',
    path: '/admin/clients/{clientId}/rotate-secret',
    handler: async function rotateSecretRoute(event, context) {
      const clientId = clientIdOf(event)
      const rotation = await recorded(
        event,
        context,
        { action: 'client.rotate-secret', target: clientId },
        () => rotateClientSecret(clientId, callerAdmin),
      )
      return jsonResponse(200, rotation.issued)
    },
  },
  {
    method: 'POST',
    path: '/admin/clients/{clientId}/revoke-tokens',
    handler: async function revokeTokensRoute(event, context) {
      const clientId = clientIdOf(event)
      const revocation = await recorded(
        event,
        context,
        { action: 'client.revoke-tokens', target: clientId },
        () => revokeClientTokens(clientId, callerAdmin),
      )
      return jsonResponse(200, {
        clientId,
        tokensIssuedBefore: new Date(revocation.issuedBefore * 1000).toISOString(),
      })
    },
  },
  {
    method: 'DELETE',
    path: '/admin/clients/{clientId}',
    handler: audited(
      'client.delete',
      clientIdOf,
      (event) => deleteClient(clientIdOf(event), callerAdmin),
      () => ({ statusCode: 204, body: '' }),
    ),
  },
]

/**
 * Each route with the conditional headers it does not evaluate refused (a 400 naming the header):
 * `If-Match` but where lib/routes.ts marks the route `etag`, `If-None-Match` on every change but
 * `*` where it marks it `createOnly`.
 */
const conditionsChecked = (table: TypedRoute<CallerContext>[]): TypedRoute<CallerContext>[] =>
  table.map((route) => {
    const marked = apiRoutes.find(
      ({ method, path }) => method === route.method && path === route.path,
    )
    const takes = { ifMatch: marked?.etag === true, createOnly: marked?.createOnly === true }
    const name = `${route.method} ${route.path}`
    return {
      ...route,
      handler: async (event, context) => {
        assertConditionsTaken(event, takes, name)
        return route.handler(event, context)
      },
    }
  })

/** Who changed or read what, for the access line: the agent named in the path or the registration. */
const access = accessLog<CallerContext>({
  logger,
  describe: ({ event, context }) => {
    const named = (event.body as { agentId?: unknown } | null)?.agentId
    return {
      principal: context.caller?.principal,
      agent: pathParameterOf(event, 'agentId') ?? (typeof named === 'string' ? named : undefined),
    }
  },
})

export const handler = middy<APIGatewayProxyEvent, unknown, Error, CallerContext>(access.plugin)
  .use(tracedHandler())
  .use(injectLambdaContext(logger, { correlationIdPath: requestIdPath }))
  .use(access.middleware)
  .use(traceContext({ logger }))
  // A new client's secret, agent configs, the audit trail: kept by no cache, error answers too.
  .use(noStore())
  .use(
    problemDetails({
      logger,
      gatewayUrl: (event) => gatewayBaseUrl(config.publicBaseUrl, event.requestContext),
    }),
  )
  .use(verifiedCaller({ requireAdmin: true }))
  .use(tokenRevocation({ issuedBefore: cachedRevocations(revocations, config.registryCacheTtlMs) }))
  // API Gateway passes header names as the client cased them.
  .use(httpHeaderNormalizer())
  .use(jsonBody())
  .handler(typedRouter(conditionsChecked(routes)))
