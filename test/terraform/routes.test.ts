// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { mockRoutes, routes } from '../../lib/routes.ts'
import {
  type TerraformRoutes,
  terraformRoutesFile,
  terraformRoutesJson,
} from '../../scripts/terraform-routes.ts'
import { compact, resolveSimple, wholeExpression } from './support/expressions.ts'
import { blockOf, loadStack, repoRoot, rootModule, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: API routes', () => {
  let root: TerraformModule
  let committed: TerraformRoutes
  beforeAll(async () => {
    root = rootModule(await loadStack())
    committed = JSON.parse(await readFile(terraformRoutesFile(repoRoot), 'utf8'))
  })
  const resource = (type: string, name: string) => blockOf(root.resources, type, name)
  const expressionOf = (value: unknown) => compact(wholeExpression(value) ?? String(value))

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
      routes.map(({ method, path, handler, streaming, admin }) => ({
        method,
        path,
        handler,
        streaming,
        admin,
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
      compact('jsonencode(each.value.body)'),
    )
    const deployment = resource('aws_api_gateway_deployment', 'gateway')
    expect(compact(JSON.stringify(deployment.depends_on))).toContain(
      'aws_api_gateway_integration_response.mock',
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

  it('puts every route, admin routes included, behind the REQUEST authorizer', () => {
    // Prepare
    const method = resource('aws_api_gateway_method', 'route')
    const authorizer = resource('aws_api_gateway_authorizer', 'gateway')

    // Assess
    expect(expressionOf(method.for_each)).toBe('local.api_routes')
    expect(expressionOf(method.http_method)).toBe('each.value.method')
    expect(expressionOf(method.resource_id)).toBe('local.api_resource_ids[each.value.path]')
    expect(method.authorization).toBe('CUSTOM')
    expect(expressionOf(method.authorizer_id)).toBe('aws_api_gateway_authorizer.gateway.id')
    expect(authorizer.type).toBe('REQUEST')
    expect(authorizer.identity_source).toBe('method.request.header.Authorization')
    expect(expressionOf(authorizer.authorizer_uri)).toBe(
      'aws_lambda_function.handler["authorizer"].invoke_arn',
    )
    expect(resolveSimple(root, authorizer.authorizer_result_ttl_in_seconds)).toBe(300)
  })

  it('streams the streaming routes (STREAM, streaming invoke ARN, 15 minutes) and buffers the rest', () => {
    // Prepare
    const streaming = resource('aws_api_gateway_integration', 'streaming')
    const buffered = resource('aws_api_gateway_integration', 'buffered')

    // Assess
    expect(expressionOf(root.locals.streaming_routes)).toBe(
      compact('{ for key, route in local.api_routes : key => route if route.streaming }'),
    )
    expect(expressionOf(root.locals.buffered_routes)).toBe(
      compact('{ for key, route in local.api_routes : key => route if !route.streaming }'),
    )
    expect(expressionOf(streaming.for_each)).toBe('local.streaming_routes')
    expect(streaming).toMatchObject({
      type: 'AWS_PROXY',
      integration_http_method: 'POST',
      response_transfer_mode: 'STREAM',
      timeout_milliseconds: 900000,
    })
    expect(expressionOf(streaming.uri)).toBe(
      'aws_lambda_function.handler[each.value.handler].response_streaming_invoke_arn',
    )
    expect(expressionOf(buffered.for_each)).toBe('local.buffered_routes')
    expect(buffered).toMatchObject({ type: 'AWS_PROXY', response_transfer_mode: 'BUFFERED' })
    expect(expressionOf(buffered.uri)).toBe(
      'aws_lambda_function.handler[each.value.handler].invoke_arn',
    )
    // Every integration serves its route's method on its route's resource.
    for (const integration of [streaming, buffered]) {
      expect(expressionOf(integration.http_method)).toBe(
        'aws_api_gateway_method.route[each.key].http_method',
      )
      expect(expressionOf(integration.resource_id)).toBe(
        'aws_api_gateway_method.route[each.key].resource_id',
      )
    }
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
