import { describe, expect, it } from 'vitest'
import { assertAuthorizedSinceRegistration } from '../../../lib/auth/registration.ts'
import { ForbiddenError } from '../../../lib/errors.ts'

const record = { agentId: 'weather', createdAt: '2026-12-01T00:00:10.000Z' }

describe('a grant and the registration it speaks for', () => {
  it('holds when the authorizer decided after the agent was registered', () => {
    // Assess
    expect(() =>
      assertAuthorizedSinceRegistration(
        { authorizedAt: Date.parse('2026-12-01T00:00:10.000Z') },
        record,
      ),
    ).not.toThrow()
  })

  it('is refused, telling the caller to get a new token, when decided before the id was registered', () => {
    // Act
    const refusal = (() => {
      try {
        assertAuthorizedSinceRegistration(
          { authorizedAt: Date.parse('2026-12-01T00:00:09.999Z') },
          record,
        )
      } catch (error) {
        return error
      }
    })()

    // Assess
    expect(refusal).toBeInstanceOf(ForbiddenError)
    expect((refusal as Error).message).toMatch(/get a new token/)
  })
})
