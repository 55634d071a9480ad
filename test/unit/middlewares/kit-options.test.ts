import { describe, expect, it, vi } from 'vitest'
import { a2aErrors } from '../../../middlewares/a2a-errors.ts'
import { a2aRequest } from '../../../middlewares/a2a-request.ts'
import { accessLog } from '../../../middlewares/access-log.ts'
import { idempotentRequest } from '../../../middlewares/idempotent-request.ts'
import { jwtAuth } from '../../../middlewares/jwt-auth.ts'
import { DynamoPermissionStore, permissionLookup } from '../../../middlewares/permission-lookup.ts'
import { DynamoRateLimiter, rateLimit } from '../../../middlewares/rate-limit.ts'
import { streamConcurrency } from '../../../middlewares/stream-concurrency.ts'
import { tokenRevocation } from '../../../middlewares/token-revocation.ts'
import { verifiedCaller } from '../../../middlewares/verified-caller.ts'

// What a team's Lambda, in plain JavaScript, may pass: no types to stop a wrong option.
const anyOptions = (options: unknown) => options as never

const jwtOptions = {
  issuer: 'https://issuer.example.com',
  jwksUrl: 'https://issuer.example.com/jwks.json',
  resourceUrl: 'https://team.example.com',
}
const documents = { send: vi.fn() } as never

describe('the middleware kit checks its options when built', () => {
  it.each([
    [
      'rateLimit without subject',
      () => rateLimit(anyOptions({ limiter: { consume: vi.fn() }, limitedResponse: vi.fn() })),
      'rateLimit: options.subject must be a function',
    ],
    [
      'rateLimit without limitedResponse',
      () => rateLimit(anyOptions({ limiter: { consume: vi.fn() }, subject: vi.fn() })),
      'rateLimit: options.limitedResponse must be a function',
    ],
    [
      'rateLimit with no options',
      () => rateLimit(anyOptions(undefined)),
      'rateLimit: options are required (limiter, subject, limitedResponse)',
    ],
    [
      'tokenRevocation without issuedBefore',
      () => tokenRevocation(anyOptions({})),
      'tokenRevocation: options.issuedBefore must be a function',
    ],
    [
      'jwtAuth with a negative clock tolerance',
      () => jwtAuth({ ...jwtOptions, clockToleranceSeconds: -5 }),
      'jwtAuth: options.clockToleranceSeconds must be an integer from 0 to 60',
    ],
    [
      'jwtAuth with a clock tolerance over 60 s',
      () => jwtAuth({ ...jwtOptions, clockToleranceSeconds: 600 }),
      'jwtAuth: options.clockToleranceSeconds must be an integer from 0 to 60',
    ],
    [
      'jwtAuth with a string of client ids',
      () => jwtAuth(anyOptions({ ...jwtOptions, allowedClientIds: 'xx-c-granted-xx' })),
      'jwtAuth: options.allowedClientIds must be an array of non-empty strings',
    ],
    [
      'jwtAuth with no options',
      () => jwtAuth(anyOptions(undefined)),
      // Only what must be given: not scopePrefix, logger...
      'jwtAuth: options are required (issuer, jwksUrl, resourceUrl)',
    ],
    [
      'jwtAuth with a misspelt allow-list, which would let every client in',
      () => jwtAuth(anyOptions({ ...jwtOptions, allowedClientID: ['team-client'] })),
      'jwtAuth: options.allowedClientID is not an option of jwtAuth',
    ],
    [
      'a2aErrors with a misspelt gatewayUrl',
      () => a2aErrors(anyOptions({ logger: console, gatewayURL: () => 'https://gw.example' })),
      'a2aErrors: options.gatewayURL is not an option of a2aErrors',
    ],
    [
      'a2aRequest with null, though it needs no option',
      () => a2aRequest(anyOptions(null)),
      'a2aRequest: options must be an object',
    ],
    [
      'streamConcurrency without slots',
      () => streamConcurrency(anyOptions({ subject: vi.fn(), limitedResponse: vi.fn() })),
      'streamConcurrency: options.slots must have acquire() and release()',
    ],
    [
      'accessLog with a logger that cannot warn',
      () => accessLog(anyOptions({ logger: { info: vi.fn() } })),
      'accessLog: options.logger must have info() and warn()',
    ],
    [
      'permissionLookup with no options',
      () => permissionLookup(anyOptions(undefined)),
      'permissionLookup: options are required (permissions, defaultRateLimit)',
    ],
    [
      'DynamoRateLimiter with a zero window',
      () => new DynamoRateLimiter({ client: documents, tableName: 'limits', windowSeconds: 0 }),
      'DynamoRateLimiter: options.windowSeconds must be a positive integer',
    ],
    [
      'DynamoRateLimiter without a table name',
      () => new DynamoRateLimiter(anyOptions({ client: documents, windowSeconds: 60 })),
      'DynamoRateLimiter: options.tableName must be a non-empty string',
    ],
    [
      'DynamoPermissionStore without a table name',
      () => new DynamoPermissionStore(documents, anyOptions(undefined)),
      'DynamoPermissionStore: tableName must be a non-empty string',
    ],
    [
      'verifiedCaller with a misspelt requireAdmin (every caller would pass)',
      () => verifiedCaller(anyOptions({ requiresAdmin: true })),
      'verifiedCaller: options.requiresAdmin is not an option of verifiedCaller',
    ],
    [
      'verifiedCaller with requireAdmin that is no boolean',
      () => verifiedCaller(anyOptions({ requireAdmin: 'yes' })),
      'verifiedCaller: options.requireAdmin must be true or false',
    ],
    [
      'idempotentRequest with a logger that cannot log errors',
      () => idempotentRequest(anyOptions({}), anyOptions({ logger: {} })),
      'idempotentRequest: logger must have error()',
    ],
  ])('refuses %s, naming the factory and the option', (_case, build, message) => {
    // Act, Assess
    expect(build).toThrow(TypeError)
    expect(build).toThrow(new TypeError(message))
  })
})
