import * as z from 'zod'
import { agentIdSchema, scopeSchema } from '../ids.ts'
import { routes } from '../routes.ts'
import { type ApiOperation, type ApiResponse, apiOperations } from './operations.ts'
import { problemSchema } from './schemas.ts'

/** What the document says of the deployment it is served by. */
export interface ApiDeployment {
  /** The gateway's base URL (servers[0].url). */
  baseUrl: string
  /** Where clients get tokens (OAuth2 client credentials). */
  tokenUrl: string
  /** The full admin scope, e.g. `switchboard/admin`. */
  adminScope: string
}

type JsonSchema = Record<string, unknown>

/**
 * A zod schema as an OpenAPI 3.1 Schema Object (JSON Schema 2020-12): requests
 * as their parsers accept them (`input`: defaults not required), answers as the
 * gateway writes them; `.describe()` texts come along. A schema given an `id`
 * (`.meta({ id })`) becomes a component, referenced where it is used.
 */
const schemaOf = (
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, JsonSchema>,
): JsonSchema => {
  const {
    $schema: _dialect,
    $defs,
    ...json
  } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema & {
    $defs?: Record<string, JsonSchema>
  }
  // The same component read as a request and as an answer may differ (defaults): input gets a suffix.
  const name = (id: string) => (io === 'input' ? `${id}Input` : id)
  for (const [id, definition] of Object.entries($defs ?? {})) components[name(id)] = definition
  return JSON.parse(
    JSON.stringify(json).replace(/"#\/\$defs\/([^"]+)"/g, (_ref, id: string) =>
      JSON.stringify(`#/components/schemas/${name(id)}`),
    ),
  )
}

/** Path parameters by name; any other is a plain string. */
const pathParameterSchemas: Record<string, z.ZodType> = {
  agentId: agentIdSchema,
  scope: scopeSchema,
}

/** Whether the route takes `If-Match` against its resource's ETag (lib/routes.ts `etag`). */
const takesIfMatch = (method: string, path: string) =>
  routes.some((route) => route.method === method && route.path === path && route.etag)

/** Whether the route takes `If-None-Match: *`, a PUT that creates (lib/routes.ts `createOnly`). */
const createsOnly = (method: string, path: string) =>
  routes.some((route) => route.method === method && route.path === path && route.createOnly)

const ifNoneMatchParameter = {
  name: 'If-None-Match',
  in: 'header',
  required: false,
  description:
    '`*` only: the request is carried out only if there is no such resource yet, else 412 and nothing changes (RFC 9110 §13.1.2): defines one without replacing one another client defined meanwhile. Not with If-Match.',
  schema: { type: 'string', enum: ['*'] },
}

const ifMatchParameter = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description:
    'The ETag a read (or the last change) answered, quoted as it came: the request is carried out only if the resource is still at that version, else 412 and nothing changes (RFC 9110 §13.1.1). Several may be given, comma-separated; `*` only asks that it exist. Without it, as before: the last change wins.',
  schema: { type: 'string' },
}

const parametersOf = (
  method: string,
  path: string,
  operation: ApiOperation,
  components: Record<string, JsonSchema>,
) => [
  ...[...path.matchAll(/\{([^}+]+)\}/g)].map(([, name]) => ({
    name: name as string,
    in: 'path',
    required: true,
    schema: schemaOf(pathParameterSchemas[name as string] ?? z.string(), 'input', components),
  })),
  ...Object.entries(operation.query?.shape ?? {}).map(([name, field]) => {
    const { description, ...schema } = schemaOf(field as z.ZodType, 'input', components)
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema,
    }
  }),
  ...(takesIfMatch(method, path) ? [ifMatchParameter] : []),
  ...(createsOnly(method, path) ? [ifNoneMatchParameter] : []),
]

const problem = (description: string): ApiResponse => ({
  description,
  body: problemSchema,
  contentType: 'application/problem+json',
})

