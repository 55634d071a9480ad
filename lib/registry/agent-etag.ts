import { createHash } from 'node:crypto'
import { PreconditionFailedError } from '../errors.ts'
import { type IfMatch, ifMatchPasses, weakTagRefusal } from '../http/preconditions.ts'
import type { AgentRecord } from './agent-record.ts'

/** What an agent's version is: its registration (`createdAt`) and its last change (`updatedAt`). */
export type AgentVersion = Pick<AgentRecord, 'createdAt' | 'updatedAt'>

/**
 * The agent's entity tag (RFC 9110 §8.8.3), strong and quoted: its version, opaque. Every change
 * (PUT, PATCH, sync, a delete's `deleting` mark) writes a later `updatedAt` (`changedAt`), and a
 * registration under an id deleted before has a `createdAt` of its own, so no two versions of an
 * agent share a tag. The bookkeeping notes a change leaves after it (`indexed`, a secret still to
 * delete in `retiredSecretArns`) keep `updatedAt` as it is (`AgentRegistry.annotate`), so they
 * keep the tag too: they are the gateway's, no admin's change that another could overwrite.
 *
 * @example
 * agentETag(record) // '"q1Yd3…"' (22 characters between the quotes)
 */
export const agentETag = ({ createdAt, updatedAt }: AgentVersion): string =>
  `"${createHash('sha256').update(`${createdAt}\n${updatedAt}`).digest('base64url').slice(0, 22)}"`

/** The `ETag` header of an answer carrying the agent as stored. */
export const agentETagHeader = (record: AgentVersion) => ({ etag: agentETag(record) })

/**
 * Why a change sent with `If-Match` is not made on `current`, in words naming what it is now.
 *
 * @example
 * throw agentPreconditionFailed(current) // 412, `currentEtag` the agent's tag now
 */
export const agentPreconditionFailed = (
  current: AgentVersion & { agentId: string; status: string },
): PreconditionFailedError => {
  const etag = agentETag(current)
  const { agentId } = current
  const message =
    current.status === 'deleting'
      ? `Agent '${agentId}' has changed since the version If-Match names: it is being deleted (a delete under way, or one that stopped half-way), and its ETag is now ${etag}. Run DELETE /admin/agents/${agentId} with If-Match: ${etag} (or *) to finish the delete.`
      : `Agent '${agentId}' has changed since the version If-Match names: it was changed at ${current.updatedAt} (status ${current.status}), and its ETag is now ${etag}. Nothing was changed: read it again (GET /admin/agents/${agentId}), make your change on what it holds now, and send its ETag.`
  return new PreconditionFailedError(message, etag)
}

/**
 * Refuses (412) a change whose `If-Match` does not name the agent's version as read; passes
 * without one. The write that follows is conditional on that very version (the registry's
 * `unchangedSince`), so a change landing between this read and that write is refused too.
 */
export const assertAgentIfMatch = (
  current: AgentVersion & { agentId: string; status: string },
  ifMatch: IfMatch | undefined,
): void => {
  const etag = agentETag(current)
  if (ifMatchPasses(ifMatch, etag)) return
  const weak = weakTagRefusal(ifMatch, etag)
  throw weak ? new PreconditionFailedError(weak, etag) : agentPreconditionFailed(current)
}
