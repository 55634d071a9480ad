import { readFileSync } from 'node:fs'
import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import {
  type Caller,
  decodedCallersMaxCharacters,
  fromAuthorizerContext,
  longestCachedAnswerSeconds,
  toAuthorizerContext,
} from '../../../lib/auth/caller.ts'
import { ConfigError, loadLocalConfig } from '../../../lib/config.ts'
import { type CallerContext, verifiedCaller } from '../../../middlewares/verified-caller.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

/** A caller granted `agents` agents, authorized at `authorizedAt` (each its own context). */
const contextOf = (agents: number, authorizedAt: number, idLength = 17) => {
  const ids = Array.from({ length: agents }, (_, at) =>
    `fleet-agent-${String(at).padStart(5, '0')}`.padEnd(idLength, 'x'),
  )
  return toAuthorizerContext({
    principal: 'orchestrator',
    clientId: 'orchestrator',
    scopes: ['fleet:invoke'],
    grants: Object.fromEntries(ids.map((id) => [id, '*'])) as Caller['grants'],
    limits: Object.fromEntries(ids.map((id) => [id, 600])),
    allTasksOn: [],
    isAdmin: false,
    authorizedAt,
    expiresAt: 2_000_000_000,
    issuedAt: 1_900_000_000,
  })
}

/** The fields an authorizer before 4 December 2026 wrote, as API Gateway hands them on for up to its TTL. */
const earlierAuthorizerContext = {
  principal: 'earlier-release-caller',
  clientId: 'earlier-release-caller',
  scopes: 'weather:invoke',
  grants: '{"weather":"*"}',
  limits: '{"weather":60}',
  admin: 'false',
}

const charactersOf = (context: Record<string, string>) =>
  Object.values(context).reduce((sum, value) => sum + value.length, 0)

describe('the callers a warm handler keeps decoded (fromAuthorizerContext)', () => {
  it('keeps at most decodedCallersMaxCharacters of contexts, however large each is', () => {
    // Prepare: a caller granted 300 agents of long ids carries some 40,000 characters in every
    // context, and each re-authorization (every 300 s per token) is a new context.
    const contexts = Array.from({ length: 120 }, (_, at) => contextOf(300, 1_900_000_000 + at, 63))
    const size = charactersOf(contexts[0] as Record<string, string>)
    expect(size * contexts.length).toBeGreaterThan(decodedCallersMaxCharacters)

    // Act: each decoded once, as calls of 120 tokens (or re-authorizations) would.
    const decoded = contexts.map((context) => fromAuthorizerContext(context))

    // Assess: those still kept answer the same caller again; counted newest first, up to the
    // first one forgotten (asking for a forgotten one decodes and keeps it, forgetting others).
    let kept = 0
    for (let at = contexts.length - 1; at >= 0; at--) {
      if (fromAuthorizerContext({ ...contexts[at] }) !== decoded[at]) break
      kept++
    }
    expect(kept).toBeGreaterThan(0)
    expect(kept * size).toBeLessThanOrEqual(decodedCallersMaxCharacters)
  })

  it('decodes a context larger than the whole bound every time, keeping none of it', () => {
    // Prepare: more than the bound, in scopes (the cheapest field to decode; grants of some
    // 30,000 agents make one as large, and take seconds to decode).
    const scopes = Array.from({ length: 70_000 }, (_, at) => `fleet-${at}:invoke`.padEnd(63, 'x'))
    const context = { ...contextOf(3, 1_900_000_000), scopes: scopes.join(' ') }
    expect(charactersOf(context)).toBeGreaterThan(decodedCallersMaxCharacters)

    // Act
    const first = fromAuthorizerContext(context)
    const again = fromAuthorizerContext({ ...context })

    // Assess: read alike, but not kept.
    expect(again).toEqual(first)
    expect(again).not.toBe(first)
    expect(first.scopes).toHaveLength(70_000)
  })

  it('still answers a context met again with the caller it decoded', () => {
    // Prepare
    const context = contextOf(3, 1_900_000_123)

    // Act
    const first = fromAuthorizerContext(context)

    // Assess
    expect(fromAuthorizerContext({ ...context })).toBe(first)
  })
})

describe('a context an authorizer before 4 December 2026 cached (no authorizedAt, no exp)', () => {
  it('is read as decided at most the longest cache TTL before the read, its exp as that long after', () => {
    // Prepare
    vi.useFakeTimers({ now: 1_800_000_000_000, toFake: ['Date'] })

    try {
      // Act
      const caller = fromAuthorizerContext(earlierAuthorizerContext)

      // Assess
      expect(caller.authorizedAt).toBe(1_800_000_000_000 - longestCachedAnswerSeconds * 1000)
      expect(caller.expiresAt).toBe(1_800_000_000 + longestCachedAnswerSeconds)
      expect(caller.grants).toEqual({ weather: '*' })
    } finally {
      vi.useRealTimers()
    }
  })

  it('is read anew at each call, where an authorizer not yet replaced answers it again an hour on', async () => {
    // Prepare: such an authorizer (an apply that failed on it) writes the same text for every
    // token of the client, so a new token's context is this one's again.
    vi.useFakeTimers({ now: 1_800_000_000_000, toFake: ['Date'] })
    const handler = middy()
      .use(verifiedCaller())
      .handler(async (_event: unknown, context: CallerContext) => context.caller)
    const event = sampleEvent('discovery-list-agents.json', (e) => {
      e.requestContext.authorizer = { ...earlierAuthorizerContext, principal: 'still-earlier' }
    })

    try {
      await invoke(handler, event)
      vi.setSystemTime(1_800_000_000_000 + 2 * longestCachedAnswerSeconds * 1000)

      // Act
      const later = (await invoke(handler, event)) as Caller

      // Assess: served, dated by this read (not by the first), so an agent registered since
      // the first read an hour before the decision could have been made is granted.
      expect(later.authorizedAt).toBe(1_800_000_000_000 + longestCachedAnswerSeconds * 1000)
    } finally {
      vi.useRealTimers()
    }
  })

  it('is bounded by the longest TTL the local stack and Terraform take', () => {
    // Act
    const over = () =>
      loadLocalConfig({ AUTHORIZER_CACHE_TTL_SECONDS: String(longestCachedAnswerSeconds + 1) })
    const longest = loadLocalConfig({
      AUTHORIZER_CACHE_TTL_SECONDS: String(longestCachedAnswerSeconds),
    })
    const variables = readFileSync(
      new URL('../../../terraform/variables.tf', import.meta.url),
      'utf8',
    )

    // Assess
    expect(over).toThrow(ConfigError)
    expect(longest.authorizerCacheTtlSeconds).toBe(longestCachedAnswerSeconds)
    expect(variables).toContain(`var.authorizer_result_ttl <= ${longestCachedAnswerSeconds}`)
  })
})
