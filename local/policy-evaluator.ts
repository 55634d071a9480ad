import type { PolicyDocument, Statement } from 'aws-lambda'

const compiled = new Map<string, RegExp>()

// A cached policy is evaluated on every request; each pattern is compiled once.
const wildcardToRegExp = (pattern: string): RegExp => {
  let regExp = compiled.get(pattern)
  if (!regExp) {
    regExp = compileWildcard(pattern)
    compiled.set(pattern, regExp)
  }
  return regExp
}

const compileWildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((char) =>
        char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&'),
      )
      .join('')}$`,
  )

const listOf = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]

const invokes = (statement: Statement) =>
  listOf((statement as { Action?: string | string[] }).Action).some((action) =>
    wildcardToRegExp(action.toLowerCase()).test('execute-api:invoke'),
  )

const covers = (statement: Statement, methodArn: string) =>
  listOf((statement as { Resource?: string | string[] }).Resource).some((resource) =>
    wildcardToRegExp(resource).test(methodArn),
  )

export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny'

/**
 * API Gateway's evaluation of an authorizer policy for one method ARN: an
 * explicit Deny wins, else an Allow is needed; `*` and `?` are IAM wildcards.
 */
export const evaluatePolicy = (policy: PolicyDocument, methodArn: string): PolicyDecision => {
  const matching = policy.Statement.filter(
    (statement) => invokes(statement) && covers(statement, methodArn),
  )
  if (matching.some((statement) => statement.Effect === 'Deny')) return 'explicit-deny'
  return matching.some((statement) => statement.Effect === 'Allow') ? 'allow' : 'implicit-deny'
}
