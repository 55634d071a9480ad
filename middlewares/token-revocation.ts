import type { MiddlewareObj, Request } from '@middy/core'
import { assertNotRevoked } from '../lib/auth/token-revocations.ts'
import { checkOptions, optionRules } from '../lib/options.ts'

// What builds `issuedBefore` in a team's own Lambda, which can import middlewares only.
export { cachedRevocations, DynamoTokenRevocations } from '../lib/auth/token-revocations.ts'

import { requires } from './support/requires.ts'
import type { CallerContext } from './verified-caller.ts'

export interface TokenRevocationOptions {
  /**
   * When the client's tokens were last revoked (epoch seconds; tokens issued before are
   * refused), undefined if never: `cachedRevocations` over the token-revocations table.
   */
  issuedBefore: (clientId: string) => Promise<number | undefined>
}

/**
 * Refuses (401 `token-revoked`) a caller whose token was issued before its client's tokens were
 * revoked: a client deleted, a scope taken from it, or its tokens revoked outright. API Gateway
 * caches the authorizer's answer per token and a JWT cannot be taken back, so every handler
 * behind the authorizer checks; with `cachedRevocations`, at most one read per client per
 * second per instance. Runs after `verifiedCaller` (or `jwtAuth` + `permissionLookup`).
 *
 * @example
 * middy().use(verifiedCaller()).use(tokenRevocation({ issuedBefore })).handler(serve)
 */
export const tokenRevocation = <TEvent>(
  options: TokenRevocationOptions,
): MiddlewareObj<TEvent, unknown, Error, CallerContext> => {
  checkOptions('tokenRevocation', options, { issuedBefore: optionRules.function() })
  const tokenRevocationMiddlewareBefore = async (
    request: Request<TEvent, unknown, Error, CallerContext>,
  ) => {
    const caller = requires(request.context, 'caller', 'tokenRevocation')
    assertNotRevoked(caller, await options.issuedBefore(caller.clientId))
  }

  return { before: tokenRevocationMiddlewareBefore }
}
