import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import type { PermissionStore } from '../permissions/permission-store.ts'
import { type VerifiedCaller, verifyBearer } from './bearer.ts'
import { type Caller, callerFrom, toAuthorizerContext } from './caller.ts'
import { buildPolicy } from './policy.ts'

export interface AuthorizeDeps {
  verifyAccessToken: (token: string) => Promise<VerifiedCaller>
  permissions: Pick<PermissionStore, 'forScopes'>
  adminScope: string
  /** Requests per minute where no permission sets a limit. */
  defaultRateLimit: number
  now?: () => number
}

export type AuthorizeOutcome =
  | { allowed: true; caller: Caller; result: APIGatewayAuthorizerResult; widened: boolean }
  | { allowed: false; reason: string }

export type AuthenticateOutcome =
  | { allowed: true; caller: Caller }
  | { allowed: false; reason: string; tokenGiven: boolean }

/**
 * Who a bearer token speaks for and what it holds: the token verified, its
 * scopes' permissions read, grants and limits settled. The authorizer's first
 * half, also run by a handler on a route without an authorizer (the agent card).
 * A bad token is an outcome (`allowed: false`); a failing database is an error.
 *
 * @example
 * const outcome = await authenticate(headers.authorization, deps)
 */
export const authenticate = async (
  authorization: string | undefined,
  deps: AuthorizeDeps,
): Promise<AuthenticateOutcome> => {
  // Before the grants are read: a decision is never dated later than what it saw.
  const authorizedAt = (deps.now ?? Date.now)()
  const outcome = await verifyBearer(authorization, deps.verifyAccessToken)
  if (!outcome.allowed) return outcome
  const { verified } = outcome
  const caller = callerFrom(verified, await deps.permissions.forScopes(verified.scopes), {
    adminScope: deps.adminScope,
    defaultRateLimit: deps.defaultRateLimit,
    authorizedAt,
  })
  return { allowed: true, caller }
}

/**
 * Decides what a bearer token may reach. A bad token is an outcome
 * (`allowed: false`); a failing database is an error, never a rejection.
 */
export const authorize = async (
  request: { authorization: string | undefined; methodArn: string },
  deps: AuthorizeDeps,
): Promise<AuthorizeOutcome> => {
  const authenticated = await authenticate(request.authorization, deps)
  if (!authenticated.allowed) return { allowed: false, reason: authenticated.reason }
  const { caller } = authenticated
  const { result, widened } = buildPolicy({
    methodArn: request.methodArn,
    principalId: caller.principal,
    grants: caller.grants,
    isAdmin: caller.isAdmin,
    context: toAuthorizerContext(caller),
  })
  return { allowed: true, caller, result, widened }
}
