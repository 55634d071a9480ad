import type { RateLimitDecision } from './rate-limiter.ts'

/**
 * The IETF httpapi RateLimit headers (draft-ietf-httpapi-ratelimit-headers):
 * the policy (quota `q` per window `w` seconds) and where the caller stands in
 * it (remaining `r`, seconds to reset `t`).
 */
export const rateLimitHeaders = (
  decision: RateLimitDecision,
  policyName: string,
): Record<string, string> => ({
  'RateLimit-Policy': `"${policyName}";q=${decision.limit};w=${decision.windowSeconds}`,
  RateLimit: `"${policyName}";r=${decision.remaining};t=${decision.resetSeconds}`,
  ...(decision.allowed ? {} : { 'Retry-After': String(decision.resetSeconds) }),
})
