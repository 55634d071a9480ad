// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { beforeAll, describe, expect, it } from 'vitest'
import { type Body, loadStack, type TerraformModule } from './support/stack.ts'

/** Every resource of `type` in every module of the stack, with where it is declared. */
const resourcesOf = (modules: TerraformModule[], type: string) =>
  modules.flatMap((module) =>
    Object.entries(module.resources[type] ?? {}).map(([name, bodies]) => ({
      where: `${module.dir}: ${type}.${name}`,
      module,
      body: (bodies[0] ?? {}) as Body,
    })),
  )

describe('Terraform stack: how long logs are kept', () => {
  let modules: TerraformModule[]
  beforeAll(async () => {
    modules = await loadStack()
  })

  it('keeps every log group log_retention_days, never for ever', () => {
    // Act
    const groups = resourcesOf(modules, 'aws_cloudwatch_log_group')

    // Assess
    expect(groups.length).toBeGreaterThanOrEqual(4)
    for (const { where, body } of groups) {
      expect({ where, retention: body.retention_in_days }).toEqual({
        where,
        retention: '${var.log_retention_days}',
      })
    }
  })

  it("gives every Lambda function a log group of its own (else Lambda makes one kept for ever), the sample agents' module its retention too", () => {
    // Act
    const functions = resourcesOf(modules, 'aws_lambda_function')

    // Assess: each function's group is declared beside it, over the same collection
    for (const { where, module, body } of functions) {
      const groups = Object.values(module.resources.aws_cloudwatch_log_group ?? {}).map(
        (bodies) => (bodies[0] ?? {}) as Body,
      )
      expect({ where, groupFor: groups.some((group) => group.for_each === body.for_each) }).toEqual(
        { where, groupFor: true },
      )
    }
    const samples = modules.find((module) => module.dir === 'terraform')?.modules.sample_agents
    expect(samples?.log_retention_days).toBe('${var.log_retention_days}')
  })
})
