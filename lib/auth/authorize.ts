import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import type { PermissionStore } from '../permissions/permission-store.ts'
import { type Caller, toAuthorizerContext } from './caller.ts'
import { allTasksAgents, grantsFromPermissions, limitsFromPermissions } from './grants.ts'
import { buildPolicy } from './policy.ts'
import { TokenRejectedError, type VerifiedCaller } from './token-verifier.ts'

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

const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
  return match?.[1]
}

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
  const token = bearerToken(authorization)
  if (!token) {
    return { allowed: false, reason: 'no bearer token', tokenGiven: authorization !== undefined }
  }
  let verified: VerifiedCaller
  try {
    verified = await deps.verifyAccessToken(token)
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      return { allowed: false, reason: error.reason, tokenGiven: true }
    }
    throw error
  }
  const permissions = await deps.permissions.forScopes(verified.scopes)
  const caller: Caller = {
    ...verified,
    grants: grantsFromPermissions(permissions),
    limits: limitsFromPermissions(permissions, deps.defaultRateLimit),
    allTasksOn: allTasksAgents(permissions),
    isAdmin: verified.scopes.includes(deps.adminScope),
    authorizedAt,
  }
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
