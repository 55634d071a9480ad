import * as z from 'zod'
import { adminAgentsQuerySchema } from '../admin/agents-page.ts'
import { auditPageSchema, auditQuerySchema } from '../admin/audit-api.ts'
import { permissionsQuerySchema } from '../admin/permissions-page.ts'
import {
  clientsQuerySchema,
  createClientSchema,
  scopeBodySchema,
  updateClientSchema,
} from '../callers/caller-registry.ts'
import { agentsQuerySchema } from '../discovery/list-agents.ts'
import { storedCalibrationSchema } from '../discovery/route-settings.ts'
import { searchRequestSchema } from '../discovery/search.ts'
import { agentConfigSchema, agentPatchSchema } from '../registry/agent-config.ts'
import { mockRoutes, routes } from '../routes.ts'
import {
  agentListSchema,
  agentRecordSchema,
  agentReplaceSchema,
  callerClientSchema,
  clientListSchema,
  issuedClientSchema,
  jwkSetSchema,
  listedAgentsSchema,
  permissionBodySchema,
  permissionListSchema,
  protectedResourceMetadataSchema,
  scopeDefinitionSchema,
  searchResultsSchema,
  shownPermissionSchema,
} from './schemas.ts'

/** One answer of an operation; without `body`, it has none (204). */
export interface ApiResponse {
  description: string
  body?: z.ZodType
  /** `application/json` unless said. */
  contentType?: string
  /** Headers the answer carries that a client reads, by name: what each says. */
  headers?: Record<string, string>
}

/**
 * An operation of the HTTP API as the OpenAPI document describes it. Errors
 * every operation of its kind can answer (400 for a body or query, 401 and 403
 * for a token, 500) are added by lib/openapi/document.ts; list the others here.
 */
export interface ApiOperation {
  summary: string
  description?: string
  tag: 'admin' | 'discovery' | 'health'
  /** Who may call: an admin-scoped token, any caller's token, or anyone. */
  auth: 'admin' | 'caller' | 'anonymous'
  /** The query string: an object schema, one parameter per key. */
  query?: z.ZodObject
  body?: z.ZodType
  responses: Record<number, ApiResponse>
  /**
   * Answered without asking an AWS service (a mock, this document), or answering a service's
   * failure itself (readiness): never the 503 of a service that did not answer.
   */
  awsFree?: true
  /** A HEAD: the answers of its GET, each without a body (its headers say what the GET's would be). */
  headersOnly?: true
}

const none = (description: string): ApiResponse => ({ description })
const json = (description: string, body: z.ZodType): ApiResponse => ({ description, body })
/** An answer carrying the agent as stored, and its version as the `ETag` to send back in `If-Match`. */
const agent = (description: string): ApiResponse => ({
  ...json(description, agentRecordSchema),
  headers: {
    ETag: "The agent's version, a strong entity tag: send it as `If-Match` on a change to make it only on this version",
  },
})
const notFound = none('No such agent')
const beingDeleted = 'The agent is being deleted: run DELETE again to finish it'
const changedMeanwhile =
  "Sent without If-Match (or with *): another change was written between this one's read and its write; read the agent and try again (sent with its ETag in If-Match, this is a 412)."
const unreadableCard = none(
  'The backend address, its card, the card signature or a named secret was refused; `detail` says which',
)

/** What an `Idempotency-Key` does on a change of one agent or permission. */
const replayedByKey =
  "Idempotent by the `Idempotency-Key` header, each admin's own: the same admin's key, path, body and If-Match answer the first answer again for an hour (a 422 with another); another admin's same key is their own request."

/**
 * A keyed change's own answers, with the two its `Idempotency-Key` adds (`idempotentRoute` in
 * handlers/admin.ts): a 409 while the first request still runs, a 422 for the key sent again
 * with another path, body or If-Match.
 */
const keyed = (responses: ApiOperation['responses']): ApiOperation['responses'] => {
  const or = (status: number, text: string) => {
    const own = responses[status]
    if (own) return { ...own, description: `${own.description}. Or: ${text}` }
    return none(`${text.charAt(0).toUpperCase()}${text.slice(1)}`)
  }
  return {
    ...responses,
    409: or(409, 'a request with this Idempotency-Key is still running; retry shortly'),
    422: or(422, 'the Idempotency-Key came with another path, body or If-Match'),
  }
}

