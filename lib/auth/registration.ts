import { ForbiddenError } from '../errors.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import type { Caller } from './caller.ts'

/**
 * A grant speaks for the agent registered under its id when the authorizer gave
 * it. API Gateway caches that decision per token, so a token authorized before
 * an id was deleted and registered again may still carry a grant for it; such a
 * grant is refused (403) until the caller gets a new token.
 *
 * @example
 * assertAuthorizedSinceRegistration(context.caller, record) // throws ForbiddenError
 */
export const assertAuthorizedSinceRegistration = (
  caller: Pick<Caller, 'authorizedAt'>,
  record: Pick<AgentRecord, 'agentId' | 'createdAt'>,
): void => {
  if (caller.authorizedAt >= Date.parse(record.createdAt)) return
  throw new ForbiddenError(
    `Your token's grants were settled before agent '${record.agentId}' was registered under this id; get a new token and retry.`,
  )
}
