import { describe, expect, it } from 'vitest'
import { authorize } from '../../../lib/auth/authorize.ts'
import { TokenRejectedError } from '../../../lib/auth/bearer.ts'

const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/agents/weather'
const verifyAccessToken = async (token: string) => {
  if (token !== 'good') throw new TokenRejectedError('ERR_JWS_INVALID')
  return {
    principal: 'client-1',
    clientId: 'client-1',
    scopes: ['weather:invoke', 'admin'],
    expiresAt: 2_000_000_000,
    issuedAt: 1_999_996_400,
  }
}

describe('authorize', () => {
  it('turns a verified token into grants, limits and the admin flag', async () => {
    // Act
    const outcome = await authorize(
      { authorization: 'Bearer good', methodArn },
      {
        verifyAccessToken,
        permissions: {
          forScopes: async () => [
            { scope: 'weather:invoke', agents: ['weather'], requestsPerMinute: 5 },
          ],
        },
        adminScope: 'admin',
        defaultRateLimit: 60,
      },
    )

    // Assess
    expect(outcome).toMatchObject({
      allowed: true,
      caller: {
        principal: 'client-1',
        grants: { weather: '*' },
        limits: { weather: 5 },
        isAdmin: true,
      },
    })
  })

  it('rejects a bad token as an outcome, with the reason for the log', async () => {
    // Act
    const outcome = await authorize(
      { authorization: 'Bearer forged', methodArn },
      {
        verifyAccessToken,
        permissions: { forScopes: async () => [] },
        adminScope: 'admin',
        defaultRateLimit: 60,
      },
    )

    // Assess
    expect(outcome).toEqual({ allowed: false, reason: 'ERR_JWS_INVALID' })
  })

  it('fails, rather than rejecting the token, when the permissions table fails', async () => {
    // Prepare
    const permissions = {
      forScopes: async () => {
        throw new Error('ProvisionedThroughputExceededException')
      },
    }

    // Act
    const outcome = authorize(
      { authorization: 'Bearer good', methodArn },
      { verifyAccessToken, permissions, adminScope: 'admin', defaultRateLimit: 60 },
    )

    // Assess
    await expect(outcome).rejects.toThrow('ProvisionedThroughputExceededException')
  })
})

describe('the authorizer context', () => {
  it('carries when the decision was made and when the token expires', async () => {
    // Act
    const outcome = await authorize(
      { authorization: 'Bearer good', methodArn },
      {
        verifyAccessToken,
        permissions: { forScopes: async () => [] },
        adminScope: 'admin',
        defaultRateLimit: 60,
        now: () => 1_700_000_000_123,
      },
    )

    // Assess
    expect(outcome.allowed && outcome.result.context).toMatchObject({
      authorizedAt: '1700000000123',
      exp: '2000000000',
    })
  })
})
