import { type Body, nested, type TerraformModule } from './stack.ts'

export interface PolicyStatement {
  /** `data.aws_iam_policy_document.<name>` and the statement's index or sid. */
  where: string
  body: Body
}

/** Every statement of every aws_iam_policy_document in the modules. */
export const policyStatements = (modules: TerraformModule[]): PolicyStatement[] =>
  modules.flatMap((module) =>
    Object.entries(module.data.aws_iam_policy_document ?? {}).flatMap(([name, bodies]) =>
      bodies.flatMap((document) =>
        nested(document, 'statement').map((body, index) => ({
          where: `${module.dir}: data.aws_iam_policy_document.${name} ${body.sid ?? index}`,
          body,
        })),
      ),
    ),
  )

/** Attributes that take a policy document, by resource type. */
export const policyAttributes: Record<string, string[]> = {
  aws_iam_role: ['assume_role_policy'],
  aws_iam_role_policy: ['policy'],
  aws_iam_policy: ['policy'],
  aws_kms_key: ['policy'],
  aws_secretsmanager_secret_policy: ['policy'],
}

/** Statements whose actions are a wildcard, or a wildcard within one service. */
export const wildcardActions = (statements: PolicyStatement[]) =>
  statements.flatMap(({ where, body }) =>
    ((body.actions as string[] | undefined) ?? [])
      .filter((action) => action.includes('*') || !/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action))
      .map((action) => `${where}: ${action}`),
  )
