import { describe, expect, it } from 'vitest'
import { fromAuthorizerContext, toAuthorizerContext } from '../../../lib/auth/caller.ts'
import {
  allTasksAgents,
  decodeGrants,
  encodeGrants,
  grantsFromPermissions,
  limitFor,
  limitsFromPermissions,
  mayInvoke,
  mostGenerousLimit,
} from '../../../lib/auth/grants.ts'
import type { Permission } from '../../../lib/permissions/permission.ts'

describe('grants', () => {
  it('grants nothing on an agent named after an Object.prototype member', () => {
    // Prepare: `constructor` is a valid agentId; grants and limits are plain objects.
    const grants = { weather: '*' as const }

    // Assess
    expect(mayInvoke(grants, 'constructor')).toBe(false)
    expect(mayInvoke(grants, 'constructor', 'GetTask')).toBe(false)
  })

  it('builds grants and limits for an agent named constructor like any other', () => {
    // Prepare
    const permissions = [
      { scope: 'a', agents: ['constructor'], operations: ['GetTask' as const] },
      { scope: 'b', agents: ['constructor'], requestsPerMinute: 5 },
    ]

    // Act
    const grants = grantsFromPermissions(permissions)
    const limits = limitsFromPermissions(permissions, 60)

    // Assess
    expect(grants).toEqual({ constructor: '*' })
    expect(limitFor(limits, 'constructor', 'SendMessage')).toBe(5)
    expect(limitFor(limits, 'constructor', 'GetTask')).toBe(60)
  })

  it('unions the operations of every scope that names an agent', () => {
    // Act
    const grants = grantsFromPermissions([
      { scope: 'a', agents: ['weather'], operations: ['GetTask'] },
      { scope: 'b', agents: ['weather', 'calculator'], operations: ['SendMessage'] },
    ])

    // Assess
    expect(grants).toEqual({ weather: ['SendMessage', 'GetTask'], calculator: ['SendMessage'] })
  })

  it('treats a permission without operations as every operation', () => {
    // Act
    const grants = grantsFromPermissions([
      { scope: 'a', agents: ['weather'], operations: ['GetTask'] },
      { scope: 'b', agents: ['weather'] },
    ])

    // Assess
    expect(grants).toEqual({ weather: '*' })
    expect(mayInvoke(grants, 'weather', 'CancelTask')).toBe(true)
  })

  it('allows only the operations held, and nothing on other agents', () => {
    // Prepare
    const grants = { weather: ['SendMessage' as const] }

    // Assess
    expect(mayInvoke(grants, 'weather', 'SendMessage')).toBe(true)
    expect(mayInvoke(grants, 'weather', 'CancelTask')).toBe(false)
    expect(mayInvoke(grants, 'calculator', 'SendMessage')).toBe(false)
  })

  it('survives the trip through the authorizer context as a flat string', () => {
    // Prepare
    const grants = { weather: '*' as const, calculator: ['GetTask' as const] }

    // Assess
    expect(decodeGrants(encodeGrants(grants))).toEqual(grants)
    expect(() => decodeGrants('{"weather":"all"}')).toThrow()
  })

  it("drops an operation a later release's authorizer named, keeping the rest: its cached answer reaches this release during a deploy", () => {
    // Act
    const grants = decodeGrants('{"weather":["GetTask","PauseTask"],"calculator":["PauseTask"]}')

    // Assess
    expect(grants).toEqual({ weather: ['GetTask'], calculator: [] })
    expect(mayInvoke(grants, 'weather', 'GetTask')).toBe(true)
    expect(mayInvoke(grants, 'calculator', 'SendMessage')).toBe(false)
  })
})

