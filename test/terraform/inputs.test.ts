// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../lib/config.ts'
import { compact, wholeExpression } from './support/expressions.ts'
import {
  blockOf,
  loadStack,
  nested,
  rootModule,
  stackDir,
  stringsIn,
  type TerraformModule,
} from './support/stack.ts'
import { runTerraform, terraformBinary } from './support/terraform-cli.ts'

const roleArn = 'arn:aws:iam::123456789012:role/api-gateway-logs'
const subnets = '["subnet-0123456789abcdef0","subnet-0fedcba9876543210"]'
const securityGroups = '["sg-0123456789abcdef0"]'
const runtimeArn = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/helper-AbCdEfGhIj'
/** The smallest accepted choice about the account's logging role. */
const managed: Record<string, string> = { manage_api_gateway_account: 'true' }

/**
 * `terraform plan` of variables.tf alone: its validations run, and with no
 * provider to install it needs no network. Each case names what Cognito or API
 * Gateway would refuse only at apply.
 *
 * Each case is a call of variables.tf as a module of its own, and one plan evaluates many
 * (43 plans became 5: each is a Go process of about 0.4 s of CPU). The calls share
 * nothing, so a refusal Terraform names "in module" a case is that case's values refused, as a
 * `terraform plan -var ...` of them alone refuses them: the same validations on the same values
 * (a module's input is converted to the variable's type as `-var`'s text is). One difference:
 * while any call's value fails a validation that reads only its own variable, Terraform leaves
 * the validations that read other variables unevaluated in every call; a case refused by one of
 * those is planned again, with the others still unrefused, until each has its refusal.
 */
