import * as z from 'zod'
import { decodeCursor, encodeCursor, unknownCursor } from '../http/page-cursor.ts'
import { pageLimitSchema } from '../http/page-query.ts'
import { agentIdSchema } from '../ids.ts'
import type { AuditEntry } from './audit.ts'

/*
 * The audit API's shapes (GET /admin/audit), apart from the table adapter so a
 * browser client (the console) can import them without the AWS SDK.
 */

/** `{at}#{id}`: sorts by time, and is unique. */
export const sortKeyOf = (entry: Pick<AuditEntry, 'at' | 'id'>) => `${entry.at}#${entry.id}`
const sortKeyPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f-]{36}$/

/** A cursor is the sort key of a page's last entry, base64url-encoded. */
export const encodeAuditCursor = (sortKey: string) => encodeCursor(sortKey)

/** The sort key a cursor names, or undefined if it is not one this API gave out. */
export const decodeAuditCursor = (cursor: string): string | undefined =>
  decodeCursor(cursor, (sortKey) => sortKeyPattern.test(sortKey))

/**
 * An entry as `GET /admin/audit` shows it. `outcome` is `applied` once the
 * change was made and confirmed; `pending` while it is under way, or if the
 * change was made (or failed) but its confirmation (or withdrawal) could not be
 * written: the change may have happened, and before/after are not known.
 */
export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.iso.datetime().describe('When the change began'),
    action: z.string().describe('e.g. agent.register, agent.patch, permission.put'),
    actor: z.string().describe("The caller's principal (its token's sub)"),
    clientId: z.string(),
    target: z.string().describe('The agent id, scope or client the change was made to'),
    agentId: z.string().optional().describe('Set on agent changes'),
    requestId: z.string().describe("API Gateway's request id"),
    outcome: z.enum(['applied', 'pending']),
    before: z.unknown().describe('The record before (null: none), secrets "[redacted]"'),
    after: z.unknown().describe('The record after (null: none), secrets "[redacted]"'),
  })
  // A component of the OpenAPI document (#/components/schemas/AuditEntry).
  .meta({ id: 'AuditEntry' })

export type StoredAuditEntry = z.infer<typeof auditEntrySchema>

/** The body of `GET /admin/audit`. */
export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema).describe('Newest first'),
  cursor: z.string().optional().describe('Present when more entries may follow: pass it back'),
})

export type AuditPage = z.infer<typeof auditPageSchema>

/** The query of `GET /admin/audit`: filters, page size and the cursor of the page before. */
export const auditQuerySchema = z.strictObject({
  agentId: agentIdSchema.optional().describe("Only this agent's changes"),
  actor: z.string().min(1).max(256).optional().describe("Only this principal's changes"),
  limit: pageLimitSchema(100, 50, 'Entries per page'),
  cursor: z
    .string()
    .refine((cursor) => decodeAuditCursor(cursor) !== undefined, { error: unknownCursor })
    .optional()
    .describe("The previous page's cursor"),
})

export type AuditQuery = z.output<typeof auditQuerySchema>
