import { beforeAll, describe, expect, it } from 'vitest'
import { wholeExpression } from './support/expressions.ts'
import { type Body, blockOf, loadStack, nested, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: tracing', () => {
  let modules: TerraformModule[]
  beforeAll(async () => {
    modules = await loadStack()
  })

  /** Every aws_lambda_function in every module, with where it is declared. */
  const functions = () =>
    modules.flatMap((module) =>
      Object.entries(module.resources.aws_lambda_function ?? {}).map(([name, bodies]) => ({
        module,
        where: `${module.dir}: aws_lambda_function.${name}`,
        body: bodies[0] as Body,
      })),
    )

  it('gives every Lambda function active tracing', () => {
    // Prepare
    const all = functions()

    // Assess: the gateway's handlers and the sample agents at least.
    expect(all.map(({ where }) => where).sort()).toEqual([
      'terraform/modules/sample-agents: aws_lambda_function.agent',
      'terraform: aws_lambda_function.handler',
    ])
    for (const { where, body } of all) {
      expect(nested(body, 'tracing_config'), where).toEqual([{ mode: 'Active' }])
    }
  })

  it('lets every traced function’s role write its traces to X-Ray', () => {
    // Assess: one role policy per function (same for_each as the function), from the xray document.
    for (const { module, where, body } of functions()) {
      const role = /^aws_iam_role\.([a-z_]+)\[each\.key\]\.arn$/.exec(
        wholeExpression(body.role) ?? '',
      )?.[1]
      const policy = blockOf(module.resources, 'aws_iam_role_policy', 'xray')
      expect(wholeExpression(policy.role), where).toBe(`aws_iam_role.${role}[each.key].id`)
      expect(wholeExpression(policy.for_each), where).toBe(wholeExpression(body.for_each))
      expect(wholeExpression(policy.policy), where).toBe('data.aws_iam_policy_document.xray.json')
    }
  })

  it('keeps in the stage access log what answered a request no handler saw, and its X-Ray trace', () => {
    // Prepare
    const root = modules.find(({ dir }) => dir === 'terraform') as TerraformModule
    const stage = blockOf(root.resources, 'aws_api_gateway_stage', 'gateway')
    const [settings] = nested(stage, 'access_log_settings') as Body[]

    // Assess: the format's text names the variables (jsonencode of a map)
    const format = JSON.stringify(settings?.format)
    for (const variable of [
      '$context.error.responseType',
      '$context.authorizer.error',
      '$context.authorize.status',
      '$context.xrayTraceId',
      '$context.requestId',
    ]) {
      expect(format, variable).toContain(variable)
    }
  })

  it('turns X-Ray tracing on for the API stage', () => {
    // Prepare
    const root = modules.find(({ dir }) => dir === 'terraform') as TerraformModule

    // Assess
    expect(blockOf(root.resources, 'aws_api_gateway_stage', 'gateway').xray_tracing_enabled).toBe(
      true,
    )
  })
})
