// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, written into the configuration under test.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compact, wholeExpression } from './support/expressions.ts'
import {
  type Body,
  blockOf,
  loadStack,
  nested,
  repoRoot,
  rootModule,
  stackDir,
  type TerraformModule,
} from './support/stack.ts'
import { runTerraform, terraformBinary } from './support/terraform-cli.ts'

/**
 * Lambda's limit on a function's environment: the Variables map serialized as JSON, keys and
 * values ("exceeded the 4KB limit. String measured: {...}" quotes that JSON).
 */
const lambdaLimit = 4096

/** A Cognito app client id: 26 lowercase letters and digits (AWS's documented example). */
const clientId = (index: number) => `1h57kf5cpq17m0eml${String(index).padStart(9, '0')}`
/** An IPv4 block as long as one is written (18 characters). */
const ipv4Block = (index: number) =>
  `100.${100 + (index % 100)}.${100 + Math.floor(index / 100)}.100/32`

/**
 * What AWS generates for the attributes locals.tf reads from resources, data sources and the
 * sample agents' module, at their real lengths, by `<type>.<attribute>` (an attribute the
 * configuration sets itself, such as a bucket's name, is taken from it instead).
 */
const generated: Record<string, (body: Body) => string> = {
  'data.aws_caller_identity.account_id': () => '"123456789012"',
  'data.aws_partition.partition': () => '"aws"',
  'data.aws_partition.dns_suffix': () => '"amazonaws.com"',
  // <region>_ and nine letters or digits.
  'aws_cognito_user_pool.id': () => '"${var.region}_AbCdEfGhI"',
  'aws_cognito_user_pool.endpoint': () =>
    '"cognito-idp.${var.region}.amazonaws.com/${var.region}_AbCdEfGhI"',
  'aws_cognito_user_pool_client.id': () => `"${clientId(0)}"`,
  // A key id is a UUID.
  'aws_kms_key.arn': () =>
    '"arn:aws:kms:${var.region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
  'aws_sqs_queue.url': (body) =>
    `"https://sqs.\${var.region}.amazonaws.com/123456789012/${String(body.name)}"`,
  // Not in the functions' environment (the callers' invoke grants).
  'module.sample_agents.function_arns': () => '{}',
}

