import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import { ForbiddenError } from '../../../lib/errors.ts'
import { type CallerContext, verifiedCaller } from '../../../middlewares/verified-caller.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

describe('verifiedCaller middleware', () => {
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
