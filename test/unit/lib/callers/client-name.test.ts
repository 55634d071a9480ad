import { describe, expect, it } from 'vitest'
import { createClientSchema } from '../../../../lib/callers/caller-registry.ts'

const named = (name: string) => createClientSchema.safeParse({ name, scopes: ['reports:invoke'] })

describe('a client name', () => {
  it("takes what Cognito's ClientName pattern takes: ASCII letters, digits, spaces and +=,.@-_", () => {
    // Assess
    expect(named('reports app_2 (eu)').success).toBe(false)
    expect(named('reports app_2 +=,.@-').success).toBe(true)
    expect(named('reports\tapp').success).toBe(true)
  })

  it("refuses a space Cognito's pattern does not hold, which AWS would refuse as a 500", () => {
    // Prepare: Cognito's `\s` is Java's, ASCII whitespace only; JavaScript's also holds these,
    // so they passed here, locally too, and only Cognito refused them.
    const spaces = ['\u00a0', '\u2007', '\u2028', '\u3000', '\ufeff']

    // Act
    const results = spaces.map((space) => named(`reports${space}app`))

    // Assess
    expect(results.map((result) => result.success)).toEqual(spaces.map(() => false))
    expect(results[0]?.error?.issues[0]?.message).toMatch(/letters, digits, spaces/)
  })
})
