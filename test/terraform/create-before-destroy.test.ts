// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { getReferencesInExpression } from '@cdktf/hcl2json'
import { beforeAll, describe, expect, it } from 'vitest'
import { replacingAttributes } from './support/replacing-attributes.ts'
import {
  type Body,
  loadStack,
  nested,
  rootModule,
  stringsIn,
  type TerraformModule,
} from './support/stack.ts'

/**
 * Whether AWS lets a resource of a type exist twice, as create-before-destroy needs for a moment:
 * - `side by side`: nothing of it is unique (a second copy is always created);
 * - `one at a time`: never two, whatever their arguments;
 * - `unique`: the arguments that name it uniquely in their scope. A second copy collides with the
 *   first unless these differ, so every variable that replaces it (through `replacedBy`, the
 *   provider's replacing attributes, by default those of ./support/replacing-attributes.ts) must
 *   also change them.
 * Every type Terraform forces to create-before-destroy must be here: a new one fails the test
 * until someone says which it is.
 */
type Copies =
  | { kind: 'side by side'; replacedBy?: string[] }
  | { kind: 'one at a time'; why: string }
  | { kind: 'unique'; unique: string[]; replacedBy?: string[] }

const copies: Record<string, Copies> = {
  aws_api_gateway_deployment: { kind: 'side by side', replacedBy: ['rest_api_id', 'triggers'] },
  aws_api_gateway_rest_api: { kind: 'side by side', replacedBy: [] },
  aws_api_gateway_authorizer: { kind: 'side by side', replacedBy: ['rest_api_id'] },
  aws_api_gateway_resource: {
    kind: 'unique',
    unique: ['rest_api_id', 'parent_id', 'path_part'],
    replacedBy: ['rest_api_id'],
  },
  aws_api_gateway_method: {
    kind: 'unique',
    unique: ['rest_api_id', 'resource_id', 'http_method'],
    replacedBy: ['rest_api_id', 'resource_id', 'http_method'],
  },
  // One integration per method: a second PutIntegration overwrites the first.
  aws_api_gateway_integration: {
    kind: 'unique',
    unique: ['rest_api_id', 'resource_id', 'http_method'],
    replacedBy: ['rest_api_id', 'resource_id', 'http_method'],
  },
  aws_api_gateway_method_response: {
    kind: 'unique',
    unique: ['rest_api_id', 'resource_id', 'http_method', 'status_code'],
    replacedBy: ['rest_api_id', 'resource_id', 'http_method', 'status_code'],
  },
  aws_api_gateway_integration_response: {
    kind: 'unique',
    unique: ['rest_api_id', 'resource_id', 'http_method', 'status_code'],
    replacedBy: ['rest_api_id', 'resource_id', 'http_method', 'status_code'],
  },
  aws_api_gateway_gateway_response: {
    kind: 'unique',
    unique: ['rest_api_id', 'response_type'],
    replacedBy: ['rest_api_id', 'response_type'],
  },
  aws_lambda_function: {
    kind: 'unique',
    unique: ['function_name'],
    replacedBy: ['function_name', 'package_type'],
  },
  aws_cloudwatch_log_group: { kind: 'unique', unique: ['name', 'name_prefix'] },
  aws_iam_role: {
    kind: 'unique',
    unique: ['name', 'name_prefix'],
    replacedBy: ['name', 'name_prefix', 'path'],
  },
  aws_iam_role_policy: {
    kind: 'unique',
    unique: ['role', 'name', 'name_prefix'],
    replacedBy: ['role', 'name', 'name_prefix'],
  },
  aws_sqs_queue: { kind: 'unique', unique: ['name', 'name_prefix'] },
  aws_kms_key: { kind: 'side by side' },
  aws_cognito_user_pool: { kind: 'side by side' },
  aws_cognito_user_pool_client: { kind: 'side by side' },
  aws_cognito_resource_server: { kind: 'unique', unique: ['user_pool_id', 'identifier'] },
  aws_cognito_user_pool_domain: {
    kind: 'one at a time',
    why: 'a user pool has one prefix domain, and a prefix is the Region-wide name of the token endpoint',
  },
  aws_s3vectors_vector_bucket: { kind: 'unique', unique: ['vector_bucket_name'] },
  aws_s3vectors_index: { kind: 'unique', unique: ['vector_bucket_name', 'index_name'] },
}

const replacedByOf = (type: string): string[] => {
  const entry = copies[type]
  return (
    (entry && entry.kind !== 'one at a time' ? entry.replacedBy : undefined) ??
    replacingAttributes[type] ??
    []
  )
}

/** `aws_foo.bar`, `data.aws_foo.bar`, `local.x`, `var.x`, `module.m`: what a reference names. */
const addressOf = (reference: string): string => {
  const parts = reference.split('.')
  return (parts[0] === 'data' ? parts.slice(0, 3) : parts.slice(0, 2)).join('.')
}

const builtIns = new Set(['each', 'count', 'path', 'self', 'terraform'])

const addressesIn = async (value: unknown): Promise<string[]> => {
  const found: string[] = []
  for (const { text } of stringsIn(value)) {
    if (!text.includes('${')) continue
    for (const { value: reference } of await getReferencesInExpression('cbd.tf', text)) {
      const address = addressOf(reference)
      if (!builtIns.has(address.split('.')[0] ?? '')) found.push(address)
    }
  }
  return found
}

const bodyOf = (root: TerraformModule, address: string): unknown => {
  const [kind = '', name = '', third = ''] = address.split('.')
  if (kind === 'local') return root.locals[name]
  if (kind === 'module') return root.modules[name]
  if (kind === 'data') return root.data[name]?.[third]
  if (kind === 'var') return undefined
  return root.resources[kind]?.[name]
}

