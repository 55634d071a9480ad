// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { join, relative } from 'node:path'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { routes } from '../../lib/routes.ts'
import { type LocalDatabase, startLocalDatabase } from '../../local/database.ts'
import { sampleEvent } from '../support/events.ts'
import {
  lambdaRuntimeEnvironment,
  runInLambdaSandbox,
  type SandboxRun,
  sandboxUnavailable,
} from '../support/lambda-sandbox.ts'
import { sharedBuild } from '../support/shared-services.ts'
import { resolveSimple, wholeExpression } from '../terraform/support/expressions.ts'
import {
  type Body,
  blockOf,
  loadStack,
  nested,
  repoRoot,
  rootModule,
  type TerraformModule,
} from '../terraform/support/stack.ts'

const tablePrefix = 'lambda-sandbox-'

/**
 * What Terraform's references stand for once applied, by variable: the shapes AWS gives them.
 * A variable the stack sets from a resource must be named here, so the functions start with
 * every variable Terraform gives them and no other.
 */
const appliedValues: Record<string, string> = {
  TABLE_PREFIX: tablePrefix,
  TOKEN_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123dEf',
  TOKEN_URL: 'https://switchboard-123456789012.auth.us-east-1.amazoncognito.com/oauth2/token',
  SCOPE_PREFIX: 'switchboard/',
  COGNITO_USER_POOL_ID: 'us-east-1_AbC123dEf',
  // restrict_client_ids is false by default: any client of the stack's pool.
  ALLOWED_CLIENT_IDS: '',
  CONSOLE_CLIENT_ID: '5mbk3v0hq1c2l0gq2u8o4e9r1a',
  MANAGED_CLIENT_IDS:
    '1h57kf5cpq17m0eml12ezmpl3a,2i68lg6dqr28n1fnm23fanqm4b,5mbk3v0hq1c2l0gq2u8o4e9r1a',
  BACKEND_ALLOWED_CIDRS: '',
  SECRETS_KMS_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/0b6e0a32-5a4e-4a4c-9d0e-4c6f1b2c3d4e',
  CARD_SIGNING_KEY_ID:
    'arn:aws:kms:us-east-1:123456789012:key/7d1f2e3a-4b5c-6d7e-8f90-a1b2c3d4e5f6',
  VECTOR_BUCKET: 'switchboard-vectors-123456789012',
  VECTOR_INDEX_NAME: 'agents',
  PUSH_DELIVERY_QUEUE_URL:
    'https://sqs.us-east-1.amazonaws.com/123456789012/switchboard-push-deliveries',
}

/** A function's environment as Terraform sets it: literals, variables at their defaults, and the rest as applied. */
const terraformEnvironment = (module: TerraformModule, lambda: Body): Record<string, string> => {
  const [block] = nested(lambda, 'environment')
  const variables = (resolveSimple(module, block?.variables) ?? {}) as Record<string, unknown>
  const environment: Record<string, string> = {}
  for (const [name, value] of Object.entries(variables)) {
    const expression = wholeExpression(value)
    const variable = /^(?:tostring\()?var\.(\w+)\)?$/.exec(expression ?? '')?.[1]
    const resolved =
      typeof value === 'string' && !value.includes('${')
        ? value
        : variable
          ? module.variables[variable]?.default
          : appliedValues[name]
    if (resolved === undefined && !variable) {
      throw new Error(`${name} = ${String(value)}: add what it is once applied to appliedValues`)
    }
    // A null default (tostring(null)) leaves the variable unset.
    if (resolved !== undefined && resolved !== null) environment[name] = String(resolved)
  }
  return environment
}

/** A function URL's event for an HTTP+JSON SendMessage, as the sample agents get them. */
const functionUrlSend = (text: string) => ({
  rawPath: '/a2a/rest/message:send',
  rawQueryString: '',
  headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
  body: JSON.stringify({
    message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text }] },
  }),
  isBase64Encoded: false,
  requestContext: { http: { method: 'POST' }, domainName: 'abc.lambda-url.us-east-1.on.aws' },
})

/** One call each function answers with nothing but its code and a database. */
const events: Record<string, unknown> = {
  authorizer: sampleEvent('authorizer-bad-token.json'),
  agents: sampleEvent('agents-agent-card.json'),
  discovery: sampleEvent('discovery-list-agents.json'),
  admin: sampleEvent<APIGatewayProxyEvent>('admin-register-agent.json', (event) => {
    Object.assign(event, { httpMethod: 'GET', path: '/admin/agents', resource: '/admin/agents' })
    Object.assign(event.requestContext, { httpMethod: 'GET', resourcePath: '/admin/agents' })
    event.body = null
  }),
  console: sampleEvent('console-config.json'),
  'push-delivery': { Records: [] },
  weather: functionUrlSend('weather in Paris in July'),
  calculator: functionUrlSend('2+2*3'),
}

