// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { once } from 'node:events'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getReferencesInExpression } from '@cdktf/hcl2json'
import { beforeAll, describe, expect, it } from 'vitest'
import { codeBlocks, readmeSection } from '../support/readme.ts'
import { compact } from './support/expressions.ts'
import { referencesIn } from './support/references.ts'
import {
  blockOf,
  loadStack,
  nested,
  rootModule,
  stackDir,
  type TerraformModule,
} from './support/stack.ts'
import { runTerraform, terraformBinary } from './support/terraform-cli.ts'

interface Call {
  method: string
  url: string
  headers: Record<string, string>
  body?: string
}
type Answer = { status: number; body?: unknown } | Error

type RegisterSampleAgents = (
  input: Record<string, unknown>,
  deps: { fetch: typeof fetch; sleep: (ms: number) => Promise<void>; log: (line: string) => void },
) => Promise<void>

// A plain .mjs run by Terraform's local-exec (no types): imported by URL.
const scriptUrl = new URL('../../terraform/modules/sample-agents/register.mjs', import.meta.url)
const load = async () =>
  ((await import(scriptUrl.href)) as { registerSampleAgents: RegisterSampleAgents })
    .registerSampleAgents
type DeregisterSampleAgent = RegisterSampleAgents
const loadDeregister = async () =>
  ((await import(scriptUrl.href)) as { deregisterSampleAgent: DeregisterSampleAgent })
    .deregisterSampleAgent

/** A fetch that records each call and answers from a script, in order. */
const scriptedFetch = (answers: Answer[]) => {
  const calls: Call[] = []
  const fake = async (url: string, init: RequestInit) => {
    calls.push({
      method: String(init.method),
      url,
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    })
    const answer = answers.shift()
    if (!answer) throw new Error(`unexpected call ${init.method} ${url}`)
    if (answer instanceof Error) throw answer
    // A 204 carries no body (Response refuses one).
    const body = answer.status === 204 ? null : JSON.stringify(answer.body ?? {})
    return new Response(body, { status: answer.status })
  }
  return { calls, fetch: fake as unknown as typeof fetch }
}

const input = {
  gatewayUrl: 'https://api.example.com/v1',
  tokenUrl: 'https://auth.example.com/oauth2/token',
  clientId: 'admin-id',
  clientSecret: 'admin-secret',
  scope: 'switchboard/admin',
  agents: {
    weather: { functionUrl: 'https://w.lambda-url.example.com/', region: 'eu-west-1' },
    calculator: { functionUrl: 'https://c.lambda-url.example.com', region: 'eu-west-1' },
  },
  permissions: { 'weather:invoke': { agents: ['weather'], operations: null } },
}

