import type { Logger } from '@aws-lambda-powertools/logger'

/**
 * One admin change as the audit trail keeps it: who, what, on what, when,
 * and the record before and after (`null` for none). Stored records hold no
 * secrets (a backend's `auth` keeps only references), so before and after go
 * in as they are.
 */
export interface AuditEntry {
  action: string
  actor: string
  clientId: string
  target: string
  at: string
  before: unknown
  after: unknown
}

/**
 * Where audit entries go. The first adapter is the log line (`logAuditSink`);
 * a durable one (a table written with the change) implements the same port.
 */
export interface AuditSink {
  record(entry: AuditEntry): Promise<void>
}

/**
 * The audit trail as one structured log line per change (`admin change`,
 * under `audit`); the logger's correlation id is the request's id.
 */
export const logAuditSink = (logger: Logger): AuditSink => ({
  record: async (entry) => {
    logger.info('admin change', { audit: entry })
  },
})

/**
 * Makes an admin change and records it in the trail, once it is made: a change
 * that throws records nothing. Returns the record after the change.
 *
 * @example
 * const after = await auditedChange(sink, { action: 'agent.delete', actor, target: agentId },
 *   () => deleteAgent(agentId, deps))
 */
export const auditedChange = async (
  sink: AuditSink,
  entry: { action: string; actor: { principal: string; clientId: string }; target: string },
  change: () => Promise<{ before: unknown; after: unknown }>,
  now: () => Date = () => new Date(),
): Promise<unknown> => {
  const { before, after } = await change()
  await sink.record({
    action: entry.action,
    actor: entry.actor.principal,
    clientId: entry.actor.clientId,
    target: entry.target,
    at: now().toISOString(),
    before: before ?? null,
    after: after ?? null,
  })
  return after
}