describe('the built functions run as Lambda runs them (Node 24, read-only code, only /tmp writable)', () => {
  let unavailable: string | undefined
  let database: LocalDatabase | undefined
  let functions: {
    name: string
    handler: string
    code: string
    environment: Record<string, string>
  }[]
  let sampleUrls: Body
  const runs = new Map<string, Promise<SandboxRun>>()
  // Two sandboxes at a time: each is a cold start, and the run's other files share the cores.
  let slots = 2
  const waiting: (() => void)[] = []
  const inTurn = async <T>(work: () => Promise<T>): Promise<T> => {
    if (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve))
    else slots--
    try {
      return await work()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else slots++
    }
  }

  beforeAll(async () => {
    unavailable = await sandboxUnavailable()
    if (unavailable) return
    const [{ outdir }, modules] = await Promise.all([
      sharedBuild(inject('sharedServices')),
      loadStack(),
    ])
    database = await startLocalDatabase({ tablePrefix })
    // The code each zip holds, where the build under test wrote what Terraform zips from dist/.
    const built = (module: TerraformModule, source: string, key: string) =>
      join(
        outdir,
        relative(
          join(repoRoot, 'dist'),
          source.replace('${path.module}', join(repoRoot, module.dir)).replace('${each.key}', key),
        ),
      )
    // Every AWS service but DynamoDB (the test's) refused at once: nothing leaves the machine.
    const endpoints = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_DYNAMODB: database.endpoint,
    }
    const root = rootModule(modules)
    const gateway = blockOf(root.resources, 'aws_lambda_function', 'handler')
    const gatewayZip = blockOf(root.data, 'archive_file', 'handler')
    const samples = modules.find(({ dir }) => dir === 'terraform/modules/sample-agents')
    if (!samples) throw new Error('no terraform/modules/sample-agents')
    const sample = blockOf(samples.resources, 'aws_lambda_function', 'agent')
    const sampleZip = blockOf(samples.data, 'archive_file', 'agent')
    sampleUrls = blockOf(samples.resources, 'aws_lambda_function_url', 'agent')
    functions = [
      ...Object.keys(root.locals.handlers as object).map((name) => ({
        name,
        handler: String(gateway.handler),
        code: built(root, String(gatewayZip.source_dir), name),
        environment: { ...terraformEnvironment(root, gateway), ...endpoints },
      })),
      ...Object.keys(samples.locals.agents as object).map((name) => ({
        name,
        handler: String(sample.handler).replace('${each.key}', name),
        code: built(samples, String(sampleZip.source_file), name),
        environment: terraformEnvironment(samples, sample),
      })),
    ]
  }, 120_000) // a whole build (shared with the other files that read one)
  afterAll(() => database?.stop())

  const runOf = (name: string) => {
    let running = runs.get(name)
    if (!running) {
      const fn = functions.find((candidate) => candidate.name === name)
      if (!fn) throw new Error(`no function ${name}`)
      running = inTurn(() =>
        runInLambdaSandbox({
          code: fn.code,
          environment: {
            ...lambdaRuntimeEnvironment(`switchboard-${name}`, fn.handler),
            ...fn.environment,
          },
          event: events[name],
        }),
      )
      runs.set(name, running)
    }
    return running
  }
  const skipUnavailable = (context: { skip: (note: string) => never }) => {
    if (unavailable) context.skip(`no Lambda sandbox on this machine: ${unavailable}`)
  }

  it('answers a call from each function, by the handler Terraform names and with the environment it sets, writing nothing anywhere', async (context) => {
    skipUnavailable(context)

    // Act: every function at once, each in its own sandbox
    const answers = Object.fromEntries(
      await Promise.all(functions.map(async ({ name }) => [name, await runOf(name)] as const)),
    )

    // Assess: only the authorizer throws (its refusal, as API Gateway wants it); none wrote a file
    for (const [name, { outcome, leftBehind }] of Object.entries(answers)) {
      if (name !== 'authorizer') expect(outcome.error, name).toBeUndefined()
      expect(leftBehind, `what ${name} wrote`).toEqual([])
    }
    const { authorizer, agents, discovery, admin, weather, calculator } = answers
    const operatorConsole = answers.console
    expect(authorizer?.outcome.error).toBe('Error: Unauthorized')
    expect(agents?.outcome.prelude?.statusCode).toBe(404)
    expect(agents?.outcome.body).toContain('AGENT_NOT_FOUND')
    expect(discovery?.outcome.result).toMatchObject({ statusCode: 200, body: '{"agents":[]}' })
    expect(admin?.outcome.result).toMatchObject({ statusCode: 200, body: '{"agents":[]}' })
    expect(operatorConsole?.outcome.result).toMatchObject({
      statusCode: 200,
      body: expect.stringContaining(appliedValues.CONSOLE_CLIENT_ID as string),
    })
    expect(answers['push-delivery']?.outcome.result).toEqual({ batchItemFailures: [] })
    expect(weather?.outcome.prelude?.statusCode).toBe(200)
    expect(JSON.parse(weather?.outcome.body ?? '{}').task.status.state).toBe('TASK_STATE_COMPLETED')
    const { artifacts } = JSON.parse(calculator?.outcome.body ?? '{}').task
    expect(artifacts[0].parts.map((part: { text: string }) => part.text).join('')).toBe('2+2*3 = 8')
  }, 120_000)

  it('marks for response streaming the functions whose routes stream, and no other', async (context) => {
    skipUnavailable(context)

    // Act
    const marked = Object.fromEntries(
      await Promise.all(
        functions.map(async ({ name }) => [name, (await runOf(name)).outcome.streaming] as const),
      ),
    )

    // Assess: API Gateway invokes a route's function for a stream or for one answer by the
    // route's flag (terraform/api.tf), the sample agents' URLs in RESPONSE_STREAM mode; the
    // local gateway goes by the mark alone, so a mismatch would show only on AWS.
    for (const name of Object.keys(marked)) {
      const served = routes.filter((route) => route.handler === name)
      if (served.length === 0) continue
      expect(new Set(served.map((route) => route.streaming)).size, name).toBe(1)
      expect(marked[name], name).toBe(served[0]?.streaming)
    }
    expect(sampleUrls.invoke_mode).toBe('RESPONSE_STREAM')
    expect({
      authorizer: marked.authorizer,
      'push-delivery': marked['push-delivery'],
      weather: marked.weather,
      calculator: marked.calculator,
    }).toEqual({ authorizer: false, 'push-delivery': false, weather: true, calculator: true })
  }, 120_000)
})
