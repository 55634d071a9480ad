import { describe, expect, it, vi } from 'vitest'
import { jwtAuth } from '../../../middlewares/jwt-auth.ts'
import { DynamoPermissionStore, permissionLookup } from '../../../middlewares/permission-lookup.ts'
import { DynamoRateLimiter, rateLimit } from '../../../middlewares/rate-limit.ts'
import { tokenRevocation } from '../../../middlewares/token-revocation.ts'

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
      'rateLimit: options are required',
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
      'jwtAuth: options are required',
    ],
    [
      'permissionLookup with no options',
      () => permissionLookup(anyOptions(undefined)),
      'permissionLookup: options are required',
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
  ])('refuses %s, naming the factory and the option', (_case, build, message) => {
    // Act, Assess
    expect(build).toThrow(TypeError)
    expect(build).toThrow(message)
  })
})
