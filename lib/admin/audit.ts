import type { Logger } from '@aws-lambda-powertools/logger'
import { SwitchboardError } from '../errors.ts'
import { toProblem } from '../http/problem.ts'
import { redacted, withQueryRedacted } from '../http/url-redaction.ts'
import { fittedToTrail } from './audit-fit.ts'

/**
 * One admin change as the audit trail keeps it: who (`actor`, the caller's
 * principal, and its `clientId`), what (`action` on `target`; `agentId` when the
 * target is an agent), when (`at`), in which request (`requestId`), and the
 * record before and after (`null` for none), secrets redacted (redactSecrets), their
 * largest fields summarized when too large for the trail (fittedToTrail).
 */
export interface AuditEntry {
  id: string
  action: string
  actor: string
  clientId: string
  target: string
  agentId?: string
  requestId: string
  at: string
  before: unknown
  after: unknown
}

/** What the trail knows before the change runs: the entry without before and after. */
export type AuditIntent = Omit<AuditEntry, 'before' | 'after'>

/**
 * Where audit entries go. The log line (`logAuditSink`) only records a change
 * once made. A durable sink (`DynamoAuditLog`) also writes the intent before the
 * change (`intend`: if it throws, the change is not made) and withdraws it if the
 * change fails, so no change is ever made without its entry.
 */
export interface AuditSink {
  intend?(intent: AuditIntent): Promise<void>
  record(entry: AuditEntry): Promise<void>
  withdraw?(intent: AuditIntent): Promise<void>
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

/** Field names whose value is a secret: `apiKey`, `clientSecret`, `password`, `accessToken`... */
const secretField = /(secret|password|apikey|token|privatekey)$/i

/**
 * A copy of `value` with the value of every secret-named field (at any depth)
 * replaced by `"[redacted]"`, and the query values of every http(s) URL. Records keep secrets
 * as references (`secretArn`), which stay; a value that is itself a secret (a client secret
 * shown once) goes.
 *
 * @example
 * redactSecrets({ clientId: 'c1', clientSecret: 's3cr3t' }) // { clientId: 'c1', clientSecret: '[redacted]' }
 * redactSecrets({ backendUrl: 'https://f.example/api?code=k1' }) // { backendUrl: 'https://f.example/api?code=[redacted]' }
 */
export const redactSecrets = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redactSecrets)
  if (typeof value === 'string') return withQueryRedacted(value)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      secretField.test(key) && field !== undefined && field !== null
        ? redacted
        : redactSecrets(field),
    ]),
  )
}

/** Thrown by a change that found nothing to change: its intent is withdrawn. */
export class NothingChanged extends Error {}

/**
 * Whether a change's error says it changed nothing: NothingChanged, or a refusal, answered with a
 * 4xx (bad input, a conflict, an Idempotency-Key in use: `toProblem`, the one place that says how
 * an error is answered) and carrying no `made`. A failure answered with a 5xx (an AWS request that
 * failed, a write whose answer was lost, a dependency unavailable on a step after a write) may
 * come after part of the change was made.
 */
const changedNothing = (error: unknown): boolean =>
  error instanceof NothingChanged ||
  (!(error instanceof SwitchboardError && error.made) && toProblem(error).status < 500)

/**
 * Makes an admin change and records it in the trail. A durable sink writes the
 * intent first: if that fails, the change is not made. A change refused
 * (`changedNothing`) records nothing: its intent is withdrawn. One whose error
 * says it made part of the change (`made`, SwitchboardError: a delete stopped
 * half-way) has that recorded. Any other error leaves the intent `pending`
 * ("outcome unknown"), as part of the change may stand. The error is still thrown. Returns what the
 * change returned, whole (the trail keeps its before and after records only,
 * secrets redacted).
 *
 * @example
 * const { after } = await auditedChange(sink, { action: 'agent.delete', actor, target: agentId, requestId },
 *   () => deleteAgent(agentId, deps))
 */
export const auditedChange = async <
  Made extends { before: unknown; after: unknown; action?: string; target?: string },
>(
  sink: AuditSink,
  entry: {
    action: string
    actor: { principal: string; clientId: string }
    target: string
    /** The agent the change is about, when its target is not one (a grant its delete took out). */
    agentId?: string | undefined
    /** API Gateway's request id; absent outside a request (e.g. a script). */
    requestId?: string | undefined
  },
  /** Makes the change: the records before and after it, and the action or target if only the change knows them (a new client's id). */
  change: () => Promise<Made>,
  now: () => Date = () => new Date(),
): Promise<Made> => {
  const intent: AuditIntent = {
    id: crypto.randomUUID(),
    action: entry.action,
    actor: entry.actor.principal,
    clientId: entry.actor.clientId,
    target: entry.target,
    // Agent changes are found by agent (GET /admin/audit?agentId=).
    ...(entry.agentId !== undefined
      ? { agentId: entry.agentId }
      : entry.action.startsWith('agent.')
        ? { agentId: entry.target }
        : {}),
    requestId: entry.requestId ?? '',
    at: now().toISOString(),
  }
  await sink.intend?.(intent)
  const entryOf = (made: {
    before: unknown
    after: unknown
    action?: string | undefined
    target?: string | undefined
  }): AuditEntry => ({
    ...intent,
    action: made.action ?? intent.action,
    target: made.target ?? intent.target,
    ...fittedToTrail(redactSecrets(made.before ?? null), redactSecrets(made.after ?? null)),
  })
  let made: Made
  try {
    made = await change()
  } catch (error) {
    const partly = error instanceof SwitchboardError ? error.made : undefined
    // Best effort: an intent left behind stays `pending`, never `applied`; the error is the answer.
    if (partly) await sink.record(entryOf(partly)).catch(() => undefined)
    else if (changedNothing(error)) await sink.withdraw?.(intent).catch(() => undefined)
    throw error
  }
  await sink.record(entryOf(made))
  return made
}
