import { describe, expect, it } from 'vitest'
import {
  newPermissionVersion,
  permissionETag,
  permissionPreconditionFailed,
  shownPermission,
} from '../../../lib/permissions/permission-etag.ts'

describe("a permission's ETag", () => {
  it('is strong and quoted, and names the scope and version, not what a write holds besides', () => {
    // Act
    const tag = permissionETag({ scope: 'a:invoke', agents: ['x'], version: 7 })

    // Assess
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/)
    expect(permissionETag({ scope: 'a:invoke', agents: ['y'], version: 7 })).toBe(tag)
    expect(permissionETag({ scope: 'a:invoke', agents: ['x'], version: 8 })).not.toBe(tag)
    expect(permissionETag({ scope: 'b:invoke', agents: ['x'], version: 7 })).not.toBe(tag)
  })

  it('is, without a version (an older release wrote it), its content, whatever order its keys were read in', () => {
    // Prepare
    const read = { scope: 'a:invoke', agents: ['x'], agentLimits: { x: 1, y: 2 } }
    const readOtherwise = { agentLimits: { y: 2, x: 1 }, agents: ['x'], scope: 'a:invoke' }

    // Assess
    expect(permissionETag(readOtherwise)).toBe(permissionETag(read))
    expect(permissionETag({ ...read, agents: ['x', 'y'] })).not.toBe(permissionETag(read))
    expect(permissionETag({ ...read, requestsPerMinute: 5 })).not.toBe(permissionETag(read))
  })

  it('is shown in place of `version`, which stays the store’s', () => {
    // Act
    const shown = shownPermission({ scope: 'a:invoke', agents: ['x'], version: 7 })

    // Assess
    expect(shown).toEqual({
      scope: 'a:invoke',
      agents: ['x'],
      etag: permissionETag({ scope: 'a:invoke', agents: ['x'], version: 7 }),
    })
  })

  it('takes a fresh random version on each write, a positive whole number the release before reads', () => {
    // Act
    const versions = Array.from({ length: 50 }, newPermissionVersion)

    // Assess
    expect(new Set(versions).size).toBe(50)
    for (const version of versions) {
      expect(Number.isSafeInteger(version) && version > 0).toBe(true)
    }
  })

  it('is named in a 412, or said to be gone', () => {
    // Act
    const changed = permissionPreconditionFailed('a:invoke', {
      scope: 'a:invoke',
      agents: ['x'],
      version: 3,
    })
    const gone = permissionPreconditionFailed('a:invoke', undefined)

    // Assess
    expect(changed.currentEtag).toBe(
      permissionETag({ scope: 'a:invoke', agents: ['x'], version: 3 }),
    )
    expect(changed.problemExtensions).toEqual({ currentEtag: changed.currentEtag })
    expect(gone.currentEtag).toBeUndefined()
    expect(gone.problemExtensions).toEqual({})
    expect(gone.message).toContain("Scope 'a:invoke' has no permission now")
  })

  it('says a weak tag of the version it is at never matches, rather than that it changed', () => {
    // Prepare
    const current = { scope: 'a:invoke', agents: ['x'], version: 3 }
    const etag = permissionETag(current)

    // Act
    const weak = permissionPreconditionFailed('a:invoke', current, { tags: [`W/${etag}`] })

    // Assess
    expect(weak.currentEtag).toBe(etag)
    expect(weak.message).toContain(`If-Match names W/${etag}, a weak tag`)
    expect(weak.message).toContain(`send the ETag as it came, ${etag}`)
    expect(weak.message).not.toContain('has changed')
  })

  it('says If-Match: * on a scope with no permission names no version, and how to define it', () => {
    // Act
    const none = permissionPreconditionFailed('a:invoke', undefined, { any: true })

    // Assess
    expect(none.message).toBe(
      "Scope 'a:invoke' has no permission, and If-Match: * asks that it have one. Nothing was changed: a PUT without If-Match defines it.",
    )
    expect(none.problemExtensions).toEqual({})
  })
})