/** Every resource with `lifecycle { create_before_destroy = true }` in the root module. */
const createBeforeDestroy = (root: TerraformModule): string[] =>
  Object.entries(root.resources).flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([, bodies]) =>
        bodies.some((body) =>
          nested(body, 'lifecycle').some((lifecycle) => lifecycle.create_before_destroy === true),
        ),
      )
      .map(([name]) => `${type}.${name}`),
  )

/**
 * What Terraform forces to create-before-destroy (its ForcedCBDTransformer): everything a
 * create-before-destroy resource depends on, however far, through locals, data sources,
 * modules and depends_on. Each address with the one it was reached from, to say the path.
 */
const forcedChain = async (root: TerraformModule): Promise<Map<string, string>> => {
  const from = new Map<string, string>()
  const pending: [address: string, parent: string][] = createBeforeDestroy(root).map((address) => [
    address,
    '',
  ])
  while (pending.length > 0) {
    const [address, parent] = pending.shift() as [string, string]
    if (from.has(address)) continue
    from.set(address, parent)
    for (const next of await addressesIn(bodyOf(root, address))) {
      // A dynamic block's iterator (`scope.value`) names nothing declared.
      const declared = next.startsWith('var.') || bodyOf(root, next) !== undefined
      if (declared && !from.has(next)) pending.push([next, address])
    }
  }
  return from
}

const pathTo = (chain: Map<string, string>, address: string): string => {
  const path = [address]
  for (let at = chain.get(address); at; at = chain.get(at)) path.push(at)
  return path.join(' <- ')
}

/** The variables whose change reaches `value`: through locals, and through the resources it
 * names, by what replaces them (a replaced vector bucket gives its index a new bucket name). */
const variablesReaching = async (
  root: TerraformModule,
  value: unknown,
  seen = new Set<string>(),
): Promise<Set<string>> => {
  const found = new Set<string>()
  for (const address of await addressesIn(value)) {
    if (seen.has(address)) continue
    const [kind = '', name = ''] = address.split('.')
    const inner = new Set([...seen, address])
    let reached: Set<string> = new Set()
    if (kind === 'var') reached = new Set([name])
    else if (kind === 'local') reached = await variablesReaching(root, root.locals[name], inner)
    else if (root.resources[kind]?.[name]) {
      const body = root.resources[kind][name][0] ?? {}
      reached = await variablesReaching(
        root,
        replacedByOf(kind).map((attribute) => body[attribute]),
        inner,
      )
    }
    for (const variable of reached) found.add(variable)
  }
  return found
}

/** Why a resource in the chain cannot be created while the old one stands, or undefined. */
const collision = async (root: TerraformModule, address: string): Promise<string | undefined> => {
  const [type = '', name = ''] = address.split('.')
  const entry = copies[type]
  if (!entry) return `${type} is not in this test's table: say whether AWS lets it exist twice`
  if (entry.kind === 'one at a time') return entry.why
  if (entry.kind === 'side by side') return undefined
  const body = (root.resources[type]?.[name]?.[0] ?? {}) as Body
  const replacing = await variablesReaching(
    root,
    replacedByOf(type).map((attribute) => body[attribute]),
  )
  const naming = await variablesReaching(
    root,
    entry.unique.map((attribute) => body[attribute]),
  )
  const unnamed = [...replacing].filter((variable) => !naming.has(variable))
  return unnamed.length > 0
    ? `var.${unnamed.join(', var.')} replaces it and leaves ${entry.unique.join(' and ')} as they were`
    : undefined
}

describe('Terraform stack: replacements under create_before_destroy', () => {
  let modules: TerraformModule[]
  let root: TerraformModule
  let chain: Map<string, string>
  beforeAll(async () => {
    modules = await loadStack()
    root = rootModule(modules)
    chain = await forcedChain(root)
  })

  it('finds the deployment, and what it depends on, in the chain Terraform forces to create-before-destroy', () => {
    // Assess: the walk reaches the functions behind the routes, and their environment's sources.
    expect(createBeforeDestroy(root)).toEqual(['aws_api_gateway_deployment.gateway'])
    // The walk starts in the root module only: one in a child module would force its inputs'
    // sources in the root too, unseen here.
    expect(
      modules
        .filter((module) => module !== root)
        .flatMap((module) =>
          createBeforeDestroy(module).map((address) => `${module.dir}: ${address}`),
        ),
    ).toEqual([])
    expect(chain.has('aws_lambda_function.handler')).toBe(true)
    expect(chain.has('aws_cognito_user_pool.gateway')).toBe(true)
    expect(chain.has('aws_s3vectors_vector_bucket.agents')).toBe(true)
  })

  it('serves the API only once the Cognito domain its functions name exists, which they no longer wait for', () => {
    // Prepare
    const stage = root.resources.aws_api_gateway_stage?.gateway?.[0] ?? {}

    // Assess
    expect(String(root.locals.token_url)).toContain('${local.cognito_domain_prefix}')
    expect(stage.depends_on).toContain('${aws_cognito_user_pool_domain.gateway}')
  })

  it('holds no module in the chain (the walk does not look inside one)', () => {
    // Assess
    expect([...chain.keys()].filter((address) => address.startsWith('module.'))).toEqual([])
  })

  it('holds nothing AWS cannot create a second copy of while the first stands (the apply would fail)', async () => {
    // Act
    const failing: string[] = []
    for (const address of chain.keys()) {
      const [kind = ''] = address.split('.')
      if (['var', 'local', 'data', 'module'].includes(kind)) continue
      const why = await collision(root, address)
      if (why) failing.push(`${pathTo(chain, address)}: ${why}`)
    }

    // Assess
    expect(failing).toEqual([])
  })
})