/**
 * Every route of lib/routes.ts outside the A2A protocol (admin, discovery,
 * health), keyed `METHOD path` exactly as lib/routes.ts writes it. A route added
 * there without its entry here fails test/unit/openapi.test.ts. A HEAD twin
 * (`withHead` there) is not written here: it is its GET's entry, bodies dropped.
 */
const described: Record<string, ApiOperation> = {
  'POST /admin/register': {
    summary: 'Register an agent',
    description:
      "Validates the config and backend address, reads and checks the agent card, stores an inline secret in Secrets Manager, then the record. Idempotent by the `Idempotency-Key` header, each admin's own.",
    tag: 'admin',
    auth: 'admin',
    body: agentConfigSchema,
    responses: {
      201: agent('Registered; `Location` names the agent'),
      409: none(
        'An agent with this id is registered (or being deleted: run DELETE again to finish it), or a request with this Idempotency-Key is in progress',
      ),
      422: unreadableCard,
    },
  },
  'POST /admin/agents': {
    summary: 'Register an agent (same as POST /admin/register)',
    tag: 'admin',
    auth: 'admin',
    body: agentConfigSchema,
    responses: {
      201: agent('Registered; `Location` names the agent'),
      409: none(
        'An agent with this id is registered (or being deleted: run DELETE again to finish it), or a request with this Idempotency-Key is in progress',
      ),
      422: unreadableCard,
    },
  },
  'GET /admin/agents': {
    summary: 'List every agent, any status',
    description:
      'In pages: page with `limit` and the `cursor` of the page before, until a page has no `cursor`. A page holds at most `limit` records, fewer when a read of the database stops at its 1 MB or their cards would pass 5 MiB; each page is sorted by agentId.',
    tag: 'admin',
    auth: 'admin',
    query: adminAgentsQuerySchema,
    responses: { 200: json('A page of agent records', agentListSchema) },
  },
  'GET /admin/agents/{agentId}': {
    summary: 'Read an agent',
    description:
      "Its `ETag` is the agent's version: send it back as `If-Match` on PUT, PATCH, sync or DELETE, and the change is made only if no one changed the agent since (412 otherwise), so two admins editing one agent do not overwrite each other.",
    tag: 'admin',
    auth: 'admin',
    responses: {
      200: agent('The agent record (secrets by ARN only)'),
      404: notFound,
      409: none(beingDeleted),
    },
  },
  'PUT /admin/agents/{agentId}': {
    summary: "Replace an agent's config; its card is read again",
    description: replayedByKey,
    tag: 'admin',
    auth: 'admin',
    body: agentReplaceSchema,
    responses: keyed({
      200: agent('The agent as replaced'),
      404: notFound,
      409: none(`${changedMeanwhile} Or: ${beingDeleted}`),
      422: unreadableCard,
    }),
  },
  'PATCH /admin/agents/{agentId}': {
    summary: "Change an agent's status, its card's visibility, or both",
    description: replayedByKey,
    tag: 'admin',
    auth: 'admin',
    body: agentPatchSchema,
    responses: keyed({
      200: agent('The agent as changed'),
      404: notFound,
      409: none(`${changedMeanwhile} Or: ${beingDeleted}`),
      422: none('The secret the agent names no longer belongs to it'),
    }),
  },
  'DELETE /admin/agents/{agentId}': {
    summary: 'Delete an agent, its secret, its search vector and its grants',
    description: replayedByKey,
    tag: 'admin',
    auth: 'admin',
    responses: keyed({
      204: none('Deleted'),
      404: notFound,
      409: none(
        'The id was registered again while this delete ran: it stopped, leaving the new agent',
      ),
      503: none('Deleted only partly: no longer served; run DELETE again to finish'),
    }),
  },
  'POST /admin/agents/{agentId}/sync': {
    summary: "Read an agent's card again and keep what it now says",
    description: replayedByKey,
    tag: 'admin',
    auth: 'admin',
    responses: keyed({
      200: agent('The agent with its card as read now'),
      404: notFound,
      409: none(beingDeleted),
      422: unreadableCard,
    }),
  },
  'GET /admin/permissions': {
    summary: 'List every permission',
    description:
      "In pages: page with `limit` and the `cursor` of the page before, until a page has no `cursor`. A page holds at most `limit` permissions, fewer when they would pass 5 MiB; each page is sorted by scope. Each permission's `etag` is its version: send it back as `If-Match` on its PUT or DELETE, and the change is made only if no one changed the permission since (an admin, or an agent's delete taking the agent out of it; 412 otherwise).",
    tag: 'admin',
    auth: 'admin',
    query: permissionsQuerySchema,
    responses: { 200: json('A page of permissions', permissionListSchema) },
  },
  'GET /admin/permissions/{scope}': {
    summary: "Read a scope's permission",
    description:
      'As the list shows it, without paging through the list. Its `ETag` (and `etag` in the body) is its version: send it back as `If-Match` on its PUT or DELETE, and the change is made only if no one changed the permission since (412 otherwise).',
    tag: 'admin',
    auth: 'admin',
    responses: {
      200: {
        ...json('The permission as stored, with its etag', shownPermissionSchema),
        headers: {
          ETag: "The permission's version, as `etag` in the body: send it as `If-Match` on its PUT or DELETE to make the change only on this version",
        },
      },
      404: none('The scope has no permission'),
    },
  },
  'PUT /admin/permissions/{scope}': {
    summary: 'Create or replace what holders of a scope may do',
    description: `With If-Match, only if the permission is still at that version: a scope with no permission has none, so any tag (and \`*\`) is a 412 there. ${replayedByKey}`,
    tag: 'admin',
    auth: 'admin',
    body: permissionBodySchema,
    responses: keyed({
      200: {
        ...json('The permission as stored, with its new etag', shownPermissionSchema),
        headers: {
          ETag: "The permission's new version, as `etag` in the body: send it as `If-Match` on its next change to make it only on this version",
        },
      },
      422: none('Its scope is not defined, or an agent it names is not registered'),
    }),
  },
  'DELETE /admin/permissions/{scope}': {
    summary: "Remove a scope's permission",
    description: replayedByKey,
    tag: 'admin',
    auth: 'admin',
    responses: keyed({
      204: none('Removed'),
      404: none('The scope has no permission (sent with If-Match: a 412)'),
    }),
  },
  'GET /admin/audit': {
    summary: 'The audit trail: every admin change, newest first',
    description:
      'Filter by agent, by actor (a principal), or both; page with `limit` and the `cursor` of the page before, until a page has no `cursor`. A page holds at most `limit` entries, fewer when they would pass 5 MiB (an entry may hold 200 KB of records). Secrets show as "[redacted]".',
    tag: 'admin',
    auth: 'admin',
    query: auditQuerySchema,
    responses: { 200: json('A page of entries', auditPageSchema) },
  },
  'POST /admin/route/calibrate': {
    summary: "Calibrate /route's threshold from the catalog's own examples",
    description:
      "Each skill example of every active agent, embedded alone and searched against the agents built without it, is a labelled query; the threshold that routes the most of them while routing at most 10 % wrong is stored and used by /route. Embedding calls are bounded by CALIBRATION_MAX_EMBEDDINGS. Idempotent by the `Idempotency-Key` header, each admin's own.",
    tag: 'admin',
    auth: 'admin',
    responses: {
      200: json('The calibration stored, with what it measured', storedCalibrationSchema),
      422: none('Too few examples or agents to calibrate from; nothing was stored'),
      503: none('The embedder did not answer; nothing was stored'),
    },
  },
  'DELETE /admin/route/calibrate': {
    summary: "Remove /route's stored calibration",
    description:
      "/route goes back to the configured threshold (ROUTE_MIN_SCORE, else the embedder's default) once each instance's threshold cache lapses (ROUTE_THRESHOLD_CACHE_MS). A 204 whether or not a calibration was stored, so a retry is safe.",
    tag: 'admin',
    auth: 'admin',
    responses: { 204: none('Removed, or none was stored') },
  },
  'GET /admin/scopes': {
    summary: 'The scopes tokens can carry',
    description:
      "Cognito's resource server on AWS, the local identity on a laptop. A permission (`PUT /admin/permissions/{scope}`) needs its scope defined here.",
    tag: 'admin',
    auth: 'admin',
    responses: { 200: json('Every scope', z.object({ scopes: z.array(scopeDefinitionSchema) })) },
  },
  'PUT /admin/scopes/{scope}': {
    summary: 'Define a scope, or change its description',
    tag: 'admin',
    auth: 'admin',
    body: scopeBodySchema,
    responses: {
      200: json('The scope, changed', scopeDefinitionSchema),
      201: json('The scope, defined', scopeDefinitionSchema),
    },
  },
  'DELETE /admin/scopes/{scope}': {
    summary: 'Remove a scope no permission or client uses',
    tag: 'admin',
    auth: 'admin',
    responses: {
      204: none('Removed'),
      404: none('No such scope'),
      409: none(
        'The admin scope, or a scope a permission or clients still use (named in `detail`)',
      ),
    },
  },
  'GET /admin/clients': {
    summary: 'The callers: OAuth clients with the client-credentials flow',
    tag: 'admin',
    auth: 'admin',
    description:
      "In pages: page with `limit` and the `cursor` of the page before, until a page has no `cursor`. On AWS a page is one of Cognito's ListUserPoolClients pages (at most 60) with each client described, so it may hold fewer than `limit`, even none, and still have a `cursor`; on a laptop the clients come by clientId.",
    query: clientsQuerySchema,
    responses: { 200: json('A page of clients', clientListSchema) },
  },
  'POST /admin/clients': {
    summary: 'Create a caller: an OAuth client holding these scopes',
    description:
      "The answer holds the client secret, shown this once and never stored by the gateway. With an `Idempotency-Key` (each admin's own), a retry answers the same client with a new secret (the first stops working).",
    tag: 'admin',
    auth: 'admin',
    body: createClientSchema,
    responses: {
      201: json('The client and its secret', issuedClientSchema),
      409: none('A request with the same Idempotency-Key is still running'),
      422: none('A scope is not defined, or the Idempotency-Key came with another body'),
    },
  },
  'GET /admin/clients/{clientId}': {
    summary: 'One caller, without its secret',
    tag: 'admin',
    auth: 'admin',
    responses: { 200: json('The client', callerClientSchema), 404: none('No such client') },
  },
  'PATCH /admin/clients/{clientId}': {
    summary: 'Rename a caller or change its scopes',
    description:
      'A scope taken away also revokes the tokens the client was issued until then (they carry it): refused a second later.',
    tag: 'admin',
    auth: 'admin',
    body: updateClientSchema,
    responses: {
      200: json('The client, changed', callerClientSchema),
      404: none('No such client'),
      409: none('The client is managed by Terraform (`managedBy`): change it there'),
      422: none('A scope is not defined'),
      503: none(
        'The scopes changed, but the tokens issued before could not be revoked: POST …/revoke-tokens',
      ),
    },
  },
  'DELETE /admin/clients/{clientId}': {
    summary: 'Delete a caller: its credentials get no more tokens, and its tokens are refused',
    tag: 'admin',
    auth: 'admin',
    responses: {
      204: none('Deleted, its tokens revoked'),
      404: none('No such client'),
      409: none('The client is managed by Terraform (`managedBy`): delete it there'),
      503: none('Deleted, but a token issued while it ran could not be revoked: DELETE again'),
    },
  },
  'POST /admin/clients/{clientId}/revoke-tokens': {
    summary: 'Revoke every token a caller was issued until now',
    description:
      "Each handler refuses them (401 `token-revoked`) within a second; the client's credentials are unchanged, so a token it gets afterwards works. Allowed on a Terraform-managed client too (the console's signs every operator out).",
    tag: 'admin',
    auth: 'admin',
    responses: {
      200: json(
        'Tokens issued before `tokensIssuedBefore` are refused',
        z.object({ clientId: z.string(), tokensIssuedBefore: z.string() }),
      ),
      404: none('No such client'),
    },
  },
  'POST /admin/clients/{clientId}/rotate-secret': {
    summary: 'Give a caller a new secret; the old one stops getting tokens',
    tag: 'admin',
    auth: 'admin',
    responses: {
      200: json(
        'The new secret, shown this once',
        z.object({ clientId: z.string(), clientSecret: z.string() }),
      ),
      404: none('No such client'),
      409: none('The client is managed by Terraform (`managedBy`): change it there'),
    },
  },
  'GET /agents': {
    summary: "The caller's active agents, with their cards as the gateway serves them",
    description:
      'In pages, by agentId: page with `limit` and the `cursor` of the page before, until a page has no `cursor`. A page holds at most `limit` agents, fewer when some of yours are inactive or its cards would pass 5 MiB; an empty page with a cursor is not the end. Rate-limited per caller (RATE_LIMIT_PER_MINUTE, apart from /search).',
    tag: 'discovery',
    auth: 'caller',
    query: agentsQuerySchema,
    responses: {
      200: json('A page of the agents the caller may invoke', listedAgentsSchema),
      429: none('Too many listings this minute; `Retry-After` says when to retry'),
    },
  },
  'POST /search': {
    summary: "Find the caller's agents by meaning",
    tag: 'discovery',
    auth: 'caller',
    body: searchRequestSchema,
    responses: {
      200: json(
        'Best match first; fewer than `topK` when the cards would pass 5 MiB, `omittedForSize` then saying how many were left out',
        searchResultsSchema,
      ),
      422: none(
        'The embedding model refused the query as longer than it takes; send a shorter one',
      ),
      429: none('Too many searches this minute; `Retry-After` says when to retry'),
      503: none(
        'The embedder is unavailable (retry shortly), or set up wrong (the message says which)',
      ),
    },
  },
  'GET /.well-known/agent-card-jwks.json': {
    summary: 'The public keys served agent cards are signed with',
    tag: 'discovery',
    auth: 'anonymous',
    responses: {
      200: {
        description: 'The key set',
        body: jwkSetSchema,
        contentType: 'application/jwk-set+json',
      },
    },
  },
  'POST /push/{configId}': {
    summary: "Where an agent pushes a task update for a client's push config",
    description:
      'Authenticated by the per-config token the agent was handed (X-A2A-Notification-Token); queued for delivery to the client.',
    tag: 'discovery',
    auth: 'anonymous',
    body: z.looseObject({}).describe('An A2A StreamResponse (task, status or artifact update)'),
    responses: {
      202: json('Queued for delivery', z.object({ deliveryId: z.string() })),
      400: none('The body is not an A2A push'),
      401: none('Missing or wrong notification token'),
      403: none(
        "Refused, `detail` says why: the config's client had its tokens revoked since it was set (set it again), the agent is not served (inactive, deleted or registered again), the scopes the config was set with no longer grant the call that set it, or the push names a task that is not the config's or its setter's",
      ),
      404: none('No such push config'),
      413: none('The push is too large'),
    },
  },
  'GET /openapi.json': {
    summary: 'This document',
    tag: 'discovery',
    auth: 'anonymous',
    awsFree: true,
    responses: { 200: json('The OpenAPI 3.1 description of this API', z.looseObject({})) },
  },
  'GET /health': {
    summary: 'Liveness: the gateway is up and routing',
    tag: 'health',
    auth: 'anonymous',
    awsFree: true,
    responses: { 200: json('Up', z.object({ status: z.literal('ok') })) },
  },
  'GET /health/ready': {
    summary: 'Readiness: the database (and Bedrock, when it embeds) answer',
    description:
      'For load balancers and uptime checks: no token, no rate limit. Each check is bounded by READY_TIMEOUT_MS.',
    tag: 'health',
    auth: 'anonymous',
    awsFree: true,
    responses: {
      200: json(
        'Ready',
        z.object({
          status: z.literal('ready'),
          dependencies: z.record(z.string(), z.literal('ok')),
        }),
      ),
      503: none('Not ready: `failed` names the dependencies that did not answer'),
    },
  },
  'GET /.well-known/oauth-protected-resource': {
    summary: 'How a client gets a token for this gateway (RFC 9728)',
    tag: 'health',
    auth: 'anonymous',
    awsFree: true,
    responses: { 200: json('Protected resource metadata', protectedResourceMetadataSchema) },
  },
}

/** A HEAD route of lib/routes.ts: its GET's operation, answered without a body. */
const headOf = (get: ApiOperation): ApiOperation => ({
  ...get,
  summary: `${get.summary} (headers only: HEAD)`,
  headersOnly: true,
})

export const apiOperations: Record<string, ApiOperation> = {
  ...described,
  ...Object.fromEntries(
    [...routes, ...mockRoutes]
      .filter((route) => route.method === 'HEAD' && described[`GET ${route.path}`])
      .map((route) => [
        `HEAD ${route.path}`,
        headOf(described[`GET ${route.path}`] as ApiOperation),
      ]),
  ),
}
