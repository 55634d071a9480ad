// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { binaryMediaTypes } from '../../lib/http/binary-media.ts'
import { integrationTimeoutMs, mockRoutes, routes } from '../../lib/routes.ts'
import {
  type TerraformRoutes,
  terraformRoutesFile,
  terraformRoutesJson,
} from '../../scripts/terraform-routes.ts'
import { compact, resolveSimple, wholeExpression } from './support/expressions.ts'
import {
  type Body,
  blockOf,
  loadStack,
  repoRoot,
  rootModule,
  type TerraformModule,
} from './support/stack.ts'

/** The top-level items of `sha1(jsonencode([a, b, ...]))`, whitespace removed. */
const hashedItems = (trigger: string): string[] => {
  const inner = /^\$\{sha1\(jsonencode\(\[(.*)\]\)\)\}$/s.exec(trigger)?.[1]
  if (inner === undefined) throw new Error(`not sha1(jsonencode([...])): ${trigger}`)
  const items: string[] = []
  let depth = 0
  let item = ''
  for (const char of compact(inner)) {
    if ('([{'.includes(char)) depth++
    if (')]}'.includes(char)) depth--
    if (char === ',' && depth === 0) {
      items.push(item)
      item = ''
    } else item += char
  }
  if (item) items.push(item)
  return items
}

