import * as z from 'zod'

/**
 * Identifiers that end up inside execute-api ARNs in IAM policies, so nothing
 * here may contain `*`, `?` or `/`.
 */
export const agentIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/
export const scopePattern = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/

export const agentIdSchema = z
  .string()
  .regex(
    agentIdPattern,
    'must be 1-63 lowercase letters, digits or "-", starting with a letter or digit',
  )

export const scopeSchema = z
  .string()
  .regex(
    scopePattern,
    'must be 1-128 letters, digits, ":", ".", "_" or "-", starting with a letter or digit',
  )

export const isAgentId = (value: string): boolean => agentIdPattern.test(value)

/**
 * An agent id as a log line names it: whole when it is one, else (a stranger's path can name
 * kilobytes) its first 63 characters and "…", so a line costs no more for a longer URL.
 *
 * @example
 * agentIdForLog('weather') // 'weather'
 * agentIdForLog('a'.repeat(6_000)) // 63 "a"s and "…"
 */
export const agentIdForLog = (value: string): string => {
  if (isAgentId(value) || value.length <= 63) return value
  const characters = Array.from(value)
  return characters.length <= 63 ? value : `${characters.slice(0, 63).join('')}…`
}
