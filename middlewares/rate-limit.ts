import type { MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import type { HttpResponse } from '../lib/http/http-response.ts'
import { rateLimitHeaders } from '../lib/ratelimit/headers.ts'
import type {
  RateLimitDecision,
  RateLimiter,
  RateLimitRequest,
} from '../lib/ratelimit/rate-limiter.ts'
import type { ChainRequest } from './support/chain-request.ts'

/** The limiter a team wires in: one atomic DynamoDB update per request (lib/ratelimit). */
export { DynamoRateLimiter } from '../lib/ratelimit/rate-limiter.ts'

export interface RateLimitOptions<R> {
  limiter: RateLimiter
  /** Who and what this request counts against, and the limit; undefined = not counted. */
  subject: (request: R) => RateLimitRequest | undefined
  /** The 429 answer in the caller's protocol; the RateLimit headers are added to it. */
  limitedResponse: (request: R, decision: RateLimitDecision) => HttpResponse
  /** Names the policy in the RateLimit headers. */
  policyName?: string
}

/** Each instance's own key: a request may pass more than one limit (`/route`, then the agent's). */
const keyFor = (policyName: string) => `rateLimit:${policyName}`

/** RateLimit and RateLimit-Policy are lists: a second policy is appended, not overwritten. */
const mergeHeaders = (into: Record<string, string> | undefined, add: Record<string, string>) => {
  const merged = { ...into }
  for (const [name, value] of Object.entries(add)) {
    const present = merged[name]
    merged[name] = present !== undefined && present !== value ? `${present}, ${value}` : value
  }
  return merged
}

/**
 * Counts each request against its caller's limit with one atomic update, and
 * answers 429 with `Retry-After` once the window is full. Every answer carries
 * the IETF `RateLimit-Policy` and `RateLimit` headers. A streamed call counts
 * once, when it starts.
 *
 * @example
 * middy().use(rateLimit({ limiter, subject, limitedResponse }))
 */
export const rateLimit = <TEvent = unknown, TContext extends Context = Context>(
  options: RateLimitOptions<ChainRequest<TEvent, TContext>>,
): MiddlewareObj<TEvent, unknown, Error, TContext, Record<string, unknown>> => {
  type R = ChainRequest<TEvent, TContext>
  const { limiter, subject, limitedResponse, policyName = 'per-caller-agent' } = options
  if (typeof limiter?.consume !== 'function')
    throw new TypeError('rateLimit: options.limiter is required')
  const key = keyFor(policyName)

  const rateLimitMiddlewareBefore = async (request: R) => {
    const counted = subject(request)
    if (!counted) return
    const decision = await limiter.consume(counted)
    const headers = rateLimitHeaders(decision, policyName)
    if (!decision.allowed) {
      const response = limitedResponse(request, decision)
      return { ...response, headers: { ...response.headers, ...headers } }
    }
    request.internal[key] = headers
  }

  const rateLimitMiddlewareAfter = (request: R) => {
    const headers = request.internal[key] as Record<string, string> | undefined
    const response = request.response as HttpResponse | undefined
    if (!headers || !response || typeof response !== 'object') return
    response.headers = mergeHeaders(response.headers, headers)
  }

  return {
    before: rateLimitMiddlewareBefore,
    after: rateLimitMiddlewareAfter,
  }
}
