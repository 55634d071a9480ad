import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import { cachedRevocations, revocationPassed } from '../../../lib/auth/token-revocations.ts'
import { TokenRevokedError } from '../../../lib/errors.ts'
import { tokenRevocation } from '../../../middlewares/token-revocation.ts'
import { type CallerContext, verifiedCaller } from '../../../middlewares/verified-caller.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

describe('tokenRevocation middleware', () => {
  /** The sample event's caller (client demo-client), its token issued at `iat`. */
  const eventIssuedAt = (iat: number) =>
    sampleEvent('discovery-list-agents.json', (event) => {
      Object.assign(event.requestContext.authorizer ?? {}, { iat: String(iat) })
    })
  const served = (issuedBefore: (clientId: string) => Promise<number | undefined>) =>
    middy()
      .use(verifiedCaller())
      .use(tokenRevocation({ issuedBefore }))
      .handler(async (_event: unknown, context: CallerContext) => context.caller.principal)

  it("refuses (401) a token issued before its client's tokens were revoked, saying to get a new one", async () => {
    // Prepare
    const issuedBefore = vi.fn(async () => 1_800_000_000)

    // Act
    const refused = invoke(served(issuedBefore), eventIssuedAt(1_799_999_999))

    // Assess
    await expect(refused).rejects.toBeInstanceOf(TokenRevokedError)
    await expect(refused).rejects.toMatchObject({
      code: 'token-revoked',
      message:
        "Your access token was revoked: its client's access changed after it was issued. Get a new token and retry.",
    })
    expect(issuedBefore).toHaveBeenCalledWith('demo-client')
  })

  it('serves a token issued since, and every token of a client never revoked', async () => {
    // Act
    const since = await invoke(
      served(async () => 1_800_000_000),
      eventIssuedAt(1_800_000_000),
    )
    const never = await invoke(
      served(async () => undefined),
      eventIssuedAt(1),
    )

    // Assess
    expect(since).toBe('demo-client')
    expect(never).toBe('demo-client')
  })

  it('refuses a token without iat once its client was revoked: it cannot show it came after', async () => {
    // Act
    const refused = invoke(
      served(async () => 1),
      sampleEvent('discovery-list-agents.json'),
    )

    // Assess
    await expect(refused).rejects.toBeInstanceOf(TokenRevokedError)
  })

  it('sees a revocation within the cache time, reading each client at most once in it', async () => {
    // Prepare
    let now = 0
    let stored: number | undefined
    const read = vi.fn(async () => stored)
    const issuedBefore = cachedRevocations({ issuedBefore: read }, 750, () => now)
    const handler = served(issuedBefore)
    await invoke(handler, eventIssuedAt(1_000))

    // Act
    stored = 2_000
    const withinCache = await invoke(handler, eventIssuedAt(1_000))
    now = 750
    const after = invoke(handler, eventIssuedAt(1_000))

    // Assess
    expect(withinCache).toBe('demo-client')
    await expect(after).rejects.toBeInstanceOf(TokenRevokedError)
    expect(read).toHaveBeenCalledTimes(2)
  })

  it('sees a revocation a second later when the clock steps back meanwhile', async () => {
    // Prepare: read at 10:00:00, not revoked; the machine's clock is then set back an hour.
    let now = 36_000_000
    let stored: number | undefined
    const issuedBefore = cachedRevocations({ issuedBefore: async () => stored }, 750, () => now)
    const handler = served(issuedBefore)
    await invoke(handler, eventIssuedAt(1_000))

    // Act
    stored = 2_000
    now -= 3_600_000
    now += 1_000
    const aSecondLater = invoke(handler, eventIssuedAt(1_000))

    // Assess
    await expect(aSecondLater).rejects.toBeInstanceOf(TokenRevokedError)
  })
})

describe('revocationPassed', () => {
  it('answers once the revocation’s second has begun, so a token issued after it is not refused', async () => {
    // Prepare
    vi.useFakeTimers({ now: 1_800_000_000_000 - 300 })
    let passed = false

    // Act
    const waiting = revocationPassed(1_800_000_000).then(() => {
      passed = true
    })
    await vi.advanceTimersByTimeAsync(299)
    const early = passed
    await vi.advanceTimersByTimeAsync(1)
    await waiting
    vi.useRealTimers()

    // Assess
    expect(early).toBe(false)
    expect(passed).toBe(true)
  })
})
