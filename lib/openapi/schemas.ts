import * as z from 'zod'
import { agentCardV1Schema, agentCardV03Schema } from '../a2a/agent-card.ts'
import type { backendAuthTypes } from '../backend/auth/auth-types.ts'
import type { ScopeDefinition, ShownClient } from '../callers/caller-registry.ts'
import { permissionSchema } from '../permissions/permission.ts'
import { agentConfigSchema, agentStatuses, cardVisibilities } from '../registry/agent-config.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

/**
 * Schemas of what the API answers that no request parser needs, for the OpenAPI
 * document and the console's typed client. Requests are described by the very
 * schemas that parse them (agentConfigSchema, permissionSchema, ...); records
 * whose source of truth is a TypeScript type are held to it below at compile time.
 */

/** An RFC 9457 problem, as lib/http/problem.ts writes it. */
export const problemSchema = z.looseObject({
  type: z.string().describe('A URI naming the kind of problem'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().describe('What was wrong, in words'),
  errors: z
    .array(z.object({ field: z.string(), rule: z.string() }))
    .optional()
    .describe(
      'Per field of an invalid request (a body field, a query parameter, a header): the field and the rule it broke',
    ),
  currentEtag: z
    .string()
    .optional()
    .describe("On a 412: the resource's ETag now, the version If-Match did not name"),
})

const stored = { secretArn: z.string(), secretOwned: z.boolean() }

/** How the gateway authenticates to the backend, as the record keeps it: secrets by ARN only. */
const storedAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('api_key'), headerName: z.string(), ...stored }),
  z.object({
    type: z.literal('oauth2_client_credentials'),
    tokenUrl: z.string(),
    clientId: z.string(),
    scopes: z.array(z.string()).optional(),
    ...stored,
  }),
  z.object({ type: z.literal('aws_iam'), service: z.string(), region: z.string() }),
])

/** An agent as the registry keeps it (lib/registry/agent-record.ts). */
export const agentRecordSchema = z.object({
  agentId: z.string(),
  backendUrl: z.string(),
  agentCardUrl: z.string(),
  auth: storedAuthSchema,
  status: z.enum([...agentStatuses, 'deleting']),
  card: z.union([agentCardV1Schema, agentCardV03Schema]).describe("The backend's own card"),
  protocolVersion: z.enum(['1.0', '0.3']),
  cardVisibility: z.enum(cardVisibilities).optional(),
  timeoutMs: z.number().int().optional(),
  endpoints: z.record(z.string(), z.string()).describe('Where the backend serves each binding'),
  createdAt: z.string(),
  updatedAt: z.string(),
  indexed: z.boolean().optional(),
  retiredSecretArns: z.array(z.string()).optional(),
  routingExamples: z
    .array(z.string())
    .optional()
    .describe('Phrases users say that route to this agent (extra vectors of it)'),
})

// The schema and AgentRecord name the same fields, and every record fits the schema.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const recordFields: Same<keyof AgentRecord, keyof z.infer<typeof agentRecordSchema>> = true
const recordsFit = (record: AgentRecord): z.infer<typeof agentRecordSchema> => record
const authTypesCovered: Same<
  (typeof backendAuthTypes)[number]['type'],
  z.infer<typeof storedAuthSchema>['type']
> = true
void [recordFields, recordsFit, authTypesCovered]

/**
 * The body of PUT /admin/agents/{agentId}: a whole config, whose agentId must be
 * the path's (the server also takes it left out; a refined schema cannot be
 * made partial, so the document asks for it).
 */
export const agentReplaceSchema = agentConfigSchema

/** The body of PUT /admin/permissions/{scope}: scope may be left out; a read's etag is ignored. */
export const permissionBodySchema = permissionSchema.extend({
  scope: permissionSchema.shape.scope
    .optional()
    .describe('If given, must be the scope in the path'),
  etag: z
    .string()
    .optional()
    .meta({ readOnly: true })
    .describe(
      'The etag a read showed, so a permission read can be sent back as it is: ignored. Only the If-Match header makes the change conditional',
    ),
  version: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ readOnly: true })
    .describe('As the release before this one listed it: ignored'),
})

/** A permission as the admin API shows it: its `etag` among its fields (a list has no header per item). */
export const shownPermissionSchema = permissionSchema.extend({
  etag: z
    .string()
    .describe(
      "The permission's version, a strong entity tag: send it as If-Match on its PUT or DELETE to make the change only on this version (412 otherwise)",
    ),
})

export const agentListSchema = z.object({
  agents: z.array(agentRecordSchema),
  cursor: z.string().optional().describe('Present while more records may follow: pass it back'),
})
export const permissionListSchema = z.object({
  permissions: z.array(shownPermissionSchema),
  cursor: z.string().optional().describe('Present while more permissions may follow: pass it back'),
})

const servedCard = z
  .looseObject({})
  .describe('The agent card as the gateway serves it: rewritten to its own URL, signed')

/** GET /agents: a page of the caller's active agents. */
export const listedAgentsSchema = z.object({
  agents: z.array(z.object({ agentId: z.string(), card: servedCard })).describe('By agentId'),
  cursor: z
    .string()
    .optional()
    .describe('Present when more of your agents may follow: pass it back as `cursor`'),
})

/** POST /search: the caller's agents ranked by meaning. */
export const searchResultsSchema = z.object({
  results: z.array(z.object({ agentId: z.string(), score: z.number(), card: servedCard })),
  omittedForSize: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'Present only when the answer was cut to fit 5 MiB: how many matches, ranked below the last result, were left out because their cards would not fit (`GET /agents` serves every card, in pages)',
    ),
})

/** A JSON Web Key Set (RFC 7517). */
export const jwkSetSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string() })) })

/** RFC 9728 protected resource metadata (lib/auth/resource-metadata.ts). */
export const protectedResourceMetadataSchema = z.looseObject({
  resource: z.string(),
  authorization_servers: z.array(z.string()),
  scopes_supported: z.array(z.string()),
  bearer_methods_supported: z.array(z.string()),
  resource_name: z.string(),
})

/** A scope tokens can carry (lib/callers/caller-registry.ts ScopeDefinition). */
export const scopeDefinitionSchema = z.object({
  scope: z.string().describe('Without the resource server prefix, e.g. `weather:invoke`'),
  description: z.string(),
})

/** An OAuth client of the identity provider, never its secret (ShownClient). */
export const callerClientSchema = z.object({
  clientId: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  managedBy: z
    .literal('terraform')
    .optional()
    .describe(
      'Set on a client the Terraform stack owns (MANAGED_CLIENT_IDS): PATCH, rotate-secret and DELETE refuse it (409)',
    ),
  tokensRefused: z
    .literal(true)
    .optional()
    .describe(
      'Set on a client whose tokens the gateway refuses (401): the stack accepts only the clients it lists (restrict_client_ids), and this one is not among them until its id is added to extra_allowed_client_ids',
    ),
})

/** GET /admin/clients: a page of the callers. */
export const clientListSchema = z.object({
  clients: z.array(callerClientSchema),
  cursor: z.string().optional().describe('Present while more clients may follow: pass it back'),
})

/** A client with the secret it was just given: shown this once, never stored by the gateway. */
export const issuedClientSchema = callerClientSchema.extend({
  clientSecret: z.string().describe('Shown once; the gateway keeps no copy'),
})

// The schemas and the port's types name the same fields.
const callerFields: Same<keyof ShownClient, keyof z.infer<typeof callerClientSchema>> = true
const scopeFields: Same<keyof ScopeDefinition, keyof z.infer<typeof scopeDefinitionSchema>> = true
void [callerFields, scopeFields]
