import * as z from 'zod'
import { sessionHeader } from '../agentcore-session.ts'
import { type BackendAuthType, BackendCredentialsError } from './backend-auth.ts'
import {
  inlineSecret,
  namedSecretOf,
  oneSecret,
  type StoredSecret,
  secretArn,
  storedSecret,
} from './fields.ts'

/**
 * Headers the gateway sets on a call itself, which a key sent in one would replace: the caller's
 * name and task access (`x-switchboard-*`, which agents trust as the gateway's word), the trace
 * context, an AgentCore session, the A2A version, and the message's framing.
 */
const gatewayHeaders = new Set([
  'a2a-version',
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'te',
  'trailer',
  'traceparent',
  'tracestate',
  'transfer-encoding',
  'upgrade',
  sessionHeader,
])
const setByGateway = (name: string) =>
  name.toLowerCase().startsWith('x-switchboard-') || gatewayHeaders.has(name.toLowerCase())

const config = z
  .strictObject({
    type: z.literal('api_key'),
    headerName: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
      .max(256, 'must be at most 256 characters')
      .refine((name) => !setByGateway(name), {
        error: (issue) =>
          `'${String(issue.input)}' is a header the gateway sets itself: name another, such as X-API-Key`,
      })
      .default('X-API-Key'),
    apiKey: inlineSecret.optional(),
    apiKeyArn: secretArn.optional(),
  })
  .refine(oneSecret('apiKey', 'apiKeyArn'), {
    message: 'give exactly one of apiKey and apiKeyArn',
    path: ['apiKey'],
  })

export type ApiKeyAuth = { type: 'api_key'; headerName: string } & StoredSecret

/**
 * `api_key`: the key, kept in Secrets Manager, goes in `headerName` on every
 * call. A renewal after a 401 re-reads the secret (it may have been rotated).
 */
export const apiKeyAuth: BackendAuthType<typeof config, ApiKeyAuth> = {
  type: 'api_key',
  config,
  namedSecret: (auth) => namedSecretOf(auth, 'apiKeyArn'),
  // The backend's whole URL: an origin alone is shared by every AgentCore runtime of a Region.
  secretDestination: (_auth, backendUrl) => new URL(backendUrl).href,
  toRecord: async (auth, context) => ({
    type: 'api_key',
    headerName: auth.headerName,
    ...(await storedSecret(auth.apiKey, auth.apiKeyArn, context)),
  }),
  ownedSecret: (auth) => (auth.secretOwned ? auth.secretArn : undefined),
  renewsOn401: true,
  authenticatesCardFetch: false,
  authenticator: (deps) => ({
    async authenticate(request, auth) {
      // A record stored before such names were refused: its key would replace the gateway's header.
      if (setByGateway(auth.headerName)) {
        throw new BackendCredentialsError(
          `api_key headerName '${auth.headerName}' is a header the gateway sets itself: PUT the agent with another`,
        )
      }
      const key = await deps.secrets.read(auth.secretArn)
      return { ...request, headers: { ...request.headers, [auth.headerName.toLowerCase()]: key } }
    },
    // The store keeps what a fresh read found, so the next call's read gets the new key.
    async renew(_agentId, auth) {
      await deps.secrets.read(auth.secretArn, { fresh: true })
    },
  }),
}
