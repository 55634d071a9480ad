import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose'

/**
 * An issuer for token tests: serves its JWKS over HTTP on a free port and signs
 * whatever claims a test asks for.
 */
export const startTokenIssuer = async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' }
  let jwksRequests = 0
  const server = createServer((_request, response) => {
    jwksRequests++
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const sign = (claims: JWTPayload, options: { expiresIn?: number; kid?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ token_use: 'access', client_id: 'client-1', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'test-key' })
      .setIssuer(issuer)
      .setSubject('client-1')
      .setIssuedAt(claims.iat ?? now - 5)
      .setExpirationTime(now + (options.expiresIn ?? 600))
      .sign(privateKey)
  }

  return {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    sign,
    jwksRequests: () => jwksRequests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
