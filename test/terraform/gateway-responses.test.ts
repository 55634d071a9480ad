// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type GatewayResponseType,
  gatewayProblems,
  renderGatewayResponse,
} from '../../lib/gateway-responses.ts'
import { deploymentPlaceholders } from '../../lib/routes.ts'
import {
  type TerraformGatewayResponse,
  terraformGatewayResponsesFile,
  terraformGatewayResponsesJson,
} from '../../scripts/terraform-gateway-responses.ts'
import { compact, wholeExpression } from './support/expressions.ts'
import { blockOf, loadStack, repoRoot, rootModule, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: gateway responses', () => {
  let root: TerraformModule
  let committed: Record<string, TerraformGatewayResponse>
  beforeAll(async () => {
    root = rootModule(await loadStack())
    committed = JSON.parse(await readFile(terraformGatewayResponsesFile(repoRoot), 'utf8'))
  })
  const expressionOf = (value: unknown) => compact(wholeExpression(value) ?? String(value))

  it('has a generated/gateway-responses.json that is lib/gateway-responses.ts as it is now (npm run build rewrites it)', async () => {
    // Assess
    expect(await readFile(terraformGatewayResponsesFile(repoRoot), 'utf8')).toBe(
      terraformGatewayResponsesJson(),
    )
    expect(Object.keys(committed).sort()).toEqual(Object.keys(gatewayProblems).sort())
  })

  it.each(Object.keys(gatewayProblems) as GatewayResponseType[])(
    'configures %s with the status, headers and body the emulator renders',
    (kind) => {
      // Prepare
      const entry = committed[kind] as TerraformGatewayResponse
      const rendered = renderGatewayResponse(kind, {})

      // Assess
      expect(entry.statusCode).toBe(String(rendered.statusCode))
      expect(entry.responseParameters).toEqual(
        Object.fromEntries(
          Object.entries(rendered.headers).map(([name, value]) => [
            `gatewayresponse.header.${name}`,
            `'${value}'`,
          ]),
        ),
      )
      expect(rendered.headers['Content-Type']).toBe('application/problem+json')
      const template = entry.responseTemplates['application/json'] as string
      // With every variable empty, the template is the emulator's body, and valid problem+json.
      expect(template.replace(/\$context\.[A-Za-z0-9_.]*[A-Za-z0-9_]/g, '')).toBe(rendered.body)
      expect(JSON.parse(rendered.body)).toMatchObject({
        type: gatewayProblems[kind].type,
        title: gatewayProblems[kind].title,
        status: gatewayProblems[kind].statusCode,
      })
      expect(template).toContain('"requestId":"$context.requestId"')
    },
  )

  it('names only $context variables whose values cannot break the JSON', () => {
    // Prepare
    const safe = new Set([
      'requestId',
      'authorizer.clientId',
      'authorizer.agents',
      'authorizer.admin',
      'error.responseType',
    ])

    // Act
    const named = Object.values(committed).flatMap((entry) =>
      [
        ...(entry.responseTemplates['application/json'] ?? '').matchAll(
          /\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g,
        ),
      ].map((match) => match[1]),
    )

    // Assess
    expect(named.filter((name) => !safe.has(name as string))).toEqual([])
  })

  it('answers 401 with a Bearer challenge naming the gateway’s RFC 9728 metadata, the gateway URL rendered by Terraform', () => {
    // Prepare
    const rendered = renderGatewayResponse('UNAUTHORIZED', {}, 'https://gw.example.com/prod')

    // Assess
    expect(
      committed.UNAUTHORIZED?.responseParameters['gatewayresponse.header.WWW-Authenticate'],
    ).toBe(
      `'Bearer resource_metadata="${deploymentPlaceholders.gatewayUrl}/.well-known/oauth-protected-resource"'`,
    )
    expect(rendered.headers['WWW-Authenticate']).toBe(
      'Bearer resource_metadata="https://gw.example.com/prod/.well-known/oauth-protected-resource"',
    )
  })

  it('maps a path no route serves to a 404 problem, not API Gateway’s 403', () => {
    // Assess
    expect(committed.MISSING_AUTHENTICATION_TOKEN?.statusCode).toBe('404')
  })

  it('creates one aws_api_gateway_gateway_response per entry, reading every field from the file', () => {
    // Prepare
    const response = blockOf(root.resources, 'aws_api_gateway_gateway_response', 'problem')

    // Assess
    expect(expressionOf(root.locals.gateway_responses)).toBe(
      compact('jsondecode(file("${path.module}/generated/gateway-responses.json"))'),
    )
    expect(expressionOf(response.for_each)).toBe('local.gateway_responses')
    expect(expressionOf(response.rest_api_id)).toBe('aws_api_gateway_rest_api.gateway.id')
    expect(expressionOf(response.response_type)).toBe('each.key')
    expect(expressionOf(response.status_code)).toBe('each.value.statusCode')
    expect(expressionOf(response.response_parameters)).toBe(
      compact(
        '{ for name, value in each.value.responseParameters : name => replace(value, "{gatewayUrl}", local.gateway_url) }',
      ),
    )
    expect(expressionOf(response.response_templates)).toBe('each.value.responseTemplates')
  })

  it('redeploys the stage when a gateway response changes', () => {
    // Prepare
    const deployment = blockOf(root.resources, 'aws_api_gateway_deployment', 'gateway')

    // Assess
    expect(compact(JSON.stringify(deployment.triggers))).toContain(
      'aws_api_gateway_gateway_response.problem',
    )
    expect(compact(JSON.stringify(deployment.depends_on))).toContain(
      'aws_api_gateway_gateway_response.problem',
    )
  })
})
