// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  awsEnvironmentSource,
  gatewayEnvironmentVariables,
  localOnlyEnvironmentVariables,
  terraformEnvironmentVariables,
} from '../../lib/config.ts'
import { resolveSimple, wholeExpression } from './support/expressions.ts'
import { type Body, loadStack, nested, rootModule, type TerraformModule } from './support/stack.ts'

/** Names that would hold a credential if they held a value. */
const secretLikeName = /SECRET|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|CREDENTIAL/i
/** Attributes that are credentials, wherever they come from. */
const secretAttribute = /client_secret|secret_string|\.password|secret_binary|private_key/

describe('Terraform stack: function environment', () => {
  let root: TerraformModule
  let environment: Record<string, unknown>
  beforeAll(async () => {
    root = rootModule(await loadStack())
    const handler = root.resources.aws_lambda_function?.handler?.[0] as Body
    const [block] = nested(handler, 'environment')
    environment = resolveSimple(root, block?.variables) as Record<string, unknown>
  })

  it('classifies every variable lib/config.ts reads', () => {
    // Assess (the type says so too; this guards a cast)
    expect(Object.keys(awsEnvironmentSource).sort()).toEqual(
      [...gatewayEnvironmentVariables].sort(),
    )
  })

  it('sets every variable the handlers need from the stack on every function', () => {
    // Assess
    expect(typeof environment).toBe('object')
    const missing = terraformEnvironmentVariables.filter((name) => !(name in environment))
    expect(missing).toEqual([])
  })

  it('sets no local-only variable (it would swap an AWS adapter for a local one) nor a reserved one', () => {
    // Assess
    const set = Object.keys(environment)
    expect(set.filter((name) => localOnlyEnvironmentVariables.includes(name))).toEqual([])
    expect(set).not.toContain('AWS_REGION')
    // Unknown names are typos or leftovers: every name is a config variable or Powertools'.
    expect(
      set.filter(
        (name) => !gatewayEnvironmentVariables.includes(name) && !/^POWERTOOLS_/.test(name),
      ),
    ).toEqual([])
  })

  it('puts no secret value in any environment', () => {
    // Assess
    for (const [name, value] of Object.entries(environment)) {
      const text = String(value)
      // A secret-like name may only point somewhere (an ARN, a key id), never hold a literal.
      if (secretLikeName.test(name)) expect(wholeExpression(text), name).toBeDefined()
      expect(text, name).not.toMatch(secretAttribute)
    }
  })

  it('puts no secret value in the environment of any function, sample agents included', async () => {
    // Prepare
    const environments = (await loadStack()).flatMap((module) =>
      Object.entries(module.resources.aws_lambda_function ?? {}).flatMap(([name, bodies]) =>
        nested(bodies[0] as Body, 'environment').map((block) => ({
          name: `${module.dir}: ${name}`,
          variables: resolveSimple(module, block.variables) as Record<string, unknown>,
        })),
      ),
    )

    // Assess
    for (const { name, variables } of environments) {
      for (const [key, value] of Object.entries(variables ?? {})) {
        if (secretLikeName.test(key)) expect(wholeExpression(value), `${name} ${key}`).toBeDefined()
        expect(String(value), `${name} ${key}`).not.toMatch(secretAttribute)
      }
    }
  })

  it('gives every function the one gateway environment', () => {
    // Assess: the functions are one for_each block, so one environment serves all four.
    const functions = root.resources.aws_lambda_function ?? {}
    for (const [name, bodies] of Object.entries(functions)) {
      const [block] = nested(bodies[0] as Body, 'environment')
      expect(block?.variables, name).toBe('${local.gateway_environment}')
    }
  })
})
