import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from '@cdktf/hcl2json'
import { beforeAll, describe, expect, it } from 'vitest'
import { gatewayEnvironmentVariables, loadConfig } from '../../lib/config.ts'
import { loadStack, rootModule, stackDir, type TerraformModule } from './support/stack.ts'

/**
 * The stack's defaults, where an operator reads them (terraform.tfvars.example says "the values
 * shown are the defaults") and where the functions meet them: a default stack configures the
 * gateway as lib/config.ts's defaults (README, *Configuration*) do.
 */
describe('Terraform stack: defaults', () => {
  let root: TerraformModule
  beforeAll(async () => {
    root = rootModule(await loadStack())
  })

  it('shows every variable in terraform.tfvars.example at its default, and no other', async () => {
    // Prepare
    const path = join(stackDir, 'terraform.tfvars.example')
    const example = (await parse(path, await readFile(path, 'utf8'))) as Record<string, unknown>

    // Act
    const defaults = Object.fromEntries(
      Object.entries(root.variables).map(([name, body]) => [name, body.default ?? null]),
    )

    // Assess
    expect(example).toEqual(defaults)
  })

  it("sets the functions' numbers and choices, at the variables' defaults, to lib/config.ts's own defaults", () => {
    // Prepare: each variable of the functions' environment that is a literal or a variable's
    // tostring(), with the value a default stack gives it.
    const environment = root.locals.gateway_environment as Record<string, unknown>
    const issuer = { TOKEN_ISSUER: 'https://issuer.example.com' }
    const defaults = loadConfig(issuer)
    const values = Object.entries(environment).flatMap(([name, value]) => {
      if (!gatewayEnvironmentVariables.includes(name)) return []
      const variable = /^\$\{tostring\(var\.(\w+)\)\}$/.exec(String(value))?.[1]
      if (variable) return [{ name, value: String(root.variables[variable]?.default) }]
      return String(value).includes('${') ? [] : [{ name, value: String(value) }]
    })

    // Act
    const differing = values.filter(
      ({ name, value }) =>
        JSON.stringify(loadConfig({ ...issuer, [name]: value })) !== JSON.stringify(defaults),
    )

    // Assess
    expect(values.map(({ name }) => name)).toContain('BACKEND_TIMEOUT_MS')
    expect(differing).toEqual([])
  })
})
