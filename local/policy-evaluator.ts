import type { PolicyDocument, Statement } from 'aws-lambda'

/**
 * Whether `text` matches an IAM wildcard pattern: `*` any run of characters (none included), `?`
 * one, anything else itself. One pass that steps back only to the last `*` seen, so a match costs
 * at most the text's length times the pattern's: a regular expression of several `.*` (the
 * traversal Deny's patterns) tried every split of a path repeating `/agents/`, 0.7 s for 16 KB.
 */
export const wildcardMatches = (pattern: string, text: string): boolean => {
  let p = 0
  let t = 0
  let star = -1
  let resumeAt = 0
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++
      t++
    } else if (pattern[p] === '*') {
      star = p++
      resumeAt = t
    } else if (star >= 0) {
      // The last `*` takes one character more; the pattern goes on after it.
      p = star + 1
      t = ++resumeAt
    } else return false
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}

const listOf = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]

const invokes = (statement: Statement) =>
  listOf((statement as { Action?: string | string[] }).Action).some((action) =>
    wildcardMatches(action.toLowerCase(), 'execute-api:invoke'),
  )

const covers = (statement: Statement, methodArn: string) =>
  listOf((statement as { Resource?: string | string[] }).Resource).some((resource) =>
    wildcardMatches(resource, methodArn),
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
