import { z } from 'zod'
import {
  decodeGrants,
  decodeLimits,
  encodeGrants,
  encodeLimits,
  type Grants,
  type Limits,
} from './grants.ts'

/** Who is calling and what it holds, as the authorizer established it. */
export interface Caller {
  principal: string
  clientId: string
  scopes: string[]
  grants: Grants
  /** Requests per minute on each granted agent. */
  limits: Limits
  /** Agents on which it reads every caller's tasks (`taskAccess: "all"`), not only its own. */
  allTasksOn: string[]
  isAdmin: boolean
}

/** API Gateway passes authorizer context values on as strings only. */
export const toAuthorizerContext = (caller: Caller): Record<string, string> => ({
  principal: caller.principal,
  clientId: caller.clientId,
  scopes: caller.scopes.join(' '),
  grants: encodeGrants(caller.grants),
  limits: encodeLimits(caller.limits),
  allTasksOn: JSON.stringify(caller.allTasksOn),
  admin: String(caller.isAdmin),
})

const contextSchema = z.object({
  principal: z.string().min(1),
  clientId: z.string().min(1),
  scopes: z.string(),
  grants: z.string().min(2),
  limits: z.string().min(2),
  // Absent from a context cached before the field existed: own tasks only.
  allTasksOn: z.string().default('[]'),
  admin: z.enum(['true', 'false']),
})

/** Reads the caller back from `requestContext.authorizer`; throws if it is not there. */
export const fromAuthorizerContext = (context: unknown): Caller => {
  const fields = contextSchema.parse(context)
  return {
    principal: fields.principal,
    clientId: fields.clientId,
    scopes: fields.scopes.split(' ').filter(Boolean),
    grants: decodeGrants(fields.grants),
    limits: decodeLimits(fields.limits),
    allTasksOn: z.array(z.string()).parse(JSON.parse(fields.allTasksOn)),
    isAdmin: fields.admin === 'true',
  }
}