describe('sample agents registration (terraform/modules/sample-agents/register.mjs)', () => {
  it('registers each agent, replaces one already there, and puts the permissions, waiting out a gateway still settling', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { calls, fetch } = scriptedFetch([
      new Error('getaddrinfo ENOTFOUND auth.example.com'),
      { status: 200, body: { access_token: 'jwt' } },
      { status: 201 },
      { status: 409 },
      { status: 200 },
      { status: 503 },
      { status: 200 },
    ])
    let pauses = 0

    // Act
    await registerSampleAgents(input, {
      fetch,
      sleep: async () => {
        pauses++
      },
      log: () => undefined,
    })

    // Assess
    expect(calls.map(({ method, url }) => `${method} ${url}`)).toEqual([
      'POST https://auth.example.com/oauth2/token',
      'POST https://auth.example.com/oauth2/token',
      'POST https://api.example.com/v1/admin/register',
      'POST https://api.example.com/v1/admin/register',
      'PUT https://api.example.com/v1/admin/agents/calculator',
      'PUT https://api.example.com/v1/admin/permissions/weather%3Ainvoke',
      'PUT https://api.example.com/v1/admin/permissions/weather%3Ainvoke',
    ])
    expect(pauses).toBe(2)
    expect(calls[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('admin-id:admin-secret').toString('base64')}`,
    )
    expect(calls[0]?.body).toBe('grant_type=client_credentials&scope=switchboard%2Fadmin')
    expect(calls[2]?.headers.authorization).toBe('Bearer jwt')
    // A private function URL: the gateway signs for Lambda in the function's Region.
    expect(JSON.parse(calls[2]?.body ?? '')).toEqual({
      agentId: 'weather',
      backendUrl: 'https://w.lambda-url.example.com',
      agentCardUrl: 'https://w.lambda-url.example.com/.well-known/agent-card.json',
      auth: { type: 'aws_iam', service: 'lambda', region: 'eu-west-1' },
    })
    // An operations list left null (Terraform's optional) is left out: all operations.
    expect(JSON.parse(calls[6]?.body ?? '')).toEqual({ agents: ['weather'] })
  })

  it('stops at the first refusal, naming the step', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      {
        status: 422,
        body: {
          type: 'https://switchboard.dev/problems/invalid-agent-card',
          detail: 'agentCardUrl: not an agent card',
        },
      },
    ])

    // Act
    const registering = registerSampleAgents(input, {
      fetch,
      sleep: async () => undefined,
      log: () => undefined,
    })

    // Assess
    await expect(registering).rejects.toThrow(/register weather: HTTP 422 .*not an agent card/)
  })

  /** The gateway's answer when it could not fetch the agent's card (a cold agent). */
  const cardUnreachable = {
    status: 422,
    body: {
      type: 'https://switchboard.dev/problems/agent-card-unreachable',
      title: 'Agent card unreachable',
      detail:
        'The agent card at https://w.lambda-url.example.com/.well-known/agent-card.json could not be fetched: no answer within 5000 ms.',
    },
  }
  const oneAgent = {
    ...input,
    agents: { weather: { functionUrl: 'https://w.lambda-url.example.com', region: 'eu-west-1' } },
  }

  it('registers a cold agent again, waiting longer each time, until its card answers', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { calls, fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      cardUnreachable,
      cardUnreachable,
      { status: 201 },
      { status: 200 },
    ])
    const pauses: number[] = []
    const lines: string[] = []

    // Act
    await registerSampleAgents(oneAgent, {
      fetch,
      sleep: async (ms) => {
        pauses.push(ms)
      },
      log: (line) => lines.push(line),
    })

    // Assess
    expect(calls.map(({ method, url }) => `${method} ${url}`)).toEqual([
      'POST https://auth.example.com/oauth2/token',
      'POST https://api.example.com/v1/admin/register',
      'POST https://api.example.com/v1/admin/register',
      'POST https://api.example.com/v1/admin/register',
      'PUT https://api.example.com/v1/admin/permissions/weather%3Ainvoke',
    ])
    expect(pauses).toEqual([5_000, 10_000])
    expect(lines).toContain('registered weather -> https://w.lambda-url.example.com')
    expect(lines.filter((line) => line.includes('agent card unreachable'))).toHaveLength(2)
  })

  it('retries a replaced agent whose card is unreachable the same way (PUT after 409)', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { calls, fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      { status: 409 },
      cardUnreachable,
      { status: 409 },
      { status: 200 },
      { status: 200 },
    ])

    // Act
    await registerSampleAgents(oneAgent, {
      fetch,
      sleep: async () => undefined,
      log: () => undefined,
    })

    // Assess
    expect(calls.slice(1, 5).map(({ method, url }) => `${method} ${url}`)).toEqual([
      'POST https://api.example.com/v1/admin/register',
      'PUT https://api.example.com/v1/admin/agents/weather',
      'POST https://api.example.com/v1/admin/register',
      'PUT https://api.example.com/v1/admin/agents/weather',
    ])
  })

  it('gives up on a card that stays unreachable after five attempts, naming the step', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { calls, fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      ...Array.from({ length: 5 }, () => cardUnreachable),
    ])
    const pauses: number[] = []

    // Act
    const registering = registerSampleAgents(oneAgent, {
      fetch,
      sleep: async (ms) => {
        pauses.push(ms)
      },
      log: () => undefined,
    })

    // Assess
    await expect(registering).rejects.toThrow(/register weather: HTTP 422 .*agent-card-unreachable/)
    expect(calls.filter(({ url }) => url.endsWith('/admin/register'))).toHaveLength(5)
    expect(pauses).toEqual([5_000, 10_000, 20_000, 40_000])
  })
})

describe('sample agent deregistration (register.mjs deregisterSampleAgent)', () => {
  const admin = {
    gatewayUrl: input.gatewayUrl,
    tokenUrl: input.tokenUrl,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    scope: input.scope,
  }

  it('deletes the agent with an admin token, waiting out a delete that stopped half-way', async () => {
    // Prepare
    const deregister = await loadDeregister()
    const { calls, fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      { status: 503, body: { type: 'https://switchboard.dev/problems/agent-delete-unfinished' } },
      { status: 204 },
    ])
    const lines: string[] = []

    // Act
    await deregister(
      { ...admin, agentId: 'weather' },
      { fetch, sleep: async () => undefined, log: (line) => lines.push(line) },
    )

    // Assess
    expect(calls.map(({ method, url }) => `${method} ${url}`)).toEqual([
      'POST https://auth.example.com/oauth2/token',
      'DELETE https://api.example.com/v1/admin/agents/weather',
      'DELETE https://api.example.com/v1/admin/agents/weather',
    ])
    expect(calls[1]?.headers.authorization).toBe('Bearer jwt')
    expect(calls[1]?.body).toBeUndefined()
    expect(lines).toEqual(['deregistered weather'])
  })

  it('takes an agent already gone (404) as deregistered', async () => {
    // Prepare
    const deregister = await loadDeregister()
    const { fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      { status: 404, body: { type: 'https://switchboard.dev/problems/agent-not-found' } },
    ])
    const lines: string[] = []

    // Act
    await deregister(
      { ...admin, agentId: 'calculator' },
      { fetch, sleep: async () => undefined, log: (line) => lines.push(line) },
    )

    // Assess
    expect(lines).toEqual(['calculator: not registered, nothing to deregister'])
  })

  it('fails on any other refusal, naming the step', async () => {
    // Prepare
    const deregister = await loadDeregister()
    const { fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      { status: 409, body: { type: 'https://switchboard.dev/problems/agent-registered-again' } },
    ])

    // Act
    const deregistering = deregister(
      { ...admin, agentId: 'weather' },
      { fetch, sleep: async () => undefined, log: () => undefined },
    )

    // Assess
    await expect(deregistering).rejects.toThrow(/deregister weather: HTTP 409 .*registered-again/)
  })
})

describe('sample agent configs (register.mjs agentConfig)', () => {
  const runtimeArn =
    'arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/helper_agent-AbCdEfGhIj'

  it('registers an AgentCore runtime by its invocation URL, the ARN URL-encoded, signed for bedrock-agentcore in its Region', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { calls, fetch } = scriptedFetch([
      { status: 200, body: { access_token: 'jwt' } },
      { status: 201 },
    ])

    // Act
    await registerSampleAgents(
      { ...input, agents: { agentcore: { runtimeArn } }, permissions: {} },
      { fetch, sleep: async () => undefined, log: () => undefined },
    )

    // Assess
    const invocations =
      'https://bedrock-agentcore.us-west-2.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A123456789012%3Aruntime%2Fhelper_agent-AbCdEfGhIj/invocations/'
    expect(JSON.parse(calls[1]?.body ?? '')).toEqual({
      agentId: 'agentcore',
      backendUrl: invocations,
      agentCardUrl: `${invocations}.well-known/agent-card.json`,
      auth: { type: 'aws_iam', service: 'bedrock-agentcore', region: 'us-west-2' },
    })
  })

  it('refuses an agent that is neither a function URL nor a runtime ARN before any call', async () => {
    // Prepare
    const registerSampleAgents = await load()
    const { calls, fetch } = scriptedFetch([])

    // Act
    const registering = registerSampleAgents(
      {
        ...input,
        agents: { odd: { runtimeArn: 'arn:aws:lambda:us-west-2:123456789012:function:x' } },
      },
      { fetch, sleep: async () => undefined, log: () => undefined },
    )

    // Assess
    await expect(registering).rejects.toThrow(
      'odd: neither a functionUrl nor an AgentCore runtime ARN',
    )
    expect(calls).toEqual([])
  })
})

describe("README's Private agents", () => {
  it('shows the agent configs register.mjs builds for a function URL and an AgentCore runtime', async () => {
    // Prepare
    const { agentConfig } = (await import(scriptUrl.href)) as {
      agentConfig: (agentId: string, agent: Record<string, string>) => Record<string, unknown>
    }
    const configs = codeBlocks(readmeSection('Private agents'), 'json')
      .map((block) => JSON.parse(block) as Record<string, unknown>)
      .filter((config) => 'agentId' in config)
    // The second is an AgentCore runtime by its ARN alone (test/unit/lib/agentcore.test.ts).
    const [functionUrl, , runtime] = configs

    // Assess
    expect(configs).toHaveLength(4)
    expect(functionUrl).toEqual(
      agentConfig('billing', {
        functionUrl: 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws',
        region: 'us-east-1',
      }),
    )
    expect(runtime).toEqual(
      agentConfig('billing', {
        runtimeArn:
          'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/billing_agent-AbCdEfGhIj',
      }),
    )
  })
})

describe('sample agents registration in the stack (terraform/sample_agents.tf, the module)', () => {
  let modules: TerraformModule[]
  let root: TerraformModule
  let module: TerraformModule
  beforeAll(async () => {
    modules = await loadStack()
    root = rootModule(modules)
    const found = modules.find(({ dir }) => dir === 'terraform/modules/sample-agents')
    if (!found) throw new Error('no terraform/modules/sample-agents')
    module = found
  })
  const referencesOf = async (file: string, value: unknown) =>
    (await getReferencesInExpression(file, String(value))).map((reference) =>
      reference.value.replace(/\.$/, ''),
    )

  it('puts the permissions of local/seed.json by default, the auditor’s reading of every caller’s tasks too', async () => {
    // Prepare
    const seed = JSON.parse(
      await readFile(new URL('../../local/seed.json', import.meta.url), 'utf8'),
    )
    const seeded = Object.fromEntries(
      (seed.permissions as { scope: string }[]).map(({ scope, ...permission }) => [
        scope,
        permission,
      ]),
    )

    // Assess
    expect(module.variables.permissions?.default).toEqual(seeded)
  })

  it('waits for what the admin API needs (Lambda permissions, role policies, tables, the token endpoint) through the registration alone', async () => {
    // Prepare
    const call = root.modules.sample_agents ?? {}
    const register = blockOf(module.resources, 'terraform_data', 'register')
    const waitedFor = await referencesOf('terraform/sample_agents.tf', call.gateway_prerequisites)
    const needed = [
      ...Object.keys(root.resources.aws_dynamodb_table ?? {}).map(
        (name) => `aws_dynamodb_table.${name}`,
      ),
      'aws_lambda_permission.api',
      'aws_lambda_permission.authorizer',
      'aws_iam_role_policy.access',
      'aws_iam_role_policy.logs',
      // In a VPC: the admin function's network interfaces, and the endpoints it calls through.
      'aws_iam_role_policy.vpc_access',
      'aws_vpc_endpoint.service',
      // register.mjs's token endpoint: token_url is built from the prefix, not the domain.
      'aws_cognito_user_pool_domain.gateway',
    ]

    // Assess
    expect(needed.length).toBeGreaterThanOrEqual(10)
    for (const resource of needed) {
      expect(
        waitedFor.some(
          (reference) => reference.startsWith(`${resource}.`) || reference === resource,
        ),
        resource,
      ).toBe(true)
    }
    expect(register.input).toBe('${var.gateway_prerequisites}')
    // An input, not a trigger: a changed prerequisite does not register again.
    expect(JSON.stringify(register.triggers_replace)).not.toContain('gateway_prerequisites')
  })

  it('deregisters before any resource the admin API answers with is destroyed: the registration waits for every resource of the stack but those a DELETE never uses', async () => {
    // Prepare: what the registration and deregistration wait for, followed through the module's
    // inputs into the root, reference by reference (depends_on included). A destroy deletes in
    // the reverse order, so whatever is not among them may go while the DELETE is under way.
    const edges = new Map<string, Set<string>>()
    const nodeOf = (at: string) => {
      const [kind = '', first = '', second = ''] = at
        .split('.')
        .map((part) => part.replace(/\[\d+\]$/, ''))
      if (kind === 'resource') return `${first}.${second}`
      if (kind === 'data') return `data.${first}.${second}`
      if (kind === 'locals') return `local.${first}`
      if (kind === 'module') return `module.${first}.${second}`
      return at
    }
    const referred = (value: string) => {
      const [first = '', second = '', third = ''] = value.split('.')
      if (first === 'data') return `data.${second}.${third}`
      return `${first}.${second}`
    }
    for (const [scope, of] of [
      ['', root],
      ['module.sample_agents:', module],
    ] as const) {
      for (const { at, value } of await referencesIn(of)) {
        const from = `${scope}${nodeOf(at)}`
        const to = referred(value)
        // A module's variable is the argument its call in the root passes.
        const target =
          scope && to.startsWith('var.')
            ? `module.sample_agents.${to.slice('var.'.length)}`
            : `${scope}${to}`
        edges.set(from, new Set([...(edges.get(from) ?? []), target]))
      }
    }
    const waitedFor = new Set<string>()
    const pending = [
      'module.sample_agents:terraform_data.register',
      'module.sample_agents:terraform_data.deregister',
    ]
    for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
      if (waitedFor.has(node)) continue
      waitedFor.add(node)
      pending.push(...(edges.get(node) ?? []))
    }
    const everyResource = Object.entries(root.resources).flatMap(([type, byName]) =>
      Object.keys(byName).map((name) => `${type}.${name}`),
    )
    /** What the admin API's DELETE (or a registration) never touches, each with why. */
    const neverUsed: Record<string, string> = {
      'aws_cloudwatch_metric_alarm.*': 'alarms watch, they serve nothing',
      'aws_sns_topic.alarms': 'where alarms go',
      'aws_sns_topic_subscription.alarm_email': 'where alarms go',
      'aws_cloudwatch_dashboard.gateway': 'a view of the metrics',
      'aws_kms_alias.*': 'the functions name their keys by ARN',
      'aws_cognito_managed_login_branding.console': "the console's sign-in page",
      'aws_cognito_user_group.operators': "the console's operators",
      'aws_iam_role_policy.xray': 'a trace that cannot be sent fails no call',
      'aws_lambda_event_source_mapping.push_deliveries': 'queued pushes',
    }
    const isNeverUsed = (resource: string) =>
      Object.keys(neverUsed).some((pattern) =>
        pattern.endsWith('.*') ? resource.startsWith(pattern.slice(0, -1)) : resource === pattern,
      )

    // Assess: in a VPC, the endpoints' ingress rule too (without it, the admin function's
    // DeleteVectors through the S3 Vectors endpoint is refused, and the destroy stops).
    expect(waitedFor.has('aws_vpc_security_group_ingress_rule.vpc_endpoints')).toBe(true)
    expect(
      everyResource.filter((resource) => !waitedFor.has(resource) && !isNeverUsed(resource)),
    ).toEqual([])
  })

  it('hands register.mjs each Lambda agent by its function URL and Region, and the AgentCore runtime when one is set', () => {
    // Prepare
    const register = blockOf(module.resources, 'terraform_data', 'register')
    const provisioner = register.provisioner as Record<string, Record<string, unknown>[]>
    const environment = provisioner['local-exec']?.[0]?.environment as Record<string, string>
    const call = root.modules.sample_agents ?? {}

    // Assess
    expect(environment.AGENTS).toBe('${jsonencode(local.registered_agents)}')
    expect((register.triggers_replace as Record<string, string>).agents).toBe(
      '${local.registered_agents}',
    )
    expect(compact(String(module.locals.registered_agents))).toBe(
      compact(`\${merge(
        { for key, url in local.agent_urls : key => { functionUrl = url, region = var.region } },
        var.agentcore_runtime_arn == null ? {} : { (var.agentcore_agent_id) = { runtimeArn = var.agentcore_runtime_arn } },
      )}`),
    )
    expect(call.region).toBe('${var.region}')
    expect(call.agentcore_runtime_arn).toBe('${var.agentcore_sample_runtime_arn}')
  })

  it("puts no depends_on on the module or its data sources, so plans know the agents' code and policies", () => {
    // Prepare
    const dataSources = Object.entries(module.data).flatMap(([type, byName]) =>
      Object.entries(byName).map(([name, bodies]) => ({
        name: `${type}.${name}`,
        body: bodies[0],
      })),
    )

    // Assess
    expect(root.modules.sample_agents).toBeDefined()
    expect(root.modules.sample_agents?.depends_on).toBeUndefined()
    expect(dataSources.length).toBeGreaterThanOrEqual(3)
    expect(dataSources.filter(({ body }) => body?.depends_on).map(({ name }) => name)).toEqual([])
  })

  it('deregisters each agent when it leaves the module: a destroy-time provisioner reading only what it kept', () => {
    // Prepare
    const deregister = blockOf(module.resources, 'terraform_data', 'deregister')
    const [provisioner] = (deregister.provisioner as Record<string, Record<string, unknown>[]>)[
      'local-exec'
    ] as Record<string, unknown>[]
    const environment = provisioner?.environment as Record<string, string>

    // Assess: one per agent register.mjs registers, so an agent leaving the map goes too.
    expect(deregister.for_each).toBe('${toset(keys(local.registered_agents))}')
    expect(provisioner?.when).toBe('${destroy}')
    expect(provisioner?.command).toBe('node ${path.module}/register.mjs')
    expect(environment.DEREGISTER).toBe('${self.input.agent_id}')
    // A destroy-time provisioner may read its own resource only.
    expect(
      Object.values(environment).filter(
        (value) => !/^\$\{self\.(input|triggers_replace)\.[a-z_]+\}$/.test(value),
      ),
    ).toEqual([])
    // Kept as input (updated in place): a new URL deregisters nothing.
    expect(deregister.input).toMatchObject({
      gateway_url: '${var.gateway_url}',
      token_url: '${var.token_url}',
      client_id: '${var.admin_client_id}',
      scope: '${var.admin_scope}',
    })
    // The secret never in input, whose mirror a plan prints in clear; a trigger whose change
    // is ignored, so it replaces (deregisters) nothing.
    expect(JSON.stringify(deregister.input)).not.toContain('secret')
    expect(deregister.triggers_replace).toEqual({ client_secret: '${var.admin_client_secret}' })
    expect(environment.CLIENT_SECRET).toBe('${self.triggers_replace.client_secret}')
    expect(nested(deregister, 'lifecycle')).toEqual([{ ignore_changes: ['${triggers_replace}'] }])
    // Destroyed before the registration and what it waits for: the gateway still answers.
    expect(deregister.depends_on).toEqual(['${terraform_data.register}'])
    expect(nested(root.modules.sample_agents ?? {}, 'lifecycle')).toEqual([])
    expect(root.modules.sample_agents?.count).toBe('${var.deploy_sample_agents ? 1 : 0}')
  })

  it('deletes the agents through the admin API when terraform apply turns the module off, and not when a URL changes', async (context) => {
    // Prepare: deregister.tf and register.mjs as they are, in a module of stand-ins, against a
    // stand-in gateway and token endpoint; only Terraform's built-in terraform_data is needed.
    const binary = terraformBinary()
    if (!binary) return context.skip('terraform is not on PATH')
    const requests: string[] = []
    const server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`)
      if (request.url === '/oauth2/token') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ access_token: 'jwt' }))
      } else response.writeHead(request.method === 'DELETE' ? 204 : 404).end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-tf-deregister-'))
    try {
      const moduleDir = join(dir, 'sample-agents')
      await mkdir(moduleDir)
      const source = join(stackDir, 'modules', 'sample-agents')
      await copyFile(join(source, 'deregister.tf'), join(moduleDir, 'deregister.tf'))
      await copyFile(fileURLToPath(scriptUrl), join(moduleDir, 'register.mjs'))
      await writeFile(
        join(moduleDir, 'stand-ins.tf'),
        `variable "gateway_url" { type = string }
variable "token_url" { type = string }
variable "admin_client_id" { default = "admin-id" }
variable "admin_client_secret" {
  default   = "admin-secret"
  sensitive = true
}
variable "admin_scope" { default = "switchboard/admin" }
locals {
  registered_agents = { weather = {}, calculator = {} }
}
resource "terraform_data" "register" {}
`,
      )
      await writeFile(
        join(dir, 'main.tf'),
        `variable "on" { type = bool }
variable "stage" { type = string }
module "sample_agents" {
  source      = "./sample-agents"
  count       = var.on ? 1 : 0
  gateway_url = "${base}/\${var.stage}"
  token_url   = "${base}/oauth2/token"
}
`,
      )
      const apply = (on: boolean, stage: string) =>
        runTerraform(
          binary,
          ['apply', '-auto-approve', '-no-color', `-var=on=${on}`, `-var=stage=${stage}`],
          dir,
        )

      // Act
      const init = await runTerraform(binary, ['init', '-no-color'], dir)
      const deployed = await apply(true, 'v1')
      const moved = await apply(true, 'v2')
      const afterMove = [...requests]
      const off = await apply(false, 'v2')

      // Assess
      expect(init.code, init.stderr).toBe(0)
      expect(deployed.code, deployed.stderr).toBe(0)
      expect(moved.code, moved.stderr).toBe(0)
      expect(afterMove).toEqual([])
      expect(off.code, off.stderr).toBe(0)
      expect(requests.filter((line) => line.startsWith('DELETE')).sort()).toEqual([
        'DELETE /v2/admin/agents/calculator Bearer jwt',
        'DELETE /v2/admin/agents/weather Bearer jwt',
      ])
      // The admin client's secret reached register.mjs, and no plan showed it: a plan prints a
      // terraform_data's `output` (its `input` mirrored) without the sensitive mark
      // (hashicorp/terraform#35609), so a secret kept in `input` was printed in clear by every
      // plan that changed or deleted it (the URL moved, the samples turned off, a destroy).
      const basic = `Basic ${Buffer.from('admin-id:admin-secret').toString('base64')}`
      expect(requests.filter((line) => line.startsWith('POST /oauth2/token'))).toEqual([
        `POST /oauth2/token ${basic}`,
        `POST /oauth2/token ${basic}`,
      ])
      for (const run of [deployed, moved, off]) expect(run.stdout).not.toContain('admin-secret')
    } finally {
      server.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
