import { type Body, nested, type TerraformModule } from './stack.ts'

export interface PolicyStatement {
  /** `data.aws_iam_policy_document.<name>` and the statement's index or sid. */
  where: string
  body: Body
}

/**
 * A `dynamic "statement"` block's statement: its content, with the sid its
 * `for_each` names (`cond ? ["Sid"] : []`, the one form this stack uses) in
 * place of `statement.value`.
 */
const dynamicStatements = (document: Body): Body[] =>
  nested((document.dynamic as Body | undefined) ?? {}, 'statement').flatMap((block) =>
    nested(block, 'content').map((content) => {
      const sid = /\["([A-Za-z0-9]+)"\]/.exec(String(block.for_each))?.[1]
      return { ...content, sid: sid ?? content.sid, for_each: block.for_each }
    }),
  )

/** Every statement of every aws_iam_policy_document in the modules, dynamic ones included. */
export const policyStatements = (modules: TerraformModule[]): PolicyStatement[] =>
  modules.flatMap((module) =>
    Object.entries(module.data.aws_iam_policy_document ?? {}).flatMap(([name, bodies]) =>
      bodies.flatMap((document) =>
        [...nested(document, 'statement'), ...dynamicStatements(document)].map((body, index) => ({
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