describe('Terraform stack: API routes', () => {
  let root: TerraformModule
  let committed: TerraformRoutes
  beforeAll(async () => {
    root = rootModule(await loadStack())
    committed = JSON.parse(await readFile(terraformRoutesFile(repoRoot), 'utf8'))
  })
  const resource = (type: string, name: string) => blockOf(root.resources, type, name)
  const expressionOf = (value: unknown) => compact(wholeExpression(value) ?? String(value))

  it('sets the binary media types lib/http/binary-media.ts gives the local emulator (none)', () => {
    // Prepare
    const api = resource('aws_api_gateway_rest_api', 'gateway')

    // Assess: without any, API Gateway sends a base64 body as the base64 text it is.
    expect(api.binary_media_types ?? []).toEqual(binaryMediaTypes)
  })

  it('reads the route table from terraform/generated/routes.json', () => {
    // Assess
    expect(expressionOf(root.locals.api)).toBe(
      compact('jsondecode(file("${path.module}/generated/routes.json"))'),
    )
    expect(expressionOf(root.locals.api_routes)).toBe('local.api.routes')
    expect(expressionOf(root.locals.api_resources)).toBe('local.api.resources')
  })

  it('has a generated/routes.json that is lib/routes.ts as it is now (npm run build rewrites it)', async () => {
    // Assess
    expect(await readFile(terraformRoutesFile(repoRoot), 'utf8')).toBe(terraformRoutesJson())
    expect(Object.values(committed.routes)).toEqual(
      routes.map(({ method, path, handler, streaming, admin, anonymous }) => ({
        method,
        path,
        handler,
        streaming,
        admin,
        ...(anonymous ? { anonymous } : {}),
      })),
    )
  })

  it('serves GET /health without the authorizer: a MOCK integration answering {status: ok}', () => {
    // Prepare
    const method = resource('aws_api_gateway_method', 'mock')
    const integration = resource('aws_api_gateway_integration', 'mock')
    const integrationResponse = resource('aws_api_gateway_integration_response', 'mock')

    // Assess: in routes.json as a mock route, not among the authorized ones
    expect(committed.mockRoutes['GET /health']).toEqual({
      method: 'GET',
      path: '/health',
      statusCode: 200,
      body: { status: 'ok' },
    })
    expect(Object.values(committed.mockRoutes)).toEqual(mockRoutes)
    expect(Object.keys(committed.routes)).not.toContain('GET /health')
    expect(committed.resources['/health']).toEqual({ pathPart: 'health', depth: 1, parent: '/' })
    // ...and in Terraform with no authorizer, no Lambda
    expect(expressionOf(root.locals.api_mock_routes)).toBe('local.api.mockRoutes')
    expect(expressionOf(method.for_each)).toBe('local.api_mock_routes')
    expect(method.authorization).toBe('NONE')
    expect(method).not.toHaveProperty('authorizer_id')
    expect(expressionOf(method.resource_id)).toBe('local.api_resource_ids[each.value.path]')
    expect(integration.type).toBe('MOCK')
    expect(integration).not.toHaveProperty('uri')
    expect(compact(JSON.stringify(integrationResponse.response_templates))).toContain(
      compact('local.mock_route_bodies[each.key]'),
    )
    expect(expressionOf(root.locals.mock_route_bodies)).toContain(compact('jsonencode(route.body)'))
    const deployment = resource('aws_api_gateway_deployment', 'gateway')
    expect(compact(JSON.stringify(deployment.depends_on))).toContain(
      'aws_api_gateway_integration_response.mock',
    )
  })

  it('answers HEAD on the public documents (a mock route’s, the GET’s answer; a handler’s, its GET’s handler), and HEAD on no route behind the authorizer', () => {
    // Prepare: API Gateway has no implicit HEAD; each is a method of its own.
    const heads = [...Object.values(committed.routes), ...Object.values(committed.mockRoutes)]
      .filter((route) => route.method === 'HEAD')
      .map((route) => route.path)

    // Assess
    expect(committed.mockRoutes['HEAD /health']).toEqual({
      ...committed.mockRoutes['GET /health'],
      method: 'HEAD',
    })
    expect(committed.routes['HEAD /health/ready']).toEqual({
      ...committed.routes['GET /health/ready'],
      method: 'HEAD',
    })
    expect(heads).toEqual([
      '/.well-known/agent-card-jwks.json',
      '/health/ready',
      '/openapi.json',
      '/health',
      '/.well-known/oauth-protected-resource',
    ])
    for (const path of heads) {
      const route = committed.routes[`HEAD ${path}`]
      if (route) expect(route.anonymous, path).toBe(true)
    }
  })

  it('serves the agent card without the authorizer (its handler checks tokens) and the RFC 9728 metadata as a mock route', () => {
    // Prepare
    const card = committed.routes['GET /agents/{agentId}/.well-known/agent-card.json']
    const metadata = committed.mockRoutes['GET /.well-known/oauth-protected-resource']

    // Assess: the card is the agents handler's, with no authorizer in front
    expect(card).toMatchObject({ handler: 'agents', anonymous: true })
    expect(committed.resources['/agents/{agentId}/.well-known/agent-card.json']?.depth).toBe(4)
    // ...the metadata document is answered by API Gateway, its values rendered by Terraform
    expect(metadata?.body).toMatchObject({
      resource: '{gatewayUrl}',
      authorization_servers: ['{issuer}'],
      scopes_supported: ['{scopes}'],
      bearer_methods_supported: ['header'],
    })
    const bodies = expressionOf(root.locals.mock_route_bodies)
    expect(bodies).toContain(compact('"{gatewayUrl}", local.gateway_url'))
    expect(bodies).toContain(compact('"{issuer}", local.gateway_environment.TOKEN_ISSUER'))
    expect(bodies).toContain(
      compact(
        '"\\"{scopes}\\"", join(",", [for scope in local.protected_resource_scopes : jsonencode(scope)])',
      ),
    )
    expect(expressionOf(root.locals.protected_resource_scopes)).toBe(
      compact(
        '[for scope in concat([var.admin_scope], var.client_scopes) : "${local.scope_prefix}${scope}"]',
      ),
    )
    expect(expressionOf(root.locals.gateway_url)).toBe(
      compact(
        'https://${aws_api_gateway_rest_api.gateway.id}.execute-api.${var.region}.${local.dns_suffix}/${var.stage_name}',
      ),
    )
  })

  it('builds the resource tree one depth per block, deep enough for every route', () => {
    // Prepare
    const deepest = Math.max(...Object.values(committed.resources).map((entry) => entry.depth))

    // Assess
    for (let depth = 1; depth <= deepest; depth++) {
      const block = resource('aws_api_gateway_resource', `depth_${depth}`)
      expect(expressionOf(block.for_each)).toBe(
        compact(
          `{ for path, resource in local.api_resources : path => resource if resource.depth == ${depth} }`,
        ),
      )
      expect(expressionOf(block.parent_id)).toBe(
        depth === 1
          ? 'aws_api_gateway_rest_api.gateway.root_resource_id'
          : `aws_api_gateway_resource.depth_${depth - 1}[each.value.parent].id`,
      )
      expect(expressionOf(root.locals.api_resource_ids)).toContain(
        compact(`aws_api_gateway_resource.depth_${depth} : path => resource.id`),
      )
    }
  })

  it('puts every route but the anonymous ones, admin routes included, behind the REQUEST authorizer', () => {
    // Prepare
    const method = resource('aws_api_gateway_method', 'route')
    const authorizer = resource('aws_api_gateway_authorizer', 'gateway')

    // Assess
    expect(expressionOf(method.for_each)).toBe('local.api_routes')
    expect(expressionOf(method.http_method)).toBe('each.value.method')
    expect(expressionOf(method.resource_id)).toBe('local.api_resource_ids[each.value.path]')
    expect(expressionOf(method.authorization)).toBe(
      compact('try(each.value.anonymous, false) ? "NONE" : "CUSTOM"'),
    )
    expect(expressionOf(method.authorizer_id)).toBe(
      compact('try(each.value.anonymous, false) ? null : aws_api_gateway_authorizer.gateway.id'),
    )
    expect(
      Object.values(committed.routes)
        .filter((route) => route.anonymous)
        .map((route) => `${route.method} ${route.path}`),
    ).toEqual([
      'GET /.well-known/agent-card-jwks.json',
      'HEAD /.well-known/agent-card-jwks.json',
      'POST /push/{configId}',
      'GET /health/ready',
      // Uptime monitors probe with HEAD (RFC 9110: HEAD wherever GET); no token either.
      'HEAD /health/ready',
      'GET /openapi.json',
      'HEAD /openapi.json',
      'GET /agents/{agentId}/.well-known/agent-card.json',
      // The operator console's page and files: people sign in on the page itself.
      'GET /console',
      'GET /console/{proxy+}',
    ])
    expect(authorizer.type).toBe('REQUEST')
    expect(authorizer.identity_source).toBe('method.request.header.Authorization')
    expect(expressionOf(authorizer.authorizer_uri)).toBe(
      'aws_lambda_function.handler["authorizer"].invoke_arn',
    )
    expect(resolveSimple(root, authorizer.authorizer_result_ttl_in_seconds)).toBe(300)
  })

  it('gives each route one integration, streaming (STREAM, streaming invoke ARN, 15 minutes) or buffered by the route', () => {
    // Prepare
    const integrations = Object.keys(root.resources.aws_api_gateway_integration ?? {})
    const integration = resource('aws_api_gateway_integration', 'route')

    // Assess: one block for the Lambda routes, so switching a route's mode updates
    // it in place (mock_routes.tf has its own, for routes no Lambda serves).
    expect(integrations).toEqual(['route', 'mock'])
    expect(expressionOf(integration.for_each)).toBe('local.api_routes')
    expect(integration).toMatchObject({ type: 'AWS_PROXY', integration_http_method: 'POST' })
    expect(expressionOf(integration.uri)).toBe(
      compact(
        'each.value.streaming ? aws_lambda_function.handler[each.value.handler].response_streaming_invoke_arn : aws_lambda_function.handler[each.value.handler].invoke_arn',
      ),
    )
    expect(expressionOf(integration.response_transfer_mode)).toBe(
      compact('each.value.streaming ? "STREAM" : "BUFFERED"'),
    )
    expect(expressionOf(integration.timeout_milliseconds)).toBe(
      // The local gateway gives up on a buffered handler after the same time.
      compact(
        `each.value.streaming ? ${integrationTimeoutMs.streaming} : ${integrationTimeoutMs.buffered}`,
      ),
    )
    // It serves its route's method on its route's resource.
    expect(expressionOf(integration.http_method)).toBe(
      'aws_api_gateway_method.route[each.key].http_method',
    )
    expect(expressionOf(integration.resource_id)).toBe(
      'aws_api_gateway_method.route[each.key].resource_id',
    )
  })

  it('moves a stack applied with one integration block per mode to the one block, each route from its mode', () => {
    // Prepare
    const moves = root.files.flatMap((file) => (file.json.moved ?? []) as Body[])
    const moved = moves.map((move) => ({ from: String(move.from), to: String(move.to) }))

    // Assess: every route of that time is moved, from the block of its mode.
    expect(moved.length).toBeGreaterThanOrEqual(17)
    for (const { from, to } of moved) {
      const [, mode, key] =
        /^\$\{aws_api_gateway_integration\.(streaming|buffered)\["(.+)"\]\}$/.exec(from) ?? []
      expect(key, from).toBeDefined()
      expect(to).toBe(`\${aws_api_gateway_integration.route["${key}"]}`)
      const route = committed.routes[key as string]
      if (route) expect(mode, key).toBe(route.streaming ? 'streaming' : 'buffered')
    }
  })

  it('redeploys the stage when anything it serves changes: whole methods, integrations and the authorizer are hashed', () => {
    // Prepare
    const deployment = resource('aws_api_gateway_deployment', 'gateway')
    const triggers = deployment.triggers as Record<string, unknown> | undefined
    const hashed = hashedItems(String(triggers?.redeployment))
    // Everything a deployment snapshots, in this module.
    const snapshotted = [
      'aws_api_gateway_method',
      'aws_api_gateway_integration',
      'aws_api_gateway_authorizer',
      'aws_api_gateway_gateway_response',
      'aws_api_gateway_method_response',
      'aws_api_gateway_integration_response',
      'aws_api_gateway_model',
      'aws_api_gateway_request_validator',
    ].flatMap((type) => Object.keys(root.resources[type] ?? {}).map((name) => `${type}.${name}`))

    // Assess: each whole resource (not its id), so a timeout, a transfer mode or
    // a method's authorization changes the hash; the route table covers the tree.
    expect(snapshotted.length).toBeGreaterThanOrEqual(3)
    expect(hashed).toEqual(expect.arrayContaining(['local.api', ...snapshotted]))
    expect(deployment.lifecycle).toEqual([{ create_before_destroy: true }])
  })

  it('has a function for every handler a route names', () => {
    // Assess
    const functions = Object.keys(root.locals.handlers as object)
    for (const route of routes) expect(functions).toContain(route.handler)
    expect(expressionOf(resource('aws_lambda_function', 'handler').for_each)).toBe('local.handlers')
  })

  it('serves the API from a REGIONAL endpoint (the type whose streams may idle for 5 minutes)', () => {
    // Assess
    const api = resource('aws_api_gateway_rest_api', 'gateway')
    expect(api.endpoint_configuration).toEqual([{ types: ['REGIONAL'] }])
  })
})
