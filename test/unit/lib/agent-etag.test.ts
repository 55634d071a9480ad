import { describe, expect, it } from 'vitest'
import { PreconditionFailedError } from '../../../lib/errors.ts'
import { agentETag, assertAgentIfMatch } from '../../../lib/registry/agent-etag.ts'
import { unchangedSince } from '../../../lib/registry/agent-registry.ts'

const version = {
  agentId: 'weather',
  status: 'active',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-07T09:30:00.123Z',
}

/** What `act` threw, or undefined. */
const thrown = (act: () => unknown) => {
  try {
    act()
    return undefined
  } catch (error) {
    return error
  }
}

describe("an agent's ETag", () => {
  it('is a strong, quoted tag of its version: the same for the same version, another for each change or registration', () => {
    // Act
    const tag = agentETag(version)

    // Assess
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/)
    expect(agentETag({ ...version })).toBe(tag)
    expect(agentETag({ ...version, updatedAt: '2026-12-07T09:30:00.124Z' })).not.toBe(tag)
    expect(agentETag({ ...version, createdAt: '2026-12-02T10:00:00.000Z' })).not.toBe(tag)
  })

  it('passes a change sent with the tag, with *, or without If-Match', () => {
    // Assess
    for (const ifMatch of [{ tags: ['"other"', agentETag(version)] }, { any: true }, undefined]) {
      expect(thrown(() => assertAgentIfMatch(version, ifMatch as never))).toBeUndefined()
    }
  })

  it('refuses a change sent with another version’s tag with a 412 naming the agent as it is now', () => {
    // Act
    const error = thrown(() =>
      assertAgentIfMatch(version, {
        tags: [agentETag({ ...version, updatedAt: '2026-12-06T00:00:00.000Z' })],
      }),
    ) as PreconditionFailedError

    // Assess
    expect(error).toBeInstanceOf(PreconditionFailedError)
    expect(error.problemExtensions).toEqual({ currentEtag: agentETag(version) })
    expect(error.message).toContain(`changed at ${version.updatedAt} (status active)`)
    expect(error.message).toContain(`its ETag is now ${agentETag(version)}`)
    expect(error.message).toContain('read it again (GET /admin/agents/weather)')
  })

  it('says a weak tag of the version it is at never matches, rather than that the agent changed', () => {
    // Act
    const error = thrown(() =>
      assertAgentIfMatch(version, { tags: [`W/${agentETag(version)}`] }),
    ) as PreconditionFailedError

    // Assess
    expect(error).toBeInstanceOf(PreconditionFailedError)
    expect(error.problemExtensions).toEqual({ currentEtag: agentETag(version) })
    expect(error.message).toContain(`If-Match names W/${agentETag(version)}, a weak tag`)
    expect(error.message).not.toContain('has changed')
  })

  it('tells how to finish the delete of an agent being deleted, whose ETag no read shows', () => {
    // Act
    const deleting = { ...version, status: 'deleting' }
    const error = thrown(() => assertAgentIfMatch(deleting, { tags: ['"stale"'] })) as Error

    // Assess
    expect(error.message).toContain('it is being deleted')
    expect(error.message).toContain(
      `Run DELETE /admin/agents/weather with If-Match: ${agentETag(deleting)} (or *)`,
    )
  })
})

describe('the condition of every change to an agent', () => {
  it('pins the version the change read, the one its ETag names: the same registration, unchanged since', () => {
    // Act
    const condition = unchangedSince(version)

    // Assess
    expect(condition).toEqual({
      ConditionExpression: '#createdAt = :createdAt AND #updatedAt = :updatedAt',
      ExpressionAttributeNames: { '#createdAt': 'createdAt', '#updatedAt': 'updatedAt' },
      ExpressionAttributeValues: {
        ':createdAt': '2026-12-01T10:00:00.000Z',
        ':updatedAt': '2026-12-07T09:30:00.123Z',
      },
    })
  })
})
