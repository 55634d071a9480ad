import { UnauthenticatedError } from '../errors.ts'

/**
 * Standard auth discovery: where a client that got a 401 learns how to get a
 * token. OAuth 2.0 Protected Resource Metadata (RFC 9728) at a well-known path
 * on the gateway, named by every 401's `WWW-Authenticate: Bearer` challenge
 * (RFC 9728 §5.1, RFC 6750 §3).
 */
export const resourceMetadataPath = '/.well-known/oauth-protected-resource'

/** The metadata document's URL on the gateway whose base URL is given. */
export const resourceMetadataUrl = (gatewayUrl: string): string =>
  `${gatewayUrl}${resourceMetadataPath}`

/**
 * The `WWW-Authenticate` value of a 401: the Bearer scheme and the metadata
 * document; for a token that was sent and refused, `error="invalid_token"` and
 * why (RFC 6750 §3.1). Without a token, no error code (RFC 6750 §3.1 says so).
 *
 * @example
 * bearerChallenge('https://gw.example.com/prod')
 * // 'Bearer resource_metadata="https://gw.example.com/prod/.well-known/oauth-protected-resource"'
 */
export const bearerChallenge = (gatewayUrl: string, refused?: { description: string }): string =>
  [
    `Bearer resource_metadata="${resourceMetadataUrl(gatewayUrl)}"`,
    ...(refused
      ? [
          'error="invalid_token"',
          `error_description="${refused.description.replace(/["\\]/g, '')}"`,
        ]
      : []),
  ].join(', ')

/** The challenge a handler's 401 carries, for the error it answers; undefined for any other error. */
export const challengeFor = (error: unknown, gatewayUrl: string): string | undefined => {
  if (!(error instanceof UnauthenticatedError)) return undefined
  return bearerChallenge(gatewayUrl, error.tokenGiven ? { description: error.message } : undefined)
}

/** What the metadata document is made of: the gateway, its token issuer, the scopes it issues. */
export interface ResourceMetadataValues {
  /** The gateway's base URL: the protected resource's identifier. */
  gatewayUrl: string
  /** The token issuer; its metadata (`/.well-known/openid-configuration`) names the token endpoint. */
  issuer: string
  /** The scopes the token endpoint issues for the gateway, prefix included. */
  scopes: readonly string[]
}

/**
 * The RFC 9728 document. `scopes_supported` is the scopes the token endpoint
 * issues for the gateway (on AWS the Cognito resource server's, from Terraform;
 * locally the local clients'), not the permissions table: it is what a client can
 * ask the token endpoint for, and it is static, so API Gateway answers it itself.
 *
 * @example
 * protectedResourceMetadata({ gatewayUrl, issuer, scopes: ['switchboard/weather:invoke'] }).resource
 */
export const protectedResourceMetadata = (values: ResourceMetadataValues) => ({
  resource: values.gatewayUrl,
  authorization_servers: [values.issuer],
  scopes_supported: [...values.scopes],
  bearer_methods_supported: ['header'],
  resource_name: 'Switchboard A2A gateway',
})