describe('Terraform stack: inputs refused at plan (variables.tf)', () => {
  const binary = terraformBinary()
  let dir = ''
  type Variables = Record<string, string>
  /** A value as HCL: a list as written, anything else as the string `-var` would pass. */
  const hcl = (value: string) =>
    /^\s*\[/.test(value)
      ? value
      : JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{')
  const writeCalls = (calls: Record<string, Variables>) =>
    writeFile(
      join(dir, 'main.tf'),
      Object.entries(calls)
        .map(([name, variables]) =>
          [
            `module "${name}" {`,
            '  source = "./variables"',
            ...Object.entries(variables).map(
              ([variable, value]) => `  ${variable} = ${hcl(value)}`,
            ),
            '}',
          ].join('\n'),
        )
        .join('\n'),
    )

  interface Plan {
    code: number
    /** Each call's error messages (whitespace folded: Terraform wraps them). */
    errors: Map<string, string[]>
    /** Errors that name no call. */
    unattributed: string[]
  }
  /** One plan of `calls`, each a module call of variables.tf with these values. */
  const planCalls = async (calls: Record<string, Variables>): Promise<Plan> => {
    await writeCalls(calls)
    const run = await runTerraform(binary as string, ['plan', '-no-color', '-input=false'], dir)
    const errors = new Map<string, string[]>(Object.keys(calls).map((name) => [name, []]))
    const unattributed: string[] = []
    for (const block of `${run.stdout}${run.stderr}`.split(/^(?=Error: )/m).slice(1)) {
      const text = block.replace(/\s+/g, ' ')
      const call = /^\s*on main\.tf line \d+, in module "(\w+)":/m.exec(block)?.[1]
      if (call && errors.has(call)) errors.get(call)?.push(text)
      else unattributed.push(text)
    }
    return { code: run.code, errors, unattributed }
  }
  const skipWithoutTerraform = (context: { skip: (note: string) => never }) => {
    if (!binary) context.skip('terraform is not on PATH: the validations are not evaluated here')
  }

  it('declares each of these checks as a variable validation (without terraform, its text is all there is to check)', async () => {
    // Prepare
    const root = rootModule(await loadStack())
    const conditions = (variable: string) =>
      nested(root.variables[variable] ?? {}, 'validation').map((validation) =>
        compact(wholeExpression(validation.condition) ?? String(validation.condition)),
      )

    // Assess
    expect(conditions('admin_scope')).toContain(
      '!contains(concat(var.client_scopes,var.sample_client_scopes),var.admin_scope)',
    )
    expect(conditions('name')).toContain(
      compact('var.cognito_domain_prefix != null || !can(regex("aws|amazon|cognito", var.name))'),
    )
    expect(conditions('cognito_domain_prefix').join()).toContain('aws|amazon|cognito')
    expect(conditions('api_gateway_logging_role_arn')).toContain(
      '(var.api_gateway_logging_role_arn!=null)!=var.manage_api_gateway_account',
    )
    expect(conditions('vpc_subnet_ids')).toContain(
      '(length(var.vpc_subnet_ids)==0)==(length(var.vpc_security_group_ids)==0)',
    )
    expect(conditions('create_vpc_endpoints')).toEqual([
      '!var.create_vpc_endpoints||length(var.vpc_subnet_ids)>0',
      '!var.create_vpc_endpoints||length(var.vpc_route_table_ids)>0',
    ])
  })

  const refusals: { what: string; variables: Variables; says: string }[] = [
    {
      what: 'an admin scope that is also a client scope',
      variables: { ...managed, admin_scope: 'tasks:read' },
      says: 'admin_scope must not also be in client_scopes or sample_client_scopes',
    },
    {
      what: 'an admin scope that is also a sample client scope',
      variables: { ...managed, admin_scope: 'weather:invoke', client_scopes: '["tasks:read"]' },
      says: 'admin_scope must not also be in client_scopes or sample_client_scopes',
    },
    {
      what: 'a name with "aws" in it while the domain prefix derives from it',
      variables: { ...managed, name: 'my-aws-gateway' },
      says: 'name may not contain "aws", "amazon" or "cognito" while cognito_domain_prefix is null',
    },
    {
      what: 'a name with "cognito" in it while the domain prefix derives from it',
      variables: { ...managed, name: 'cognito-gw' },
      says: 'name may not contain "aws", "amazon" or "cognito"',
    },
    {
      what: 'the name "agents", whose secret prefix the one every stack used before holds',
      variables: { ...managed, name: 'agents' },
      says: 'name may not be "agents"',
    },
    {
      what: 'a domain prefix with "amazon" in it',
      variables: { ...managed, cognito_domain_prefix: 'amazon-gateway' },
      says: 'cognito_domain_prefix may not contain "aws", "amazon" or "cognito"',
    },
    {
      what: 'stage logging with no account role, set or managed',
      variables: {},
      says: "The stage's logs need the account's API Gateway CloudWatch role",
    },
    {
      what: 'both an existing account role and one to manage',
      variables: { ...managed, api_gateway_logging_role_arn: roleArn },
      says: 'Not both',
    },
    {
      what: 'an account role that is not a role ARN',
      variables: { api_gateway_logging_role_arn: 'api-gateway-logs' },
      says: 'api_gateway_logging_role_arn must be an IAM role ARN',
    },
    {
      what: 'VPC subnets without security groups',
      variables: { ...managed, vpc_subnet_ids: subnets },
      says: 'vpc_subnet_ids and vpc_security_group_ids go together',
    },
    {
      what: 'VPC security groups without subnets',
      variables: { ...managed, vpc_security_group_ids: securityGroups },
      says: 'vpc_subnet_ids and vpc_security_group_ids go together',
    },
    {
      what: 'a subnet id that is not one',
      variables: {
        ...managed,
        vpc_subnet_ids: '["subnet-xyz"]',
        vpc_security_group_ids: securityGroups,
      },
      says: 'vpc_subnet_ids must hold subnet ids',
    },
    {
      what: 'a security group id that is not one',
      variables: { ...managed, vpc_subnet_ids: subnets, vpc_security_group_ids: '["default"]' },
      says: 'vpc_security_group_ids must hold security group ids',
    },
    {
      what: 'VPC endpoints without the VPC placement',
      variables: {
        ...managed,
        create_vpc_endpoints: 'true',
        vpc_route_table_ids: '["rtb-0123456789abcdef0"]',
      },
      says: 'create_vpc_endpoints needs vpc_subnet_ids and vpc_security_group_ids',
    },
    {
      what: 'VPC endpoints without the route tables the DynamoDB endpoint goes into',
      variables: {
        ...managed,
        create_vpc_endpoints: 'true',
        vpc_subnet_ids: subnets,
        vpc_security_group_ids: securityGroups,
      },
      says: 'create_vpc_endpoints needs vpc_route_table_ids',
    },
    {
      what: 'a private agent function given as a wildcard',
      variables: {
        ...managed,
        private_agent_function_arns: '["arn:aws:lambda:us-east-1:123456789012:function:*"]',
      },
      says: 'private_agent_function_arns must hold Lambda function ARNs',
    },
    {
      what: 'a private agent runtime given as a wildcard',
      variables: {
        ...managed,
        private_agent_runtime_arns:
          '["arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/*"]',
      },
      says: 'private_agent_runtime_arns must hold AgentCore runtime ARNs',
    },
    {
      what: 'an AgentCore sample without the sample agents that register it',
      variables: {
        ...managed,
        deploy_sample_agents: 'false',
        agentcore_sample_runtime_arn: runtimeArn,
      },
      says: 'agentcore_sample_runtime_arn is registered with the sample agents: it needs deploy_sample_agents = true',
    },
    {
      what: 'an alarm e-mail that is not one address',
      variables: { ...managed, alarm_email: 'oncall@example.com,boss@example.com' },
      says: 'alarm_email must be one e-mail address',
    },
    {
      what: 'an agent to alarm on that is no agent id',
      variables: { ...managed, alarm_agent_ids: '["Weather Agent"]' },
      says: 'alarm_agent_ids must hold agent ids',
    },
    {
      what: 'an agent to alarm on listed twice',
      variables: { ...managed, alarm_agent_ids: '["weather","weather"]' },
      says: 'alarm_agent_ids must hold agent ids',
    },
    {
      what: 'a failure-rate threshold of 0%',
      variables: { ...managed, agent_failure_rate_threshold_percent: '0' },
      says: 'agent_failure_rate_threshold_percent must be above 0 and at most 100',
    },
    {
      what: 'an allowed backend block with an IPv4 octet the handlers cannot read (010.1.0.0/16)',
      variables: { ...managed, backend_allowed_cidrs: '["10.2.0.0/16","010.1.0.0/16"]' },
      says: 'backend_allowed_cidrs must hold CIDR blocks such as 10.1.0.0/16',
    },
    {
      what: 'an extra allowed client that is no app client id (a comma would split it in two)',
      variables: { ...managed, extra_allowed_client_ids: '["4abc,5def"]' },
      says: 'extra_allowed_client_ids must hold Cognito app client ids',
    },
    {
      what: 'a webhook timeout whose five attempts could outlast the push-delivery function',
      variables: { ...managed, push_webhook_timeout_ms: '60000' },
      says: 'push_webhook_timeout_ms must be a whole number of milliseconds from 1 to 53000',
    },
    {
      what: 'a push-delivery concurrency SQS does not take (1)',
      variables: { ...managed, push_delivery_max_concurrency: '1' },
      says: 'push_delivery_max_concurrency must be a whole number from 2 to 1000',
    },
    {
      what: 'a push-delivery concurrency SQS does not take (1001)',
      variables: { ...managed, push_delivery_max_concurrency: '1001' },
      says: 'push_delivery_max_concurrency must be a whole number from 2 to 1000',
    },
  ]
  const acceptances: { what: string; variables: Variables }[] = [
    { what: 'a stack that manages the account role', variables: managed },
    { what: "the account's existing role", variables: { api_gateway_logging_role_arn: roleArn } },
    {
      what: 'a name with "aws" in it and a domain prefix of its own',
      variables: { ...managed, name: 'my-aws-gateway', cognito_domain_prefix: 'gw-prefix' },
    },
    {
      what: 'the VPC placement with its endpoints, and named private agents',
      variables: {
        ...managed,
        vpc_subnet_ids: subnets,
        vpc_security_group_ids: securityGroups,
        create_vpc_endpoints: 'true',
        vpc_route_table_ids: '["rtb-0123456789abcdef0"]',
        private_agent_function_arns:
          '["arn:aws:lambda:us-east-1:123456789012:function:billing","arn:aws:lambda:us-east-1:123456789012:function:billing:live"]',
        private_agent_runtime_arns: `["${runtimeArn}"]`,
        agentcore_sample_runtime_arn: runtimeArn,
      },
    },
    {
      what: 'alarms mailed to on-call, on two named agents, with thresholds of their own',
      variables: {
        ...managed,
        alarm_email: 'oncall@example.com',
        alarm_agent_ids: '["weather","billing-v2"]',
        api_5xx_rate_threshold_percent: '0.5',
        agent_failure_rate_threshold_percent: '10',
        agent_failures_threshold: '0',
        agent_p99_latency_threshold_ms: '2500',
      },
    },
    {
      what: 'allowed backend blocks, IPv4 and IPv6, a prefix written with a leading zero',
      variables: {
        ...managed,
        backend_allowed_cidrs: '["10.1.0.0/16","10.2.0.0/016","fd00:0db8::/32","100.64.0.0/10"]',
      },
    },
    {
      what: 'extra allowed app clients',
      variables: {
        ...managed,
        extra_allowed_client_ids: '["4abcdefghijklmnopqrstuvwx1","Ab_C+d"]',
      },
    },
    {
      what: 'the longest webhook timeout the push-delivery function fits',
      variables: { ...managed, push_webhook_timeout_ms: '53000' },
    },
    {
      what: 'the most push-delivery functions SQS runs at once',
      variables: { ...managed, push_delivery_max_concurrency: '1000' },
    },
  ]
  const probes = ['-1', '0', '0.5', '1.5', '7.5', '2147483648', '10000000000000000']

  beforeAll(async () => {
    if (!binary) return
    dir = await mkdtemp(join(tmpdir(), 'switchboard-tf-inputs-'))
    await mkdir(join(dir, 'variables'))
    await copyFile(join(stackDir, 'variables.tf'), join(dir, 'variables', 'variables.tf'))
    // Every call any plan below makes, so that one init installs them all.
    await writeCalls(
      Object.fromEntries(
        [
          ...refusals.map((_, at) => `refusal_${at}`),
          ...acceptances.map((_, at) => `acceptance_${at}`),
          ...probes.map((_, at) => `probe_${at}`),
        ].map((name) => [name, {}]),
      ),
    )
    const init = await runTerraform(binary, ['init', '-backend=false', '-no-color'], dir)
    if (init.code !== 0) throw new Error(`terraform init: ${init.stderr}`)
  }, 60_000)
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined))

  /**
   * Each refusal case's errors, and its plan's exit code: all cases in one plan, and again
   * those with no error yet (see above), until a plan refuses none of them.
   */
  let refused: Promise<Map<string, { code: number; errors: string[] }>> | undefined
  const refusalsPlanned = () => {
    refused ??= (async () => {
      const found = new Map<string, { code: number; errors: string[] }>()
      let waiting = refusals.map((_, at) => `refusal_${at}`)
      while (waiting.length > 0) {
        const plan = await planCalls(
          Object.fromEntries(
            waiting.map((name) => [name, refusals[Number(name.split('_')[1])]?.variables ?? {}]),
          ),
        )
        for (const [name, errors] of plan.errors) {
          if (errors.length > 0) found.set(name, { code: plan.code, errors })
        }
        const left = waiting.filter((name) => !found.has(name))
        // Nothing more refused: what is left is accepted (its cases fail below).
        if (left.length === waiting.length) {
          for (const name of left) found.set(name, { code: plan.code, errors: plan.unattributed })
          break
        }
        waiting = left
      }
      return found
    })()
    return refused
  }

  it.for(refusals.map((refusal, at) => ({ ...refusal, call: `refusal_${at}` })))(
    'refuses $what',
    { timeout: 60_000 },
    async ({ call, says }, context) => {
      // Prepare
      skipWithoutTerraform(context)

      // Act
      const { code, errors } = (await refusalsPlanned()).get(call) ?? { code: 0, errors: [] }

      // Assess
      const output = errors.join(' ')
      expect(output).toContain('Invalid value for variable')
      expect(output).toContain(says)
      expect(code).toBe(1)
    },
  )

  it('refuses at plan every number the functions would refuse at start (lib/config.ts)', {
    timeout: 60_000,
  }, async (context) => {
    // Prepare: each variable the functions' environment holds as tostring(var.x), and numbers
    // at the edges: negative, zero, fractions, past a timer's reach and an exact integer's.
    skipWithoutTerraform(context)
    const environment = rootModule(await loadStack()).locals.gateway_environment as Record<
      string,
      unknown
    >
    const numbers = Object.entries(environment).flatMap(([name, value]) => {
      const variable = /^\$\{tostring\(var\.(\w+)\)\}$/.exec(String(value))?.[1]
      return variable ? [{ name, variable }] : []
    })

    // Act: one call a probe, every variable at it (a plan names each variable it refuses), all
    // in one plan. A validation that reads another variable could go unevaluated here (see
    // above): its refusal missed, the value is taken as accepted and held to lib/config.ts
    // below, which only makes this stricter.
    const plan = await planCalls(
      Object.fromEntries(
        probes.map((probe, at) => [
          `probe_${at}`,
          { ...managed, ...Object.fromEntries(numbers.map(({ variable }) => [variable, probe])) },
        ]),
      ),
    )
    expect(plan.unattributed).toEqual([])
    const accepted: { name: string; variable: string; probe: string }[] = []
    for (const [at, probe] of probes.entries()) {
      const output = (plan.errors.get(`probe_${at}`) ?? []).join(' ')
      const refused = new Set([...output.matchAll(/var\.(\w+) is /g)].map((match) => match[1]))
      for (const number of numbers) {
        if (!refused.has(number.variable)) accepted.push({ ...number, probe })
      }
    }
    const refusedAtStart = accepted.flatMap(({ name, variable, probe }) => {
      try {
        loadConfig({ TOKEN_ISSUER: 'https://issuer.example.com', [name]: probe })
        return []
      } catch {
        return [`${variable} = ${probe} (${name})`]
      }
    })

    // Assess: an apply of any of them would deploy functions that cannot start.
    expect(numbers.map(({ variable }) => variable)).toContain('backend_timeout_ms')
    expect(refusedAtStart).toEqual([])
  })

  /** All acceptance cases in one plan: it must pass as a whole, so each of them alone would. */
  let accepted: Promise<Plan> | undefined
  it.for(acceptances)('accepts $what', { timeout: 60_000 }, async (_case, context) => {
    // Prepare
    skipWithoutTerraform(context)

    // Act
    accepted ??= planCalls(
      Object.fromEntries(acceptances.map(({ variables }, at) => [`acceptance_${at}`, variables])),
    )
    const { code, errors, unattributed } = await accepted

    // Assess: no case refused (each error names its call), nothing else either.
    expect([...errors].filter(([, messages]) => messages.length > 0)).toEqual([])
    expect(unattributed).toEqual([])
    expect(code).toBe(0)
  })
})

