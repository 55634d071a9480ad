// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { getReferencesInExpression } from '@cdktf/hcl2json'
import { beforeAll, describe, expect, it } from 'vitest'
import { readmeSection } from '../support/readme.ts'
import { replacingAttributes } from './support/replacing-attributes.ts'
import {
  type Body,
  blockOf,
  loadStack,
  nested,
  rootModule,
  stringsIn,
  type TerraformModule,
} from './support/stack.ts'

/**
 * The root module's variables whose change replaces a stateful resource, each with the
 * resources it replaces: followed through locals and through the stateful resources an
 * attribute names (a replaced vector bucket replaces its index), and the provider's `region`,
 * which every resource is created in.
 */
const replacingVariables = async (root: TerraformModule): Promise<Map<string, Set<string>>> => {
  const file = 'terraform/data-safety.tf'
  const variablesIn = async (value: unknown, seen: Set<string>): Promise<Set<string>> => {
    const found = new Set<string>()
    for (const { text } of stringsIn(value)) {
      if (!text.includes('${')) continue
      for (const { value: reference } of await getReferencesInExpression(file, text)) {
        const [kind = '', name = ''] = reference.split('.')
        if (seen.has(`${kind}.${name}`)) continue
        if (kind === 'var') found.add(name)
        else if (kind === 'local') {
          for (const variable of await variablesIn(
            root.locals[name],
            new Set([...seen, `${kind}.${name}`]),
          ))
            found.add(variable)
        } else if (replacingAttributes[kind] && root.resources[kind]?.[name]) {
          for (const variable of await replacedVariablesOf(
            kind,
            name,
            new Set([...seen, `${kind}.${name}`]),
          ))
            found.add(variable)
        }
      }
    }
    return found
  }
  const replacedVariablesOf = async (type: string, name: string, seen: Set<string>) => {
    const body = blockOf(root.resources, type, name)
    const found = new Set<string>()
    for (const attribute of replacingAttributes[type] ?? []) {
      for (const variable of await variablesIn(body[attribute], seen)) found.add(variable)
    }
    return found
  }

  const replaced = new Map<string, Set<string>>()
  for (const [type, byName] of Object.entries(root.resources)) {
    if (!replacingAttributes[type]) continue
    for (const name of Object.keys(byName)) {
      for (const variable of await replacedVariablesOf(type, name, new Set([`${type}.${name}`]))) {
        replaced.set(variable, (replaced.get(variable) ?? new Set()).add(`${type}.${name}`))
      }
    }
  }
  const providers = root.files.flatMap(
    (file) => ((file.json.provider as Body | undefined)?.aws as Body[] | undefined) ?? [],
  )
  for (const variable of await variablesIn(
    providers.map((provider) => provider.region),
    new Set(),
  )) {
    replaced.set(variable, (replaced.get(variable) ?? new Set()).add('every resource'))
  }
  return replaced
}

/** The rows of the README table that follows `marker`: its first column's `variable` names. */
const tableVariables = (markdown: string, marker: string): string[] => {
  const start = markdown.indexOf(marker)
  if (start < 0) return []
  const lines = markdown.slice(start).split('\n')
  const first = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[] = []
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line)
  }
  return rows.flatMap((row) =>
    [...(row.split('|')[1] ?? '').matchAll(/`([a-z_]+)`/g)].map((match) => match[1] ?? ''),
  )
}

describe('Terraform stack: data safety on day 2 (changes, replacements, destroy)', () => {
  let root: TerraformModule
  let deploy: string
  beforeAll(async () => {
    root = rootModule(await loadStack())
    deploy = readmeSection('Deploy to AWS')
  })

  it('refuses to delete every DynamoDB table and the user pool while deletion_protection holds (the default)', () => {
    // Prepare
    const tables = Object.entries(root.resources.aws_dynamodb_table ?? {})

    // Act
    const unprotected = tables
      .filter(([, [body]]) => body?.deletion_protection_enabled !== '${var.deletion_protection}')
      .map(([name]) => name)
    const pool = blockOf(root.resources, 'aws_cognito_user_pool', 'gateway')

    // Assess
    expect(tables.length).toBeGreaterThan(0)
    expect(unprotected).toEqual([])
    expect(pool.deletion_protection).toBe('${var.deletion_protection ? "ACTIVE" : "INACTIVE"}')
    expect(root.variables.deletion_protection).toMatchObject({ type: '${bool}', default: true })
  })

  it("says in the README's tear-down to turn the protection off before terraform destroy", () => {
    // Prepare
    const tearDown = deploy.slice(deploy.indexOf('**Tear down.**'))

    // Assess
    expect(tearDown).toContain('deletion_protection = false')
    expect(tearDown.indexOf('deletion_protection = false')).toBeLessThan(
      tearDown.indexOf('terraform destroy'),
    )
  })

  it('lists in the README every variable whose change replaces a stateful resource, and no other', async () => {
    // Act
    const replaced = await replacingVariables(root)
    const listed = tableVariables(deploy, '**Changing a deployed stack.**')

    // Assess: what the derivation must find (the stack's known replacements), then the README.
    expect(replaced.get('name')).toContain('aws_dynamodb_table.agents')
    expect(replaced.get('name')).toContain('aws_cognito_user_pool_domain.gateway')
    expect(replaced.get('embedding_dimension')).toEqual(new Set(['aws_s3vectors_index.agents']))
    expect(replaced.get('region')).toContain('every resource')
    expect([...new Set(listed)].sort()).toEqual([...replaced.keys()].sort())
  })

  it('warns in the description of each such variable, where terraform.tfvars.example sends the operator', async () => {
    // Act
    const replaced = await replacingVariables(root)
    const silent = [...replaced.keys()].filter(
      (name) => !String(root.variables[name]?.description).includes('Changing a deployed stack'),
    )

    // Assess
    expect(silent).toEqual([])
  })

  it('tells an operator who changes embedding_dimension how to index the agents again', () => {
    // Prepare
    const start = deploy.indexOf('**Changing a deployed stack.**')
    const row = deploy
      .slice(start)
      .split('\n')
      .find((line) => line.startsWith('| `embedding_dimension`'))

    // Assess
    expect(row).toContain('npm run reindex')
    expect(String(root.variables.embedding_dimension?.description)).toContain('npm run reindex')
  })

  it('leaves the log groups, queues and index to a destroy: no prevent_destroy (it takes no variable, so it would refuse the tear-down) and no skip_destroy (a kept log group fails a stack of the same name)', async () => {
    // Prepare
    const modules = await loadStack()
    const blocks = modules.flatMap((module) =>
      Object.entries(module.resources).flatMap(([type, byName]) =>
        Object.entries(byName).map(([name, [body]]) => ({
          where: `${module.dir}: ${type}.${name}`,
          body: body ?? {},
        })),
      ),
    )

    // Act
    const preventing = blocks.filter(({ body }) =>
      nested(body, 'lifecycle').some((lifecycle) => 'prevent_destroy' in lifecycle),
    )
    const keeping = blocks.filter(({ body }) => 'skip_destroy' in body)

    // Assess: the README's tear-down and embedding_dimension row hold (docs/architecture.md,
    // "Day 2: what a change replaces", says why neither protects them cleanly).
    expect(preventing.map(({ where }) => where)).toEqual([])
    expect(keeping.map(({ where }) => where)).toEqual([])
    expect(deploy).toContain('the vectors, the queued pushes and the logs')
  })
})