/** `aws_x.y.attr`, `data.aws_x.y.attr` and `module.x[0].attr` references in HCL text. */
const reference =
  /\b(?:data\.aws_[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+|aws_[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+|module\.[a-z0-9_]+\[0\]\.[a-z0-9_]+)/g

/**
 * locals.tf with each reference to what only AWS knows replaced by a stand-in local of its real
 * length: the functions' environment, computed by Terraform as on a deployed stack.
 */
const environmentConfiguration = async (root: TerraformModule) => {
  const values = new Map<string, string>()
  const standInFor = (text: string): string =>
    text.replace(reference, (found) => {
      const name = `stand_in_${found.replace(/\W+/g, '_')}`
      if (values.has(name)) return `local.${name}`
      const parts = found.replace('[0]', '').split('.')
      const [kind, type, label, attribute] =
        parts[0] === 'data'
          ? ['data', parts[1], parts[2], parts[3]]
          : parts[0] === 'module'
            ? ['module', parts[1], '', parts[2]]
            : ['resource', parts[0], parts[1], parts[2]]
      const key = `${kind === 'resource' ? '' : `${kind}.`}${type}.${attribute}`
      const body =
        kind === 'resource' ? blockOf(root.resources, String(type), String(label)) : ({} as Body)
      const set = body[String(attribute)]
      const value =
        set === undefined ? generated[key]?.(body) : (wholeExpression(set) ?? `"${String(set)}"`)
      if (value === undefined) {
        throw new Error(`no stand-in for ${found}: add one to \`generated\`, at AWS's real length`)
      }
      // Taken before its own value is read (a bucket's name reads the account id, say).
      values.set(name, '')
      values.set(name, standInFor(value))
      return `local.${name}`
    })
  const locals = await readFile(join(stackDir, 'locals.tf'), 'utf8')
  const withoutData = locals.replace(/^data "[^"]+" "[^"]+" \{\}\n/gm, '')
  if (/^(data|resource|module) /m.test(withoutData)) {
    throw new Error('locals.tf declares more than locals and empty data sources')
  }
  const transformed = standInFor(withoutData)
  const standIns = `locals {\n${[...values].map(([name, value]) => `  ${name} = ${value}`).join('\n')}\n}\n`
  return { locals: transformed, standIns }
}

/**
 * The Lambda function's lifecycle block from lambda.tf, on a resource Terraform plans without a
 * provider, with the environment's size as an output.
 */
const functionConfiguration = (root: TerraformModule) => {
  const handler = blockOf(root.resources, 'aws_lambda_function', 'handler')
  const preconditions = nested(handler, 'lifecycle').flatMap((block) =>
    nested(block, 'precondition'),
  )
  const blocks = preconditions.map(({ condition, error_message }) => {
    const message = String(error_message)
    if (/"/.test(message.replace(/\$\{[^}]*\}/g, ''))) throw new Error('a quote in the message')
    return `    precondition {\n      condition     = ${wholeExpression(condition)}\n      error_message = "${message}"\n    }`
  })
  return `resource "terraform_data" "handler" {\n  lifecycle {\n${blocks.join('\n')}\n  }\n}\n\noutput "environment_json_bytes" {\n  value = length(jsonencode(local.gateway_environment))\n}\n`
}

describe("Terraform stack: the functions' environment within Lambda's 4 KB", () => {
  const binary = terraformBinary()
  let root: TerraformModule
  let dir = ''
  beforeAll(async () => {
    root = rootModule(await loadStack())
    if (!binary) return
    dir = await mkdtemp(join(tmpdir(), 'switchboard-tf-environment-'))
    await copyFile(join(stackDir, 'variables.tf'), join(dir, 'variables.tf'))
    const { locals, standIns } = await environmentConfiguration(root)
    await writeFile(join(dir, 'locals.tf'), locals)
    await writeFile(join(dir, 'stand-ins.tf'), standIns)
    await writeFile(join(dir, 'function.tf'), functionConfiguration(root))
    const init = await runTerraform(binary, ['init', '-backend=false', '-no-color'], dir)
    if (init.code !== 0) throw new Error(`terraform init: ${init.stderr}`)
  }, 60_000)
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined))

  const plan = async (variables: Record<string, string>) => {
    const run = await runTerraform(
      binary as string,
      [
        'plan',
        '-no-color',
        '-input=false',
        ...Object.entries({ manage_api_gateway_account: 'true', ...variables }).map(
          ([name, value]) => `-var=${name}=${value}`,
        ),
      ],
      dir,
    )
    const output = `${run.stdout}${run.stderr}`.replace(/\s+/g, ' ')
    const bytes = /environment_json_bytes = (\d+)/.exec(output)?.[1]
    return { code: run.code, output, bytes: bytes === undefined ? undefined : Number(bytes) }
  }
  const list = (items: string[]) => JSON.stringify(items)
  const skipWithoutTerraform = (context: { skip: (note: string) => never }) => {
    if (!binary) context.skip('terraform is not on PATH: the environment is not computed here')
  }

  /** How many more entries fit: the first costs `first` bytes, each next one `next`. */
  const room = (bytes: number, first: number, next: number) =>
    bytes + first > lambdaLimit ? 0 : 1 + Math.floor((lambdaLimit - bytes - first) / next)

  it('checks the environment measured as JSON against 4096 before Lambda is asked', () => {
    // Prepare
    const handler = blockOf(root.resources, 'aws_lambda_function', 'handler')
    const preconditions = nested(handler, 'lifecycle').flatMap((block) =>
      nested(block, 'precondition'),
    )

    // Assess
    expect(preconditions.map(({ condition }) => compact(String(condition)))).toContain(
      compact('${length(jsonencode(local.gateway_environment)) <= 4096}'),
    )
  })

  it.for<{ what: string; variable: string; entry: (index: number) => string }>([
    { what: 'extra allowed client ids', variable: 'extra_allowed_client_ids', entry: clientId },
    { what: 'allowed backend blocks', variable: 'backend_allowed_cidrs', entry: ipv4Block },
  ])(
    "refuses at plan the first of the $what past Lambda's limit, naming the two lists",
    {
      timeout: 60_000,
    },
    async ({ variable, entry }, context) => {
      // Prepare: the stack's own three clients listed too, as with restrict_client_ids.
      skipWithoutTerraform(context)
      const restricted = { restrict_client_ids: 'true' }
      const { bytes } = await plan({ ...restricted, [variable]: '[]' })
      if (bytes === undefined) throw new Error('no environment size in the plan')
      const isClient = variable === 'extra_allowed_client_ids'
      const fits = isClient ? room(bytes, 27, 27) : room(bytes, 18, 19)
      const entries = Array.from({ length: fits + 1 }, (_, index) => entry(index + 1))

      // Act
      const atLimit = await plan({ ...restricted, [variable]: list(entries.slice(0, fits)) })
      const past = await plan({ ...restricted, [variable]: list(entries) })

      // Assess
      expect(atLimit.code, atLimit.output).toBe(0)
      expect(atLimit.bytes).toBeLessThanOrEqual(lambdaLimit)
      expect(past.output).toContain('Resource precondition failed')
      expect(past.output).toContain(`is ${(atLimit.bytes ?? 0) + (isClient ? 27 : 19)} bytes`)
      expect(past.output).toContain('extra_allowed_client_ids')
      expect(past.output).toContain('backend_allowed_cidrs')
      expect(past.code).toBe(1)
    },
  )

  it("leaves the room the README states, at the stack's defaults", {
    timeout: 60_000,
  }, async (context) => {
    // Prepare
    skipWithoutTerraform(context)
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8')

    // Act
    const defaults = await plan({})
    const restricted = await plan({ restrict_client_ids: 'true' })

    // Assess: the README's figures are never more than what fits, and near it.
    expect(defaults.code, defaults.output).toBe(0)
    const stated =
      /about ([\d,]+) bytes of it[^.]*?room for (\d+) extra app client ids[^.]*?or (\d+) IPv4 blocks/.exec(
        readme.replace(/\s+/g, ' '),
      )
    expect(stated, 'the README states the headroom').not.toBeNull()
    const [, size, ids, blocks] = stated ?? []
    const rounded = Math.round((defaults.bytes ?? 0) / 100) * 100
    expect(Number(String(size).replace(',', ''))).toBe(rounded)
    const clientRoom = room(restricted.bytes ?? lambdaLimit, 27, 27)
    const blockRoom = room(defaults.bytes ?? lambdaLimit, 18, 19)
    expect(Number(ids)).toBeLessThanOrEqual(clientRoom)
    expect(Number(ids)).toBeGreaterThan(clientRoom * 0.9)
    expect(Number(blocks)).toBeLessThanOrEqual(blockRoom)
    expect(Number(blocks)).toBeGreaterThan(blockRoom * 0.9)
  })
})
