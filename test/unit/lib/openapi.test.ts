import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { agentIdPattern } from '../../../lib/ids.ts'
import { openApiDocument } from '../../../lib/openapi/document.ts'
import { apiOperations } from '../../../lib/openapi/operations.ts'
import { mockRoutes, routes } from '../../../lib/routes.ts'

const document = openApiDocument({
  baseUrl: 'https://gateway.example',
  tokenUrl: 'https://auth.example/oauth2/token',
  adminScope: 'switchboard/admin',
})
type Operation = {
  security: Record<string, string[]>[]
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }
  parameters?: { name: string; in: string; required: boolean }[]
  responses: Record<string, unknown>
}
const operation = (method: string, path: string) =>
  (document.paths[path] as Record<string, Operation> | undefined)?.[method.toLowerCase()]

/**
 * The routes the document describes: all but the A2A protocol's (the agents
 * handler) and the operator console's pages (a web app, not an API).
 */
const describedRoutes = [
  ...routes.filter((route) => route.handler !== 'agents' && route.handler !== 'console'),
  ...mockRoutes,
].map(({ method, path }) => `${method} ${path}`)

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1', async () => {
    // Act
    const validator = new Validator()
    const result = await validator.validate(document)

    // Assess
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it.each(describedRoutes)('describes %s of lib/routes.ts', (route) => {
    // Prepare
    const [method, path] = route.split(' ') as [string, string]

    // Assess
    expect(apiOperations[route], `add '${route}' to lib/openapi/operations.ts`).toBeDefined()
    expect(operation(method, path)).toBeDefined()
  })

  it('describes every admin route of lib/routes.ts, needing the admin scope', () => {
    // Prepare
    const admin = routes.filter((route) => route.admin)

    // Assess
    expect(admin.length).toBeGreaterThan(10)
    for (const { method, path } of admin) {
      expect(operation(method, path)?.security, `${method} ${path}`).toEqual([
        { oauth2: ['switchboard/admin'] },
      ])
    }
  })

  it('tells of a 503 to retry on every route that asks an AWS service, where one did not answer, beside a route’s own 503', () => {
    // Prepare
    const described = describedRoutes.map((route) => {
      const [method, path] = route.split(' ') as [string, string]
      const answers = operation(method, path)?.responses as Record<string, { description: string }>
      return [route, answers?.['503']?.description ?? ''] as const
    })

    // Assess
    const answeredWithoutAws = [
      'GET /health',
      'HEAD /health',
      'GET /openapi.json',
      'HEAD /openapi.json',
      'GET /health/ready',
      'HEAD /health/ready',
      'GET /.well-known/oauth-protected-resource',
      'HEAD /.well-known/oauth-protected-resource',
    ]
    for (const [route, description] of described) {
      if (answeredWithoutAws.includes(route)) {
        expect(description, route).not.toContain('did not answer in time or is overloaded')
      } else expect(description, route).toContain('did not answer in time or is overloaded')
    }
    expect(Object.fromEntries(described)['POST /search']).toContain('The embedder is unavailable')
  })

  it('describes HEAD on each public document as its GET, each answer without a body', () => {
    for (const path of [
      '/health',
      '/health/ready',
      '/openapi.json',
      '/.well-known/agent-card-jwks.json',
      '/.well-known/oauth-protected-resource',
    ]) {
      // Prepare
      const head = operation('HEAD', path)
      const get = operation('GET', path)

      // Assess
      expect(head?.security, path).toEqual([])
      expect(Object.keys(head?.responses ?? {}), path).toEqual(Object.keys(get?.responses ?? {}))
      for (const answer of Object.values(head?.responses ?? {})) {
        expect(answer, path).not.toHaveProperty('content')
      }
    }
  })

  it.each([
    ['PUT', '/admin/agents/{agentId}'],
    ['PATCH', '/admin/agents/{agentId}'],
    ['DELETE', '/admin/agents/{agentId}'],
    ['POST', '/admin/agents/{agentId}/sync'],
    ['PUT', '/admin/permissions/{scope}'],
    ['DELETE', '/admin/permissions/{scope}'],
  ])(
    'lists the answers an Idempotency-Key gives on %s %s: a 409 while the first runs, a 422 with another path, body or If-Match',
    (method, path) => {
      // Act
      const answers = operation(method, path)?.responses as Record<string, { description: string }>

      // Assess
      expect(answers['409']?.description).toMatch(/Idempotency-Key is still running/)
      expect(answers['422']?.description).toMatch(/Idempotency-Key came with another/)
    },
  )

  it('documents If-Match and its 412 on each route lib/routes.ts marks `etag`, If-None-Match where it marks `createOnly`, and the ETag of every answer carrying the agent', () => {
    // Prepare
    const headerParameters = (method: string, path: string) =>
      (operation(method, path)?.parameters ?? []).filter((parameter) => parameter.in === 'header')
    type Answer = { headers?: Record<string, { description: string }> }
    const answer = (method: string, path: string, status: number) =>
      operation(method, path)?.responses[status] as Answer | undefined

    // Assess: If-Match and 412 exactly where the route takes it
    const conditional = routes.filter((route) => route.etag).map((r) => `${r.method} ${r.path}`)
    expect(conditional).toEqual([
      'GET /admin/agents/{agentId}',
      'PUT /admin/agents/{agentId}',
      'PATCH /admin/agents/{agentId}',
      'DELETE /admin/agents/{agentId}',
      'POST /admin/agents/{agentId}/sync',
      'GET /admin/permissions/{scope}',
      'PUT /admin/permissions/{scope}',
      'DELETE /admin/permissions/{scope}',
    ])
    const creating = routes.filter((route) => route.createOnly).map((r) => `${r.method} ${r.path}`)
    expect(creating).toEqual(['PUT /admin/permissions/{scope}'])
    for (const route of describedRoutes) {
      const [method, path] = route.split(' ') as [string, string]
      const takes = conditional.includes(route)
      expect(headerParameters(method, path), route).toEqual([
        ...(takes ? [expect.objectContaining({ name: 'If-Match', required: false })] : []),
        ...(creating.includes(route)
          ? [expect.objectContaining({ name: 'If-None-Match', schema: expect.anything() })]
          : []),
      ])
      expect(operation(method, path)?.responses['412'] !== undefined, route).toBe(takes)
    }
    // ...and the ETag on the answers that carry the agent as stored
    for (const [method, path, status] of [
      ['POST', '/admin/register', 201],
      ['POST', '/admin/agents', 201],
      ['GET', '/admin/agents/{agentId}', 200],
      ['PUT', '/admin/agents/{agentId}', 200],
      ['PATCH', '/admin/agents/{agentId}', 200],
      ['POST', '/admin/agents/{agentId}/sync', 200],
      ['GET', '/admin/permissions/{scope}', 200],
      ['PUT', '/admin/permissions/{scope}', 200],
    ] as const) {
      expect(answer(method, path, status)?.headers?.ETag?.description, path).toMatch(/If-Match/)
    }
  })

  it("shows each permission's etag in the list, a read of one and the PUT's answer, and takes a permission sent back as read", () => {
    // Prepare
    const schemaAt = (method: string, path: string, status: number) => {
      const answer = operation(method, path)?.responses[status] as {
        content: Record<string, { schema: Record<string, unknown> }>
      }
      return answer.content['application/json']?.schema
    }
    const put = operation('PUT', '/admin/permissions/{scope}')
    const body = put?.requestBody?.content['application/json']?.schema as {
      properties: Record<string, { readOnly?: boolean }>
      additionalProperties: unknown
    }
    const listed = schemaAt('GET', '/admin/permissions', 200) as {
      properties: { permissions: { items: { $ref?: string } & Record<string, unknown> } }
    }
    const resolved = (schema: { $ref?: string } & Record<string, unknown>) =>
      (schema.$ref
        ? document.components.schemas?.[schema.$ref.split('/').pop() as string]
        : schema) as { properties: Record<string, unknown>; required: string[] }

    // Assess: the tag among each item's fields, never the store's `version`
    const item = resolved(listed.properties.permissions.items)
    expect(item.required).toContain('etag')
    expect(item.properties).not.toHaveProperty('version')
    for (const method of ['GET', 'PUT']) {
      expect(
        resolved(schemaAt(method, '/admin/permissions/{scope}', 200) as never).required,
        method,
      ).toContain('etag')
    }
    // ...and a PUT of what a read showed is no 400 (the body's fields are closed)
    expect(body.additionalProperties).toBe(false)
    expect(body.properties.etag?.readOnly).toBe(true)
    expect(body.properties.version?.readOnly).toBe(true)
  })

  it('describes no route that lib/routes.ts does not have', () => {
    // Assess
    expect(Object.keys(apiOperations).filter((key) => !describedRoutes.includes(key))).toEqual([])
  })

  it('takes requests from the zod schemas that parse them, and lists the audit query', () => {
    // Prepare
    const register = operation('POST', '/admin/register')
    const audit = operation('GET', '/admin/audit')
    const body = register?.requestBody?.content['application/json']?.schema as {
      properties: Record<string, { pattern?: string }>
      required: string[]
    }

    // Assess
    expect(body.properties.agentId?.pattern).toBe(agentIdPattern.source)
    // Defaults (status, auth, cardVisibility) make a field optional in a request.
    expect(body.required).toEqual(['agentId', 'backendUrl'])
    expect(audit?.parameters?.map(({ name, in: where }) => `${where}:${name}`)).toEqual([
      'query:agentId',
      'query:actor',
      'query:limit',
      'query:cursor',
    ])
    expect(Object.keys(audit?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400']))
    // A schema with an id (AuditEntry) is a component, referenced where it is used.
    expect(JSON.stringify(audit?.responses['200'])).toContain('"#/components/schemas/AuditEntry"')
    expect(document.components.schemas?.AuditEntry).toMatchObject({ type: 'object' })
    expect(operation('GET', '/health')?.security).toEqual([])
  })

  it('tells a client of every paged list to follow `cursor` until a page has none, since a page may hold fewer than `limit`', () => {
    // Prepare: each operation taking a cursor, and what it says of its pages
    const paged = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations as Record<string, Operation & { description?: string }>)
        .filter(([, described]) => described.parameters?.some(({ name }) => name === 'cursor'))
        .map(([method, described]) => ({
          route: `${method} ${path}`,
          says: described.description,
        })),
    )

    // Assess: a client that stops at a short page misses the rest (a page of the audit trail
    // ends before 5 MiB of entries, whatever the limit)
    expect(paged.map(({ route }) => route)).toContain('get /admin/audit')
    expect(
      paged.filter(
        ({ says }) => !says?.includes('until a page has no `cursor`') || !says.includes('fewer'),
      ),
    ).toEqual([])
  })

  it('describes a calibration’s agentVectors with the vectors not indexed told from those missing', () => {
    // Prepare
    const answer = operation('POST', '/admin/route/calibrate')?.responses[200] as {
      content: Record<string, { schema: { properties: Record<string, unknown> } }>
    }

    // Act
    const vectors = answer.content['application/json']?.schema.properties.agentVectors as {
      properties: Record<string, { type?: string; description?: string }>
    }

    // Assess: an operator told which embedded vectors a reindex mends
    expect(Object.keys(vectors.properties)).toEqual([
      'fromIndex',
      'embedded',
      'notIndexed',
      'missing',
    ])
    expect(vectors.properties.missing?.description).toContain('npm run reindex')
  })
})
