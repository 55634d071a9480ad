import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import type { RateLimitDecision, RateLimiter } from '../../../lib/ratelimit/rate-limiter.ts'
import { rateLimit } from '../../../middlewares/rate-limit.ts'
import { invoke } from '../../support/events.ts'

const decision = (allowed: boolean, remaining: number): RateLimitDecision => ({
  allowed,
  limit: 10,
  remaining,
  resetSeconds: 42,
  windowSeconds: 60,
})

const limiterAnswering = (answer: RateLimitDecision): RateLimiter => ({
  consume: vi.fn(async () => answer),
})

const handlerWith = (limiter: RateLimiter, counted = true) => {
  const handler = vi.fn(async () => ({
    statusCode: 200,
    headers: { 'x-agent': 'yes' },
    body: 'ok',
  }))
  const wrapped = middy()
    .use(
      rateLimit({
        limiter,
        subject: () => (counted ? { principal: 'p', resource: 'weather', limit: 10 } : undefined),
        limitedResponse: () => ({
          statusCode: 429,
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      }),
    )
    .handler(handler)
  return { wrapped, handler }
}

describe('rateLimit middleware', () => {
  it('returns 429 with Retry-After and the RateLimit headers when the window is full', async () => {
    // Prepare
    const { wrapped, handler } = handlerWith(limiterAnswering(decision(false, 0)))

    // Act
    const response = await invoke(wrapped, {})

    // Assess
    expect(handler).not.toHaveBeenCalled()
    expect(response).toMatchObject({
      statusCode: 429,
      headers: {
        'content-type': 'application/json',
        'Retry-After': '42',
        'RateLimit-Policy': '"per-caller-agent";q=10;w=60',
        RateLimit: '"per-caller-agent";r=0;t=42',
      },
    })
  })

  it('adds the RateLimit headers to a successful response and keeps its own', async () => {
    // Prepare
    const { wrapped } = handlerWith(limiterAnswering(decision(true, 7)))

    // Act
    const response = await invoke(wrapped, {})

    // Assess
    expect(response.headers).toEqual({
      'x-agent': 'yes',
      'RateLimit-Policy': '"per-caller-agent";q=10;w=60',
      RateLimit: '"per-caller-agent";r=7;t=42',
    })
  })

  it('counts nothing for a request its subject leaves out', async () => {
    // Prepare
    const limiter = limiterAnswering(decision(false, 0))
    const { wrapped } = handlerWith(limiter, false)

    // Act
    const response = await invoke(wrapped, {})

    // Assess
    expect(response.statusCode).toBe(200)
    expect(limiter.consume).not.toHaveBeenCalled()
  })

  it('refuses to be built without a limiter', () => {
    // Assess
    expect(() =>
      rateLimit({
        limiter: undefined as never,
        subject: () => undefined,
        limitedResponse: () => ({ statusCode: 429 }),
      }),
    ).toThrow('rateLimit: options.limiter must have consume()')
  })

  it('lets two limits on one request each keep their state and lists both policies in the headers', async () => {
    // Prepare
    const limit = (policyName: string, remaining: number) =>
      rateLimit({
        limiter: limiterAnswering(decision(true, remaining)),
        policyName,
        subject: () => ({ principal: 'p', resource: policyName, limit: 10 }),
        limitedResponse: () => ({ statusCode: 429, body: '{}' }),
      })
    const wrapped = middy()
      .use(limit('per-caller-route', 7))
      .use(limit('per-caller-agent', 3))
      .handler(async () => ({ statusCode: 200, headers: {}, body: 'ok' }))

    // Act
    const response = await invoke(wrapped, {})

    // Assess: in the order the request was counted
    expect(response).toMatchObject({
      headers: {
        'RateLimit-Policy': '"per-caller-route";q=10;w=60, "per-caller-agent";q=10;w=60',
        RateLimit: '"per-caller-route";r=7;t=42, "per-caller-agent";r=3;t=42',
      },
    })
  })
})
