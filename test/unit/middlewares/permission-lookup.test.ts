import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import type { Permission } from '../../../lib/permissions/permission.ts'
import { jwtAuthKey } from '../../../middlewares/jwt-auth.ts'
import { permissionLookup } from '../../../middlewares/permission-lookup.ts'
import { MiddlewareOrderError } from '../../../middlewares/support/requires.ts'
import { invoke } from '../../support/events.ts'

const verified = { principal: 'p', clientId: 'c', scopes: ['team:invoke'], expiresAt: 2e9 }

/** A permissions table in memory, counting its reads. */
const storeWith = (table: Map<string, Permission>) => ({
  forScopes: vi.fn(async (scopes: readonly string[]) =>
    scopes.flatMap((scope) => table.get(scope) ?? []),
  ),
})

const handlerWith = (store: ReturnType<typeof storeWith>, now: () => number, jwt = true) =>
  middy()
    .before((request) => {
      if (jwt) Object.assign(request.context, { [jwtAuthKey]: verified })
    })
    .use(permissionLookup({ permissions: store, defaultRateLimit: 60, cacheTtlMs: 750, now }))
    .handler(async (_event: unknown, context) => ({
      statusCode: 200,
      body: JSON.stringify(context.caller),
    }))

describe('permissionLookup middleware', () => {
  it('puts the scopes’ grants and limits on context.caller', async () => {
    // Prepare
    const table = new Map([
      ['team:invoke', { scope: 'team:invoke', agents: ['weather'], requestsPerMinute: 5 }],
    ])
    const handler = handlerWith(storeWith(table), () => 1000)

    // Act
    const response = await invoke<{ body: string }>(handler, {})

    // Assess
    expect(JSON.parse(response.body)).toMatchObject({
      principal: 'p',
      grants: { weather: '*' },
      limits: { weather: 5 },
      isAdmin: false,
    })
  })

  it('reads the table once per cache bound, and stops granting a revoked permission after it', async () => {
    // Prepare
    const table = new Map([['team:invoke', { scope: 'team:invoke', agents: ['weather'] }]])
    const store = storeWith(table)
    let clock = 1000
    const handler = handlerWith(store, () => clock)
    await invoke(handler, {})

    // Act
    table.delete('team:invoke')
    clock += 500
    const cached = await invoke<{ body: string }>(handler, {})
    clock += 250
    const reread = await invoke<{ body: string }>(handler, {})

    // Assess
    expect(Object.keys(JSON.parse(cached.body).grants)).toEqual(['weather'])
    expect(JSON.parse(reread.body).grants).toEqual({})
    expect(store.forScopes).toHaveBeenCalledTimes(2)
  })

  it('fails naming jwtAuth when it runs without it', async () => {
    // Prepare
    const handler = handlerWith(storeWith(new Map()), () => 0, false)

    // Act
    const call = invoke(handler, {})

    // Assess
    await expect(call).rejects.toBeInstanceOf(MiddlewareOrderError)
    await expect(call).rejects.toThrow(
      'permissionLookup reads context.jwtAuth, which jwtAuth sets: use jwtAuth() before permissionLookup() in the chain.',
    )
  })

  it('refuses a cache bound over the registry cache’s when the factory is called', () => {
    // Act
    const build = () =>
      permissionLookup({
        permissions: storeWith(new Map()),
        defaultRateLimit: 60,
        cacheTtlMs: 5000,
      })

    // Assess
    expect(build).toThrow('permissionLookup: options.cacheTtlMs must be an integer from 0 to 900')
  })
})
