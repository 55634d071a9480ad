import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import { evaluatePolicy, type PolicyDecision } from './policy-evaluator.ts'

export interface CachedAuthorization {
  result: APIGatewayAuthorizerResult
  /** When it was kept: a clock now earlier (set back since) cannot tell its age. */
  cachedAt: number
  expiresAt: number
  /** The policy's decision by method ARN, at most `maxDecisionsPerAnswer` of them, none long. */
  decisions: Map<string, PolicyDecision>
  /**
   * What a handler's event carries of this answer (its `requestContext.authorizer`),
   * built on the first call it allows: it depends on the answer alone.
   */
  handlerContext?: Record<string, string | number>
}

/** A token used on more routes than this has its decisions worked out anew (then kept again). */
export const maxDecisionsPerAnswer = 256

/**
 * A longer method ARN's decision is worked out each time, not kept (a route's ARN is some 100
 * characters): kept, 256 of 16 KB paths held 4 MB per token, and the cache holds 10,000 tokens.
 */
const maxKeptArnLength = 1024

/** Tokens kept at most: a long `npm start` minting a token per call stays bounded. */
export const defaultMaxAuthorizerCacheEntries = 10_000

export interface AuthorizerCacheOptions {
  /** API Gateway's authorizer result TTL; 0 keeps nothing. */
  ttlSeconds: number
  maxEntries?: number
  /** The clock, in milliseconds: a seam for tests. */
  now?: () => number
}

/**
 * Authorizer answers by token, as API Gateway caches them, each with the
 * policy's decisions so far by method ARN: the policy is the cached answer's,
 * so a route's decision is the same every time, and is worked out once.
 * Every entry lives the same TTL, so insertion order is expiry order: an
 * insert drops the expired entries at the front, then the oldest beyond
 * `maxEntries`. An entry kept at a time later than now (the clock was set back)
 * is of no known age and is dropped too: kept, an hour's step back held an
 * answer (a permission since narrowed) for an hour more than the TTL.
 *
 * @example
 * const cache = createAuthorizerCache({ ttlSeconds: 300 })
 * const entry = cache.get(token) ?? cache.set(token, await authorizer(event))
 * if (decisionFor(entry, methodArn) === 'allow') ...
 */
export const createAuthorizerCache = ({
  ttlSeconds,
  maxEntries = defaultMaxAuthorizerCacheEntries,
  now = Date.now,
}: AuthorizerCacheOptions) => {
  const entries = new Map<string, CachedAuthorization>()
  const current = (entry: CachedAuthorization, at: number) =>
    entry.cachedAt <= at && at < entry.expiresAt
  return {
    get size() {
      return entries.size
    },
    /** The unexpired answer for `token`, if any. */
    get(token: string): CachedAuthorization | undefined {
      const entry = entries.get(token)
      if (entry === undefined || current(entry, now())) return entry
      entries.delete(token)
      return undefined
    },
    /** Keeps `result` for `token` (unless the TTL is 0) and returns its entry. */
    set(token: string, result: APIGatewayAuthorizerResult): CachedAuthorization {
      const at = now()
      const entry = {
        result,
        cachedAt: at,
        expiresAt: at + ttlSeconds * 1000,
        decisions: new Map(),
      }
      if (ttlSeconds <= 0) return entry
      entries.delete(token)
      for (const [oldToken, old] of entries) {
        if (current(old, at) && entries.size < maxEntries) break
        entries.delete(oldToken)
      }
      entries.set(token, entry)
      return entry
    },
  }
}

/** The cached policy's decision for one method ARN: evaluated once per answer and route. */
export const decisionFor = ({ result, decisions }: CachedAuthorization, methodArn: string) => {
  let decision = decisions.get(methodArn)
  if (decision === undefined) {
    decision = evaluatePolicy(result.policyDocument, methodArn)
    if (methodArn.length > maxKeptArnLength) return decision
    if (decisions.size >= maxDecisionsPerAnswer) decisions.clear()
    decisions.set(methodArn, decision)
  }
  return decision
}
