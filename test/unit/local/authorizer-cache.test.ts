import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { buildPolicy } from '../../../lib/auth/policy.ts'
import { methodArnFor } from '../../../local/api-gateway-events.ts'
import {
  createAuthorizerCache,
  decisionFor,
  maxDecisionsPerAnswer,
} from '../../../local/authorizer-cache.ts'

const answer = (): APIGatewayAuthorizerResult =>
  buildPolicy({
    methodArn: methodArnFor('GET', '/agents'),
    principalId: 'client-1',
    grants: { weather: '*' },
    isAdmin: false,
    context: {},
  }).result

/** A clock the test moves by hand. */
const manualClock = () => {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

describe('authorizer cache', () => {
  it('drops expired entries when a new one is inserted, not only when their token returns', () => {
    // Prepare
    const clock = manualClock()
    const cache = createAuthorizerCache({ ttlSeconds: 60, now: clock.now })
    cache.set('Bearer one', answer())
    cache.set('Bearer two', answer())
    clock.advance(61_000)

    // Act
    cache.set('Bearer three', answer())

    // Assess
    expect(cache.size).toBe(1)
    expect(cache.get('Bearer three')).toBeDefined()
  })

  it('calls the authorizer again once the clock has been set back, rather than keep its answer that long', () => {
    // Prepare: an answer kept at 10:00 for 60 s; the machine's clock is then set back an hour.
    const clock = manualClock()
    const cache = createAuthorizerCache({ ttlSeconds: 60, now: clock.now })
    cache.set('Bearer one', answer())

    // Act
    clock.advance(-3_600_000)
    clock.advance(61_000)
    const aTtlLater = cache.get('Bearer one')

    // Assess: before, the answer (a permission since narrowed) was kept an hour and a minute.
    expect(aTtlLater).toBeUndefined()
  })

  it('evicts the oldest token beyond maxEntries and keeps the newer ones', () => {
    // Prepare
    const cache = createAuthorizerCache({ ttlSeconds: 60, maxEntries: 2, now: manualClock().now })

    // Act
    for (const token of ['Bearer one', 'Bearer two', 'Bearer three']) cache.set(token, answer())

    // Assess
    expect(cache.size).toBe(2)
    expect(cache.get('Bearer one')).toBeUndefined()
    expect(cache.get('Bearer two')).toBeDefined()
    expect(cache.get('Bearer three')).toBeDefined()
  })

  it('keeps nothing when the TTL is 0, yet hands back the entry to judge this request by', () => {
    // Prepare
    const cache = createAuthorizerCache({ ttlSeconds: 0 })

    // Act
    const entry = cache.set('Bearer one', answer())

    // Assess
    expect(decisionFor(entry, methodArnFor('GET', '/agents'))).toBe('allow')
    expect(cache.size).toBe(0)
  })

  it('clears an answer’s decisions past 256 routes and still judges each route by its policy', () => {
    // Prepare
    const entry = createAuthorizerCache({ ttlSeconds: 60 }).set('Bearer one', answer())
    for (let i = 0; i < maxDecisionsPerAnswer; i++) {
      decisionFor(entry, methodArnFor('POST', `/agents/weather-${i}`))
    }
    const sizeWhenFull = entry.decisions.size

    // Act
    const denied = decisionFor(entry, methodArnFor('POST', '/agents/calculator'))
    const allowed = decisionFor(entry, methodArnFor('POST', '/agents/weather'))

    // Assess
    expect(sizeWhenFull).toBe(maxDecisionsPerAnswer)
    expect(entry.decisions.size).toBe(2)
    expect([denied, allowed]).toEqual(['implicit-deny', 'allow'])
  })

  it('judges a path as long as a request line holds without keeping its decision', () => {
    // Prepare: kept, 256 decisions of 16 KB paths held 4 MB per token, and the cache keeps
    // 10,000 tokens (the local token endpoint mints them for anyone with the demo secret).
    const entry = createAuthorizerCache({ ttlSeconds: 60 }).set('Bearer one', answer())
    const long = (i: number) => `/agents/weather/${'x'.repeat(16 * 1024)}${i}`

    // Act
    const decisions = Array.from({ length: 300 }, (_, i) =>
      decisionFor(entry, methodArnFor('POST', long(i))),
    )
    decisionFor(entry, methodArnFor('POST', '/agents/weather'))

    // Assess
    expect(new Set(decisions)).toEqual(new Set(['allow']))
    const held = [...entry.decisions.keys()].reduce((sum, arn) => sum + arn.length, 0)
    expect(held).toBeLessThan(maxDecisionsPerAnswer * 1024)
  })
})