describe("Terraform stack: the account's API Gateway logging role", () => {
  let root: TerraformModule
  beforeAll(async () => {
    root = rootModule(await loadStack())
  })

  it('manages the account-wide setting only when asked, after its role can write logs', () => {
    // Prepare
    const account = blockOf(root.resources, 'aws_api_gateway_account', 'this')

    // Assess: no data source reads the setting, so the default leaves it alone.
    expect(root.variables.manage_api_gateway_account?.default).toBe(false)
    expect(compact(wholeExpression(account.count) ?? '')).toBe('var.manage_api_gateway_account?1:0')
    expect(account.depends_on).toContain('${aws_iam_role_policy.api_gateway_logs}')
    for (const type of ['aws_iam_role', 'aws_iam_role_policy']) {
      const block = blockOf(root.resources, type, 'api_gateway_logs')
      expect(compact(wholeExpression(block.count) ?? ''), type).toBe(
        'var.manage_api_gateway_account?1:0',
      )
    }
  })

  it('looks up the role the account already uses, so a missing one fails the plan, and the stage waits for either', () => {
    // Prepare
    const lookup = blockOf(root.data, 'aws_iam_role', 'api_gateway_logs')
    const stage = blockOf(root.resources, 'aws_api_gateway_stage', 'gateway')

    // Assess
    expect(root.variables.api_gateway_logging_role_arn?.default).toBeNull()
    expect(compact(wholeExpression(lookup.count) ?? '')).toBe(
      'var.api_gateway_logging_role_arn!=null?1:0',
    )
    expect(stage.depends_on).toEqual(
      expect.arrayContaining([
        '${aws_api_gateway_account.this}',
        '${data.aws_iam_role.api_gateway_logs}',
      ]),
    )
  })
})

