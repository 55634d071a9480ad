import { describe, expect, it } from 'vitest'

describe('package exports', () => {
  it('exposes each middleware under switchboard/middlewares/<name> for other Lambdas', async () => {
    // Act
    const { agentGrant } = await import('switchboard/middlewares/agent-grant')
    const { verifiedCaller } = await import('switchboard/middlewares/verified-caller')
    const { jwtAuth } = await import('switchboard/middlewares/jwt-auth')
    const { permissionLookup, DynamoPermissionStore } = await import(
      'switchboard/middlewares/permission-lookup'
    )

    // Assess
    expect(agentGrant().before).toBeTypeOf('function')
    expect(verifiedCaller().before).toBeTypeOf('function')
    const jwt = jwtAuth({
      issuer: 'https://issuer.example',
      jwksUrl: 'https://issuer.example/jwks.json',
      resourceUrl: 'https://api.example',
    })
    expect(jwt.before).toBeTypeOf('function')
    const permissions = { forScopes: async () => [] }
    expect(permissionLookup({ permissions, defaultRateLimit: 60 }).before).toBeTypeOf('function')
    expect(DynamoPermissionStore).toBeTypeOf('function')
  })

  it('exports the error jwtAuth throws for a key set it cannot fetch, for a team’s own renderer', async () => {
    // Act
    const { KeySetUnavailableError } = await import('switchboard/middlewares/jwt-auth')
    const error = new KeySetUnavailableError('https://issuer.example/jwks.json', {
      cause: new Error('Expected 200 OK from the JSON Web Key Set HTTP response'),
    })

    // Assess
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toContain('https://issuer.example/jwks.json')
  })
})
