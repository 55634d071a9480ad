import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import { ForbiddenError, TokenExpiredError, UnauthenticatedError } from '../../../lib/errors.ts'
import { type CallerContext, verifiedCaller } from '../../../middlewares/verified-caller.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

describe('verifiedCaller middleware', () => {
  describe('on a route without the authorizer, given authenticate', () => {
    const anonymousEvent = sampleEvent('discovery-list-agents.json', (e) => {
      delete (e.requestContext as { authorizer?: unknown }).authorizer
      e.headers = { Authorization: 'Bearer t-1' }
    })
    const caller = {
      principal: 'p',
      clientId: 'c',
      scopes: [],
      grants: {},
      limits: {},
      allTasksOn: [],
      isAdmin: false,
      authorizedAt: 1,
      expiresAt: 4_102_448_400,
      issuedAt: 4_102_444_800,
    }

    it('verifies the Authorization header itself and puts that caller in context.caller', async () => {
      // Prepare
      const authenticate = vi.fn(async () => ({ allowed: true as const, caller }))
      const wrapped = middy()
        .use(verifiedCaller({ authenticate }))
        .handler(async (_event: unknown, context: CallerContext) => context.caller)

      // Act
      const answer = await invoke(wrapped, anonymousEvent)

      // Assess
      expect(authenticate).toHaveBeenCalledWith('Bearer t-1')
      expect(answer).toEqual(caller)
    })

    it('refuses a refused token as unauthenticated (401), saying a token was given', async () => {
      // Prepare
      const authenticate = vi.fn(async () => ({
        allowed: false as const,
        reason: 'ERR_JWS_INVALID',
        tokenGiven: true,
      }))
      const wrapped = middy()
        .use(verifiedCaller({ authenticate }))
        .handler(async () => 'served')

      // Act
      const answer = invoke(wrapped, anonymousEvent)

      // Assess
      await expect(answer).rejects.toBeInstanceOf(UnauthenticatedError)
      await expect(answer).rejects.toMatchObject({ tokenGiven: true })
    })
  })

  it("puts the authorizer's caller, grants parsed, in context.caller", async () => {
    // Prepare
    const handler = vi.fn(async (_event: unknown, context: CallerContext) => context.caller)
    const wrapped = middy().use(verifiedCaller()).handler(handler)

    // Act
    const caller = await invoke(wrapped, sampleEvent('discovery-list-agents.json'))

    // Assess
    expect(caller).toEqual({
      principal: 'demo-client',
      clientId: 'demo-client',
      scopes: ['weather:invoke', 'calculator:invoke'],
      grants: { weather: '*', calculator: '*' },
      limits: { weather: 60, calculator: 60 },
      // A context without allTasksOn (cached before it existed): own tasks only.
      allTasksOn: [],
      isAdmin: false,
      authorizedAt: 4_102_444_800_000,
      expiresAt: 4_102_448_400,
      // Nor iat: as a token without one, refused once its client's tokens are revoked.
      issuedAt: 0,
    })
  })

  describe('a token that expired while its authorizer answer was cached', () => {
    const exp = 2_000_000_000
    const at = (seconds: number) =>
      middy()
        .use(verifiedCaller({ now: () => seconds * 1000 }))
        .handler(vi.fn(async () => 'served'))
    const event = sampleEvent('discovery-list-agents.json', (e) => {
      ;(e.requestContext.authorizer as Record<string, string>).exp = String(exp)
    })

    it('is served within the 60 s of clock skew the token verifier allows', async () => {
      // Act
      const answer = await invoke(at(exp + 59), event)

      // Assess
      expect(answer).toBe('served')
    })

    it('is refused as expired (401) once the skew has passed too', async () => {
      // Act
      const error = await invoke(at(exp + 60), event).catch((caught: unknown) => caught)

      // Assess
      expect(error).toBeInstanceOf(TokenExpiredError)
    })
  })

  it('refuses a request that did not come through the authorizer', async () => {
    // Prepare
    const handler = vi.fn()
    const wrapped = middy().use(verifiedCaller()).handler(handler)
    const event = sampleEvent('discovery-list-agents.json', (e) => {
      e.requestContext.authorizer = null
    })

    // Act
    const error = await invoke(wrapped, event).catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(ForbiddenError)
    expect(handler).not.toHaveBeenCalled()
  })

  it('refuses a caller without the admin scope where admin is required', async () => {
    // Prepare
    const handler = vi.fn()
    const wrapped = middy()
      .use(verifiedCaller({ requireAdmin: true }))
      .handler(handler)

    // Act
    const error = await invoke(wrapped, sampleEvent('discovery-list-agents.json')).catch(
      (caught: unknown) => caught,
    )

    // Assess
    expect((error as Error).message).toBe('This operation needs the admin scope.')
    expect(handler).not.toHaveBeenCalled()
  })
})
