import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { fittedToTrail, maxAuditRecordsBytes } from '../../../lib/admin/audit-fit.ts'

const cardOf = (letter: string, bytes: number) => ({
  name: 'Echo',
  description: letter.repeat(bytes),
})
const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex')

describe('an audit entry fitted to the trail', () => {
  it('keeps before and after whole while they fit', () => {
    // Prepare
    const before = { agentId: 'echo', card: cardOf('a', 1_000) }
    const after = { agentId: 'echo', card: cardOf('b', 1_000) }

    // Act
    const fitted = fittedToTrail(before, after)

    // Assess
    expect(fitted).toEqual({ before, after })
  })

  it("summarizes two large cards by size and digest, keeping the records' other fields", () => {
    // Prepare
    const [oldCard, newCard] = [cardOf('a', 150_000), cardOf('b', 150_000)]
    const before = { agentId: 'echo', status: 'active', card: oldCard }
    const after = { agentId: 'echo', status: 'inactive', card: newCard }

    // Act
    const fitted = fittedToTrail(before, after)

    // Assess
    expect(fitted).toEqual({
      before: {
        agentId: 'echo',
        status: 'active',
        card: {
          omitted: 'too large for the audit trail',
          bytes: JSON.stringify(oldCard).length,
          sha256: sha256(oldCard),
        },
      },
      after: {
        agentId: 'echo',
        status: 'inactive',
        card: {
          omitted: 'too large for the audit trail',
          bytes: JSON.stringify(newCard).length,
          sha256: sha256(newCard),
        },
      },
    })
    expect(JSON.stringify(fitted).length).toBeLessThan(maxAuditRecordsBytes)
    expect(before.card).toBe(oldCard) // the change's own records are not touched
  })

  it('summarizes only as many fields as it must, largest first, on both sides', () => {
    // Prepare
    const notes = 'n'.repeat(50_000)
    const before = { card: cardOf('a', 120_000), notes }
    const after = { card: cardOf('a', 60_000), notes }
    const bytes = (card: unknown) => JSON.stringify(card).length

    // Act
    const fitted = fittedToTrail(before, after)

    // Assess
    expect(fitted).toEqual({
      before: { card: expect.objectContaining({ bytes: bytes(before.card) }), notes },
      after: { card: expect.objectContaining({ bytes: bytes(after.card) }), notes },
    })
  })

  it('gives an unchanged large field the same digest on both sides', () => {
    // Prepare
    const card = cardOf('a', 150_000)

    // Act
    const fitted = fittedToTrail({ card, status: 'active' }, { card, status: 'inactive' }) as {
      before: { card: unknown }
      after: { card: unknown }
    }

    // Assess
    expect(fitted.before.card).toEqual(fitted.after.card)
  })
})