describe('rate limits from permissions', () => {
  it('takes the most generous limit among the scopes that grant an agent', () => {
    // Act
    const limits = limitsFromPermissions(
      [
        { scope: 'a', agents: ['weather', 'calculator'], requestsPerMinute: 30 },
        { scope: 'b', agents: ['weather'], requestsPerMinute: 10, agentLimits: { weather: 120 } },
      ],
      60,
    )

    // Assess
    expect(limitFor(limits, 'weather', 'SendMessage')).toBe(120)
    expect(limitFor(limits, 'calculator', 'SendMessage')).toBe(30)
    expect(limitFor(limits, 'translator', 'SendMessage')).toBeUndefined()
  })

  it('falls back to the default for a scope that sets no limit, when that is more generous', () => {
    // Act
    const limits = limitsFromPermissions(
      [
        { scope: 'a', agents: ['weather'], requestsPerMinute: 5 },
        { scope: 'b', agents: ['weather'] },
      ],
      60,
    )

    // Assess
    expect(limitFor(limits, 'weather', 'SendMessage')).toBe(60)
  })

  it('lets a scope granting only some operations set the limit of those operations alone', () => {
    // Prepare: a tight limit on messages, and an auditor's read scope with the default
    const limits = limitsFromPermissions(
      [
        { scope: 'writes', agents: ['weather'], operations: ['SendMessage'], requestsPerMinute: 3 },
        { scope: 'tasks:read', agents: ['weather'], operations: ['GetTask', 'ListTasks'] },
      ],
      60,
    )

    // Act and assess: the read scope lifts reads, never the message limit
    expect(limitFor(limits, 'weather', 'SendMessage')).toBe(3)
    expect(limitFor(limits, 'weather', 'GetTask')).toBe(60)
    // A reader that knows no operation (the middleware kit's) gets the agent's most generous.
    expect(limits.weather).toBe(60)
  })

  it('keeps under the agent’s id its most generous limit, which a reader knowing no operation gets', () => {
    // Act: one scope, limited to messages
    const limits = limitsFromPermissions(
      [{ scope: 'writes', agents: ['weather'], operations: ['SendMessage'], requestsPerMinute: 3 }],
      60,
    )

    // Assess: never the default in its place
    expect(limits.weather).toBe(3)
  })

  it('reads limits kept before operations had their own (an authorizer answer cached over a deploy) as the agent’s', () => {
    // Act and assess
    expect(limitFor({ weather: 30 }, 'weather', 'SendMessage')).toBe(30)
    expect(
      mostGenerousLimit(
        { grants: { weather: '*', calculator: '*' }, limits: { weather: 30, calculator: 7 } },
        ['SendMessage'],
      ),
    ).toBe(30)
  })

  it('gives /route the most generous limit among the scopes that grant sending a message', () => {
    // Prepare
    const permissions = [
      { scope: 'writes', agents: ['weather'], operations: ['SendMessage'], requestsPerMinute: 3 },
      {
        scope: 'streams',
        agents: ['calculator'],
        operations: ['SendStreamingMessage'],
        requestsPerMinute: 7,
      },
      {
        scope: 'tasks:read',
        agents: ['weather', 'calculator'],
        operations: ['GetTask'],
        requestsPerMinute: 500,
      },
    ] satisfies Permission[]
    const caller = {
      grants: grantsFromPermissions(permissions),
      limits: limitsFromPermissions(permissions, 60),
    }

    // Act and assess
    expect(mostGenerousLimit(caller, ['SendMessage', 'SendStreamingMessage'])).toBe(7)
    expect(mostGenerousLimit({ grants: {}, limits: {} }, ['SendMessage'])).toBeUndefined()
  })

  it('keeps no more keys than say the limits: one per agent when every scope grants every operation', () => {
    // Prepare
    const agents = Array.from({ length: 1000 }, (_, i) => `agent-${i}`)

    // Act
    const everything = limitsFromPermissions([{ scope: 'a', agents, requestsPerMinute: 30 }], 60)
    const mixed = limitsFromPermissions(
      [
        { scope: 'reads', agents, operations: ['GetTask', 'ListTasks', 'SubscribeToTask'] },
        { scope: 'writes', agents, operations: ['SendMessage'], requestsPerMinute: 3 },
      ],
      60,
    )

    // Assess: the reads take the agent's own; only the message limit needs a key of its own
    expect(Object.keys(everything)).toHaveLength(1000)
    expect(Object.keys(mixed)).toHaveLength(2000)
    expect(limitFor(mixed, 'agent-7', 'SendMessage')).toBe(3)
    expect(limitFor(mixed, 'agent-7', 'SubscribeToTask')).toBe(60)
  })

  it('reads an operation’s limit as its scopes’ when a scope granting every operation offers less', () => {
    // Act
    const limits = limitsFromPermissions(
      [
        { scope: 'all', agents: ['weather'], requestsPerMinute: 3 },
        { scope: 'reads', agents: ['weather'], operations: ['GetTask'], requestsPerMinute: 90 },
      ],
      60,
    )

    // Assess
    expect(limitFor(limits, 'weather', 'SendMessage')).toBe(3)
    expect(limitFor(limits, 'weather', 'CancelTask')).toBe(3)
    expect(limitFor(limits, 'weather', 'GetTask')).toBe(90)
    expect(limits.weather).toBe(90)
  })
})

describe('task access from permissions', () => {
  it('reads every caller’s tasks only on the agents of a taskAccess "all" permission', () => {
    // Prepare
    const permissions = [
      { scope: 'weather:invoke', agents: ['weather'] },
      { scope: 'calc:own', agents: ['calculator'], taskAccess: 'own' as const },
      { scope: 'tasks:read', agents: ['weather', 'billing'], taskAccess: 'all' as const },
    ]

    // Act
    const agents = allTasksAgents(permissions)

    // Assess
    expect(agents).toEqual(['weather', 'billing'])
  })

  it('travels to the handler through the authorizer context', () => {
    // Prepare
    const caller = {
      principal: 'auditor',
      clientId: 'auditor',
      scopes: ['tasks:read'],
      grants: { weather: ['GetTask' as const] },
      limits: { weather: 60 },
      allTasksOn: ['weather'],
      isAdmin: false,
      authorizedAt: Date.now(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      issuedAt: Math.floor(Date.now() / 1000),
    }

    // Act
    const read = fromAuthorizerContext(toAuthorizerContext(caller))

    // Assess
    expect(read.allTasksOn).toEqual(['weather'])
  })

  it('reads each authorizer context as it says, one context after another', () => {
    // Prepare
    const caller = {
      principal: 'app',
      clientId: 'app',
      scopes: ['weather:invoke'],
      grants: { weather: '*' as const },
      limits: { weather: 60 },
      allTasksOn: [],
      isAdmin: false,
      authorizedAt: Date.now(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      issuedAt: Math.floor(Date.now() / 1000),
    }
    const context = toAuthorizerContext(caller)

    // Act
    const first = fromAuthorizerContext(context)
    const again = fromAuthorizerContext({ ...context })
    const moreGenerous = fromAuthorizerContext({ ...context, limits: '{"weather":120}' })
    const reauthorized = fromAuthorizerContext({
      ...context,
      authorizedAt: String(caller.authorizedAt + 1),
    })

    // Assess
    expect(again).toEqual(first)
    expect(first.limits).toEqual({ weather: 60 })
    expect(moreGenerous.limits).toEqual({ weather: 120 })
    expect(reauthorized.authorizedAt).toBe(caller.authorizedAt + 1)
    expect(() => fromAuthorizerContext({ ...context, grants: 'not json' })).toThrow()
  })
})
