import { describe, expect, it } from 'vitest'
import { type AuditEntry, type AuditSink, auditedChange } from '../../../lib/admin/audit.ts'

const memorySink = () => {
  const entries: AuditEntry[] = []
  const sink: AuditSink = {
    record: async (entry) => {
      entries.push(entry)
    },
  }
  return { sink, entries }
}

const actor = { principal: 'admin-client', clientId: 'admin-client' }
const at = () => new Date('2026-12-04T20:00:00.000Z')

describe('the audit trail of an admin change', () => {
  it('records who changed what, and the record before and after, through its sink', async () => {
    // Prepare
    const { sink, entries } = memorySink()

    // Act
    const after = await auditedChange(
      sink,
      { action: 'agent.register', actor, target: 'echo' },
      async () => ({ before: undefined, after: { agentId: 'echo' } }),
      at,
    )

    // Assess
    expect(after).toEqual({ agentId: 'echo' })
    expect(entries).toEqual([
      {
        action: 'agent.register',
        actor: 'admin-client',
        clientId: 'admin-client',
        target: 'echo',
        at: '2026-12-04T20:00:00.000Z',
        before: null,
        after: { agentId: 'echo' },
      },
    ])
  })

  it('records nothing when the change fails', async () => {
    // Prepare
    const { sink, entries } = memorySink()

    // Act
    const change = auditedChange(sink, { action: 'agent.delete', actor, target: 'gone' }, () =>
      Promise.reject(new Error('no such agent')),
    )

    // Assess
    await expect(change).rejects.toThrow('no such agent')
    expect(entries).toEqual([])
  })
})
