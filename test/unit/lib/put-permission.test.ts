import { describe, expect, it } from 'vitest'
import type * as z from 'zod'
import { type Permission, parsePermissionFor } from '../../../lib/permissions/permission.ts'
import { putPermission } from '../../../lib/permissions/put-permission.ts'

/** Permissions kept in a map, as the table keeps them by scope. */
const keptPermissions = (initial: Permission[] = []) => {
  const kept = new Map(initial.map((permission) => [permission.scope, permission]))
  return {
    kept,
    write: async (permission: Permission) => {
      const before = kept.get(permission.scope)
      kept.set(permission.scope, permission)
      return { before, after: permission }
    },
    removeAgent: async (agentId: string) => {
      const naming = [...kept.values()].filter(({ agents }) => agents.includes(agentId))
      for (const permission of naming) {
        const agents = permission.agents.filter((granted) => granted !== agentId)
        if (agents.length === 0) kept.delete(permission.scope)
        else kept.set(permission.scope, { ...permission, agents })
      }
      return naming
    },
  }
}

/** A registry whose agents answer with these statuses, one read after another. */
const registryAnswering = (statuses: Record<string, ('active' | 'deleting' | undefined)[]>) => ({
  statuses: async (agentIds: readonly string[]) =>
    new Map(
      agentIds.flatMap((agentId) => {
        const status = statuses[agentId]?.shift()
        return status === undefined ? [] : [[agentId, status] as const]
      }),
    ),
})

describe('putPermission', () => {
  it('stores a permission whose agents are all registered', async () => {
    // Prepare
    const permissions = keptPermissions()
    const registry = registryAnswering({ weather: ['active', 'active'] })

    // Act
    await putPermission({ scope: 'weather:invoke', agents: ['weather'] }, { permissions, registry })

    // Assess
    expect(permissions.kept.get('weather:invoke')).toEqual({
      scope: 'weather:invoke',
      agents: ['weather'],
    })
  })

  it('refuses, naming them, agents not registered or being deleted, and stores nothing', async () => {
    // Prepare
    const permissions = keptPermissions()
    const registry = registryAnswering({ weather: ['active'], gone: ['deleting'] })

    // Act
    const putting = putPermission(
      { scope: 'weather:invoke', agents: ['weather', 'wether'], agentLimits: { gone: 5 } },
      { permissions, registry },
    )

    // Assess
    await expect(putting).rejects.toThrow(
      "No agents 'wether', 'gone' are registered with this gateway",
    )
    expect(permissions.kept.size).toBe(0)
  })

  it('takes out an agent deleted between the check and the write, as if its delete came after', async () => {
    // Prepare: weather is read active, then found being deleted (its delete took it out of
    // every permission before this one was written).
    const permissions = keptPermissions([{ scope: 'tools:invoke', agents: ['calculator'] }])
    const registry = registryAnswering({
      weather: ['active', 'deleting'],
      calculator: ['active', 'active'],
    })

    // Act
    await putPermission(
      { scope: 'tools:invoke', agents: ['calculator', 'weather'] },
      { permissions, registry },
    )

    // Assess: no grant for the deleted id stays behind for whoever registers it next.
    expect(permissions.kept.get('tools:invoke')).toEqual({
      scope: 'tools:invoke',
      agents: ['calculator'],
    })
  })

  it('leaves no permission when a new one’s only agent is deleted between the check and the write', async () => {
    // Prepare
    const permissions = keptPermissions()
    const registry = registryAnswering({ weather: ['active', undefined] })

    // Act
    await putPermission({ scope: 'weather:invoke', agents: ['weather'] }, { permissions, registry })

    // Assess
    expect(permissions.kept.size).toBe(0)
  })
})

describe('parsePermissionFor', () => {
  it('takes a permission sent back as a read showed it, its etag (and an older release’s version) left out', () => {
    // Act
    const parsed = parsePermissionFor('a:invoke', {
      scope: 'a:invoke',
      agents: ['x'],
      etag: '"abc"',
      version: 12,
    })

    // Assess: no condition either (only the If-Match header makes one)
    expect(parsed).toEqual({ scope: 'a:invoke', agents: ['x'] })
  })

  it('names an operation that is no A2A operation, by its value, with the ones there are', () => {
    // Act
    const parsed = (() => {
      try {
        return parsePermissionFor('reports:invoke', {
          agents: ['weather'],
          operations: ['SendMessage', 'Bogus'],
        })
      } catch (error) {
        return error as z.ZodError
      }
    })()

    // Assess
    expect((parsed as z.ZodError).issues).toEqual([
      expect.objectContaining({
        path: ['operations', 1],
        message: expect.stringMatching(/^"Bogus" is no A2A operation; use one of SendMessage, /),
      }),
    ])
  })

  it('refuses a limit for an agent the permission does not name, which would limit nothing', () => {
    // Act
    const parsed = (() => {
      try {
        return parsePermissionFor('reports:invoke', {
          agents: ['weather'],
          agentLimits: { weather: 5, calculator: 7 },
        })
      } catch (error) {
        return error as z.ZodError
      }
    })()

    // Assess
    expect((parsed as z.ZodError).issues).toEqual([
      expect.objectContaining({
        path: ['agentLimits', 'calculator'],
        message: "limits 'calculator', which is not among this permission's agents",
      }),
    ])
  })
})
