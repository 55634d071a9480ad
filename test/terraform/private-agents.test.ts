// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { compact, wholeExpression } from './support/expressions.ts'
import { type PolicyStatement, policyStatements } from './support/iam.ts'
import {
  type Body,
  blockOf,
  loadStack,
  nested,
  repoRoot,
  rootModule,
  type TerraformModule,
} from './support/stack.ts'

/** An expression's text without whitespace or trailing commas, for comparing spellings. */
const expression = (value: unknown) =>
  compact(wholeExpression(value) ?? String(value)).replace(/,([)\]}])/g, '$1')

/** The regular expression a variable's validation applies to each element (`regex("...", x)`). */
const validationPattern = (variable: Body): RegExp => {
  const condition = nested(variable, 'validation')
    .map((validation) => String(validation.condition))
    .find((text) => text.includes('regex('))
  const quoted = /regex\("((?:[^"\\]|\\.)*)"/.exec(condition ?? '')?.[1]
  if (!quoted) throw new Error('no regex() in the validations')
  return new RegExp(JSON.parse(`"${quoted}"`))
}

describe('Terraform stack: private agents (issue 13)', () => {
  let modules: TerraformModule[]
  let root: TerraformModule
  let samples: TerraformModule
  let statements: PolicyStatement[]
  beforeAll(async () => {
    modules = await loadStack()
    root = rootModule(modules)
    const found = modules.find(({ dir }) => dir === 'terraform/modules/sample-agents')
    if (!found) throw new Error('no terraform/modules/sample-agents')
    samples = found
    statements = policyStatements(modules)
  })
  const actionsOf = (statement: PolicyStatement) => (statement.body.actions as string[]) ?? []
  const granting = (action: string) =>
    statements.filter((statement) => actionsOf(statement).includes(action))

  it('leaves no public function URL: every one is AWS_IAM, and no Lambda permission is for "*" or NONE', () => {
    // Prepare
    const urls = modules.flatMap((module) =>
      Object.entries(module.resources.aws_lambda_function_url ?? {}).map(([name, [body]]) => ({
        where: `${module.dir}: aws_lambda_function_url.${name}`,
        type: body?.authorization_type,
      })),
    )
    const permissions = modules.flatMap((module) =>
      Object.entries(module.resources.aws_lambda_permission ?? {}).map(([name, [body]]) => ({
        where: `${module.dir}: aws_lambda_permission.${name}`,
        body: body ?? {},
      })),
    )
    const spelledNone = modules.flatMap((module) =>
      module.files
        .filter((file) => /authorization_type\s*=\s*"NONE"/.test(file.text))
        .map((file) => file.path),
    )

    // Assess
    expect(urls.length).toBeGreaterThan(0)
    expect(urls.filter(({ type }) => type !== 'AWS_IAM')).toEqual([])
    expect(spelledNone).toEqual([])
    expect(
      permissions
        .filter(({ body }) => body.principal === '*' || body.function_url_auth_type === 'NONE')
        .map(({ where }) => where),
    ).toEqual([])
  })

  it("lets only the gateway's agents and admin roles call the sample agents' URLs: InvokeFunctionUrl for AWS_IAM, InvokeFunction only through the URL", () => {
    // Prepare
    const url = blockOf(samples.resources, 'aws_lambda_permission', 'url')
    const invoke = blockOf(samples.resources, 'aws_lambda_permission', 'url_invoke')
    const call = root.modules.sample_agents ?? {}

    // Assess: one statement per agent and gateway role, naming that role.
    for (const permission of [url, invoke]) {
      expect(permission.for_each).toBe('${local.agent_invokers}')
      expect(permission.principal).toBe('${var.gateway_role_arns[each.value.role]}')
    }
    expect(url).toMatchObject({
      action: 'lambda:InvokeFunctionUrl',
      function_url_auth_type: 'AWS_IAM',
    })
    expect(invoke).toMatchObject({
      action: 'lambda:InvokeFunction',
      invoked_via_function_url: true,
    })
    expect(invoke.function_url_auth_type).toBeUndefined()
    expect(expression(samples.locals.agent_invokers)).toContain(
      'setproduct(keys(local.agents),keys(var.gateway_role_arns))',
    )
    expect(root.locals.agent_callers).toEqual(['agents', 'admin'])
    expect(expression(call.gateway_role_arns)).toBe(
      '{forhandlerinlocal.agent_callers:handler=>aws_iam_role.handler[handler].arn}',
    )
  })

  it('grants lambda:InvokeFunctionUrl, lambda:InvokeFunction and the AgentCore actions only on named agents, and only to the agents and admin roles', () => {
    // Prepare
    const invokeUrl = granting('lambda:InvokeFunctionUrl')
    const invoke = granting('lambda:InvokeFunction')
    const agentCore = statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('bedrock-agentcore:')),
    )
    const sourcesOf = (role: string) =>
      (blockOf(root.data, 'aws_iam_policy_document', role).source_policy_documents as
        | string[]
        | undefined) ?? []
    const shared = '${data.aws_iam_policy_document.call_private_agents.json}'

    // Assess: each in the shared document alone, on the named ARNs.
    for (const statement of [...invokeUrl, ...invoke, ...agentCore]) {
      expect(statement.where).toContain('data.aws_iam_policy_document.call_private_agents ')
    }
    expect(invokeUrl.map(({ body }) => [actionsOf({ where: '', body }), body.resources])).toEqual([
      [['lambda:InvokeFunctionUrl'], '${local.private_agent_function_arns}'],
    ])
    expect(invoke.map(({ body }) => [actionsOf({ where: '', body }), body.resources])).toEqual([
      [['lambda:InvokeFunction'], '${local.private_agent_function_arns}'],
    ])
    expect(nested((invoke[0] as PolicyStatement).body, 'condition')).toEqual([
      { test: 'Bool', variable: 'lambda:InvokedViaFunctionUrl', values: ['true'] },
    ])
    expect(agentCore).toHaveLength(1)
    expect(actionsOf(agentCore[0] as PolicyStatement)).toEqual([
      'bedrock-agentcore:InvokeAgentRuntime',
      'bedrock-agentcore:GetAgentCard',
    ])
    expect((agentCore[0] as PolicyStatement).body.resources).toBe(
      '${local.private_agent_runtime_resources}',
    )
    // Which roles: the agents (calls) and admin (card fetches) only.
    expect(sourcesOf('agents')).toContain(shared)
    expect(sourcesOf('admin')).toContain(shared)
    expect(sourcesOf('discovery')).not.toContain(shared)
    expect(sourcesOf('authorizer')).not.toContain(shared)
  })

  it('names those agents from validated variables and the sample agents alone: the runtimes, and their endpoints', () => {
    // Prepare
    const functionArn = validationPattern(root.variables.private_agent_function_arns ?? {})
    const runtimeArn = validationPattern(root.variables.private_agent_runtime_arns ?? {})
    const sampleRuntimeArn = validationPattern(root.variables.agentcore_sample_runtime_arn ?? {})

    // Assess: the ARNs come from the variables and the stack's own functions.
    expect(expression(root.locals.private_agent_function_arns)).toBe(
      compact(
        'concat(var.private_agent_function_arns, var.deploy_sample_agents ? values(module.sample_agents[0].function_arns) : [])',
      ),
    )
    expect(expression(samples.outputs.function_arns?.value)).toBe(
      '{forkey,functioninaws_lambda_function.agent:key=>function.arn}',
    )
    expect(expression(root.locals.private_agent_runtime_arns)).toBe(
      compact(
        'concat(var.private_agent_runtime_arns, var.agentcore_sample_runtime_arn == null ? [] : [var.agentcore_sample_runtime_arn])',
      ),
    )
    // AWS authorizes an invocation on the runtime and on its endpoint (DEFAULT or ?qualifier=).
    expect(expression(root.locals.private_agent_runtime_resources)).toBe(
      compact(
        'concat(local.private_agent_runtime_arns, [for arn in local.private_agent_runtime_arns : "${arn}/runtime-endpoint/*"])',
      ),
    )
    // A variable holds named ARNs only: no wildcard, no other service.
    expect(functionArn.test('arn:aws:lambda:eu-west-1:123456789012:function:billing')).toBe(true)
    expect(functionArn.test('arn:aws:lambda:eu-west-1:123456789012:function:billing:live')).toBe(
      true,
    )
    for (const arn of [
      '*',
      'arn:aws:lambda:eu-west-1:123456789012:function:*',
      'arn:aws:lambda:eu-west-1:123456789012:function:billing*',
      'arn:aws:lambda:eu-west-1:123456789012:function:billing:*',
      'arn:aws:lambda:*:123456789012:function:billing',
      'arn:aws:iam::123456789012:role/billing',
    ]) {
      expect(functionArn.test(arn), arn).toBe(false)
    }
    for (const pattern of [runtimeArn, sampleRuntimeArn]) {
      expect(
        pattern.test('arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/helper-AbCdEfGhIj'),
      ).toBe(true)
      for (const arn of [
        '*',
        'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/*',
        'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/helper-AbCdEfGhIj/*',
        'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/helper-AbCdEfGhIj/runtime-endpoint/DEFAULT',
        'arn:aws:lambda:us-west-2:123456789012:function:helper',
      ]) {
        expect(pattern.test(arn), arn).toBe(false)
      }
    }
  })

  it('places the agents and admin functions, and no other, in the VPC when subnets are given, with the role permission Lambda needs for it', () => {
    // Prepare
    const lambda = blockOf(root.resources, 'aws_lambda_function', 'handler')
    const vpcConfig = nested((lambda.dynamic as Body | undefined) ?? {}, 'vpc_config')
    const vpcAccess = blockOf(root.resources, 'aws_iam_role_policy', 'vpc_access')

    // Assess
    expect(expression(root.locals.vpc_enabled)).toBe('length(var.vpc_subnet_ids)>0')
    expect(vpcConfig).toHaveLength(1)
    expect(expression(vpcConfig[0]?.for_each)).toBe(
      'local.vpc_enabled&&contains(local.agent_callers,each.key)?[each.key]:[]',
    )
    expect(nested(vpcConfig[0] ?? {}, 'content')).toEqual([
      { subnet_ids: '${var.vpc_subnet_ids}', security_group_ids: '${var.vpc_security_group_ids}' },
    ])
    expect(expression(vpcAccess.for_each)).toBe(
      'local.vpc_enabled?toset(local.agent_callers):toset([])',
    )
    expect(vpcAccess.policy).toBe('${data.aws_iam_policy_document.vpc_access.json}')
    // Lambda checks the role when it creates the function's interfaces.
    expect(lambda.depends_on).toContain('${aws_iam_role_policy.vpc_access}')
  })

  it('creates the VPC endpoints only when asked, one for each AWS service the code calls, the interface ones reachable over HTTPS from the functions only', async () => {
    // Prepare: every AWS SDK client the gateway's code imports.
    const sources = async (dir: string): Promise<string[]> => {
      const entries = await readdir(join(repoRoot, dir), { recursive: true })
      return Promise.all(
        entries
          .filter((entry) => entry.endsWith('.ts'))
          .map((entry) => readFile(join(repoRoot, dir, entry), 'utf8')),
      )
    }
    const texts = (await Promise.all(['lib', 'handlers', 'middlewares'].map(sources))).flat()
    const clients = new Set(
      texts.flatMap((text) =>
        [...text.matchAll(/from '@aws-sdk\/client-([a-z0-9-]+)'/g)].map((match) => match[1]),
      ),
    )
    // A client's name in the SDK and its service's name in an endpoint differ for some.
    const endpointOf: Record<string, string> = {
      'secrets-manager': 'secretsmanager',
      'cognito-identity-provider': 'cognito-idp',
    }
    const services = root.locals.vpc_endpoint_services as Record<string, string>
    const endpoint = blockOf(root.resources, 'aws_vpc_endpoint', 'service')
    const ingress = blockOf(root.resources, 'aws_vpc_security_group_ingress_rule', 'vpc_endpoints')

    // Assess
    expect(clients.size).toBeGreaterThanOrEqual(4)
    for (const client of clients) {
      const service = endpointOf[client as string] ?? (client as string)
      expect(Object.keys(services), `lib calls ${client}: give it a VPC endpoint`).toContain(
        service,
      )
    }
    expect(services).toMatchObject({ dynamodb: 'Gateway', 'bedrock-agentcore': 'Interface' })
    expect(expression(root.locals.vpc_endpoints)).toBe(
      'local.vpc_enabled&&var.create_vpc_endpoints',
    )
    expect(expression(root.locals.created_vpc_endpoints)).toBe(
      'local.vpc_endpoints?local.vpc_endpoint_services:{}',
    )
    expect(endpoint.for_each).toBe('${local.created_vpc_endpoints}')
    expect(expression(endpoint.private_dns_enabled)).toBe('each.value=="Interface"?true:null')
    expect(expression(endpoint.route_table_ids)).toBe(
      'each.value=="Gateway"?var.vpc_route_table_ids:null',
    )
    expect(ingress).toMatchObject({
      referenced_security_group_id: '${each.value}',
      ip_protocol: 'tcp',
      from_port: 443,
      to_port: 443,
    })
    expect(expression(ingress.for_each)).toBe(
      'local.vpc_endpoints?toset(var.vpc_security_group_ids):toset([])',
    )
  })
})