/** The answers every operation of its kind may give, besides its own. */
const commonResponses = (
  method: string,
  path: string,
  operation: ApiOperation,
): Record<number, ApiResponse> => {
  const common: Record<number, ApiResponse> = {}
  if (operation.body || operation.query) {
    common[400] = problem('The request is invalid; `errors` names each field and its rule')
  }
  // Every admin route refuses a conditional header it does not evaluate (lib/http/preconditions.ts).
  if (operation.auth === 'admin') {
    common[400] = problem(
      `The request is invalid; \`errors\` names each field and its rule${takesIfMatch(method, path) ? ', or If-Match is not a list of quoted entity tags (or *)' : ', or it sent If-Match, which this route does not take (its resource has no ETag)'}${method === 'GET' ? '' : createsOnly(method, path) ? ', or If-None-Match other than *, or with If-Match' : ', or If-None-Match, which no change takes'}`,
    )
  }
  if (takesIfMatch(method, path)) {
    common[412] = problem(
      `If-Match names none of the resource's current version: another change came first, and nothing was changed. \`currentEtag\` is its ETag now (none when it is gone): read it again, and send that${createsOnly(method, path) ? '. Or If-None-Match: * and there is one already, `currentEtag` its ETag' : ''}`,
    )
  }
  if (operation.body) {
    common[415] = problem(
      'The body is no JSON and says it is compressed (`Content-Encoding`): send it uncompressed',
    )
  }
  if (operation.auth !== 'anonymous') {
    common[401] = problem('No token, or an invalid or expired one')
    common[403] = problem('Not allowed')
  }
  const unavailable =
    'A service the gateway depends on (its database, a key, a secret, the embedder) did not answer in time or is overloaded: retry after `Retry-After` seconds'
  const adminChange =
    'An admin change was refused, nothing changed (retry after `Retry-After` seconds): its audit entry could not be written, or, for scopes and clients, another change held them for longer than it waits'
  if (operation.auth === 'admin' && method !== 'GET') {
    common[503] = problem(`${adminChange}; or ${unavailable}`)
  } else if (!operation.awsFree) {
    common[503] = problem(unavailable)
  }
  common[500] = problem('Unexpected error (logged; nothing more is said)')
  return common
}

/** The operation's own answers over the common ones; a 503 of its own says both. */
const answersOf = (
  method: string,
  path: string,
  operation: ApiOperation,
): Record<number, ApiResponse> => {
  const common = commonResponses(method, path, operation)
  const own = operation.responses[503]
  const merged = { ...common, ...operation.responses }
  if (own && common[503])
    merged[503] = { ...own, description: `${own.description}; or ${common[503].description}` }
  return merged
}

const responsesOf = (
  method: string,
  path: string,
  operation: ApiOperation,
  components: Record<string, JsonSchema>,
) =>
  Object.fromEntries(
    Object.entries(answersOf(method, path, operation)).map(([status, response]) => {
      // An error listed without a body is still answered as problem+json; a HEAD's answers never have one.
      const answer = operation.headersOnly
        ? { description: response.description }
        : Number(status) >= 400 && !response.body
          ? problem(response.description)
          : response
      return [
        status,
        {
          description: answer.description,
          ...(response.headers
            ? {
                headers: Object.fromEntries(
                  Object.entries(response.headers).map(([name, description]) => [
                    name,
                    { description, schema: { type: 'string' } },
                  ]),
                ),
              }
            : {}),
          ...(answer.body
            ? {
                content: {
                  [answer.contentType ?? 'application/json']: {
                    schema: schemaOf(answer.body, 'output', components),
                  },
                },
              }
            : {}),
        },
      ]
    }),
  )

const operationOf = (
  key: string,
  operation: ApiOperation,
  adminScope: string,
  components: Record<string, JsonSchema>,
) => {
  const method = key.slice(0, key.indexOf(' '))
  const path = key.slice(key.indexOf(' ') + 1)
  const parameters = parametersOf(method, path, operation, components)
  return {
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    operationId: key,
    tags: [operation.tag],
    security:
      operation.auth === 'anonymous'
        ? []
        : [{ oauth2: operation.auth === 'admin' ? [adminScope] : [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: schemaOf(operation.body, 'input', components) },
            },
          },
        }
      : {}),
    responses: responsesOf(method, path, operation, components),
  }
}

/**
 * The OpenAPI 3.1 document of the admin, discovery and health APIs, built from
 * the zod schemas that parse their requests (lib/openapi/operations.ts lists
 * them). The A2A routes are described by the A2A specification and each agent's
 * card, not here.
 *
 * @example
 * jsonResponse(200, openApiDocument({ baseUrl, tokenUrl, adminScope: 'switchboard/admin' }))
 */
export const openApiDocument = (deployment: ApiDeployment) => {
  const paths: Record<string, Record<string, unknown>> = {}
  const schemas: Record<string, JsonSchema> = {}
  for (const [key, operation] of Object.entries(apiOperations)) {
    const method = key.slice(0, key.indexOf(' ')).toLowerCase()
    const path = key.slice(key.indexOf(' ') + 1)
    paths[path] = {
      ...paths[path],
      [method]: operationOf(key, operation, deployment.adminScope, schemas),
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard',
      version: '1',
      description:
        'The admin, discovery and health APIs of a Switchboard A2A gateway. Errors are RFC 9457 application/problem+json.',
    },
    servers: [{ url: deployment.baseUrl }],
    tags: [
      { name: 'admin', description: 'Agents, permissions and the audit trail; the admin scope' },
      { name: 'discovery', description: "A caller's agents, search, card keys" },
      { name: 'health', description: 'Liveness and how to get a token' },
    ],
    paths,
    components: {
      ...(Object.keys(schemas).length > 0 ? { schemas } : {}),
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'An access token (JWT) from the OAuth2 client-credentials grant',
          flows: {
            clientCredentials: {
              tokenUrl: deployment.tokenUrl,
              scopes: { [deployment.adminScope]: 'The admin API' },
            },
          },
        },
      },
    },
  }
}