describe('Terraform stack: portability', () => {
  let modules: TerraformModule[]
  let root: TerraformModule
  beforeAll(async () => {
    modules = await loadStack()
    root = rootModule(modules)
  })

  it("builds the token URL from the partition's Cognito domain (GovCloud FIPS, China .com.cn)", () => {
    // Prepare
    const suffixes = root.locals.cognito_domain_suffixes as Record<string, string>

    // Assess
    expect(compact(wholeExpression(root.locals.token_url) ?? String(root.locals.token_url))).toBe(
      compact(
        'https://${local.cognito_domain_prefix}.${local.cognito_domain_suffixes[local.partition]}/oauth2/token',
      ),
    )
    expect(suffixes).toEqual({
      aws: 'auth.${var.region}.amazoncognito.com',
      'aws-us-gov': 'auth-fips.${var.region}.amazoncognito.com',
      'aws-cn': 'auth.${var.region}.amazoncognito.com.cn',
    })
  })

  it('writes no Cognito or AWS domain outside the partition lookups but service principals', () => {
    // Prepare: every string of every module but prose and the suffix table itself.
    const literal = modules.flatMap((module) =>
      module.files.flatMap((file) =>
        stringsIn(file.json)
          .filter(({ at }) => !/cognito_domain_suffixes|\.description$/.test(at))
          .filter(({ text }) => /amazoncognito\.com|amazonaws\.com/.test(text))
          // A service principal is spelled the same in every partition.
          .filter(({ text }) => !/^[a-z0-9-]+\.amazonaws\.com$/.test(text))
          .map(({ at, text }) => `${file.path}: ${at} ${text}`),
      ),
    )

    // Assess
    expect(literal).toEqual([])
    expect(root.locals.dns_suffix).toBe('${data.aws_partition.current.dns_suffix}')
  })
})
