import type { MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import type { HttpResponse } from '../lib/http/http-response.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import { rateLimitHeaders } from '../lib/ratelimit/headers.ts'
import type {
  RateLimitDecision,
  RateLimiter,
  RateLimitRequest,
} from '../lib/ratelimit/rate-limiter.ts'
import { keepAnswerHeaders, withAnswerHeaders } from './support/answer-headers.ts'
import type { ChainRequest } from './support/chain-request.ts'

/** A call's limit among `context.caller.limits`: the most generous its scopes granting it offer. */
export { limitFor } from '../lib/auth/grants.ts'
/** The limiter a team wires in: one atomic DynamoDB update per request (lib/ratelimit). */
export { DynamoRateLimiter } from '../lib/ratelimit/rate-limiter.ts'
/** Wraps a middleware after `rateLimit` whose early refusal must carry the RateLimit headers too. */
export { answersWithKeptHeaders } from './support/answer-headers.ts'

export interface RateLimitOptions<R> {
  limiter: RateLimiter
  /** Who and what this request counts against, and the limit; undefined = not counted. */
  subject: (request: R) => RateLimitRequest | undefined
  /** The 429 answer in the caller's protocol; the RateLimit headers are added to it. */
  limitedResponse: (request: R, decision: RateLimitDecision) => HttpResponse
  /** Names the policy in the RateLimit headers. */
  policyName?: string
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
  checkOptions('rateLimit', options, {
    limiter: optionRules.methods('consume'),
    subject: optionRules.function(),
    limitedResponse: optionRules.function(),
    policyName: optionRules.text().optional(),
  })
  const { limiter, subject, limitedResponse, policyName = 'per-caller-agent' } = options

  const rateLimitMiddlewareBefore = async (request: R) => {
    const counted = subject(request)
    if (!counted) return
    const decision = await limiter.consume(counted)
    // Counted: every answer from here on says so, the refusals and errors that follow too.
    keepAnswerHeaders(request, rateLimitHeaders(decision, policyName))
    if (!decision.allowed) return withAnswerHeaders(request, limitedResponse(request, decision))
  }

  const rateLimitMiddlewareAfter = (request: R) => {
    request.response = withAnswerHeaders(request, request.response)
  }

  return {
    before: rateLimitMiddlewareBefore,
    after: rateLimitMiddlewareAfter,
  }
}
