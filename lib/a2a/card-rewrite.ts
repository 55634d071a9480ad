import { isIP } from 'node:net'
import { reservedKind } from '../registry/backend-address.ts'
import { type AgentCardJson, type Binding, bindings } from './agent-card.ts'

export interface GatewayIdentity {
  /** The agent's address on the gateway, e.g. `https://gw.example.com/agents/weather`. */
  agentUrl: string
  /** Where callers get a token (Cognito's or the local token endpoint). */
  tokenUrl: string
  /** The token issuer, whose metadata (`/.well-known/openid-configuration`) describes the token endpoint. */
  issuer?: string
  /** The bindings callers can use for this agent (see `callerBindings`); both by default. */
  bindings?: readonly Binding[]
}

/**
 * The bindings the gateway can serve for an agent: both for a 1.0 agent (it
 * translates to the one the agent serves), only the agent's own for a 0.3 agent
 * and a 0.3 caller (0.3 calls to 0.3 agents are passed through, never
 * translated); both again for a 1.0 caller of a 0.3 agent (the call goes
 * through 1.0, and 1.0 is translated).
 *
 * @example
 * callerBindings({ protocolVersion: '0.3', endpoints: { JSONRPC: 'https://a/rpc' } }) // ['JSONRPC']
 */
export const callerBindings = (
  agent: {
    protocolVersion: '1.0' | '0.3'
    endpoints: Partial<Record<Binding, string>>
  },
  /** The caller's version: a caller of the other version is translated, so gets both. */
  callerVersion: '1.0' | '0.3' = agent.protocolVersion,
): Binding[] =>
  agent.protocolVersion === '1.0' || callerVersion !== agent.protocolVersion
    ? [...bindings]
    : bindings.filter((binding) => agent.endpoints[binding] !== undefined)

const schemeName = 'switchboard'
const schemeDescription =
  'OAuth 2.0 client credentials issued for the Switchboard gateway; the scopes you hold decide which agents and operations you may use.'

type CardFields = Record<string, unknown>

/** The URL fields of either version that locate the agent itself (0.3's, also found on 1.0 cards). */
const interfaceUrls = (card: CardFields): unknown[] => [
  card.url,
  ...(Array.isArray(card.additionalInterfaces)
    ? card.additionalInterfaces.map((entry) => (entry as CardFields | null)?.url)
    : []),
  ...(Array.isArray(card.supportedInterfaces)
    ? card.supportedInterfaces.map((entry) => (entry as CardFields | null)?.url)
    : []),
]

const hostOf = (url: unknown): string | undefined => {
  if (typeof url !== 'string' || !URL.canParse(url)) return undefined
  return new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase()
}

/**
 * Whether a URL on the card points into the agent's own network: a host one of
 * its interfaces names, `localhost`, or a reserved address literal (private,
 * loopback, link-local...). A URL that cannot be read counts too: the gateway
 * cannot vouch for it.
 */
const isBackendAddress = (url: unknown, agentHosts: ReadonlySet<string>): boolean => {
  const host = hostOf(url)
  if (host === undefined) return true
  if (agentHosts.has(host) || host === 'localhost' || host.endsWith('.localhost')) return true
  return isIP(host) !== 0 && reservedKind(host) !== undefined
}

/**
 * The card's own links (`documentationUrl`, `iconUrl`, `provider.url`) that
 * are public pages kept, those on the agent's own hosts or network dropped
 * (`provider` whole, since its `url` is required).
 */
const withoutBackendLinks = <T extends object>(card: T, agentHosts: ReadonlySet<string>): T => {
  const { documentationUrl, iconUrl, provider, ...rest } = card as CardFields
  const providerUrl = (provider as CardFields | null | undefined)?.url
  return {
    ...rest,
    ...(documentationUrl !== undefined && !isBackendAddress(documentationUrl, agentHosts)
      ? { documentationUrl }
      : {}),
    ...(iconUrl !== undefined && !isBackendAddress(iconUrl, agentHosts) ? { iconUrl } : {}),
    ...(provider !== undefined && !isBackendAddress(providerUrl, agentHosts) ? { provider } : {}),
  } as T
}

/** 0.3's interface fields, every one at the gateway, for the bindings it serves. */
const legacyInterfaces = (card: CardFields, served: readonly Binding[], agentUrl: string) => ({
  url: agentUrl,
  preferredTransport: served.includes(card.preferredTransport as Binding)
    ? (card.preferredTransport as Binding)
    : (served[0] ?? 'JSONRPC'),
  additionalInterfaces: served.map((transport) => ({ url: agentUrl, transport })),
})

/**
 * The card as callers of the gateway must see it: every interface points at the
 * gateway, security is the gateway's, the backend's signatures are dropped
 * (they would not verify over a rewritten card), and no URL names the backend.
 * A 1.0 card that also carries 0.3's fields (`url`, `preferredTransport`,
 * `additionalInterfaces`, for 0.3 clients) has those pointed at the gateway
 * too. The card's other links are kept when they are public pages and dropped
 * when they point at the agent's own hosts or a reserved address
 * (`withoutBackendLinks`).
 *
 * @example
 * rewriteCard(card, { agentUrl: 'http://127.0.0.1:3000/agents/weather', tokenUrl })
 */
export const rewriteCard = (card: AgentCardJson, gateway: GatewayIdentity): AgentCardJson => {
  const { signatures: _signatures, ...fields } = card as AgentCardJson & { signatures?: unknown }
  const agentHosts = new Set(
    interfaceUrls(fields as CardFields).flatMap((url) => {
      const host = hostOf(url)
      return host === undefined ? [] : [host]
    }),
  )
  const rest = withoutBackendLinks(fields, agentHosts)
  const served = gateway.bindings ?? bindings
  const metadata = gateway.issuer
    ? { oauth2MetadataUrl: `${gateway.issuer.replace(/\/$/, '')}/.well-known/openid-configuration` }
    : {}
  const flows = { clientCredentials: { tokenUrl: gateway.tokenUrl, scopes: {} } }
  if ('supportedInterfaces' in rest) {
    const carriesLegacy =
      'url' in rest || 'preferredTransport' in rest || 'additionalInterfaces' in rest
    return {
      ...rest,
      ...(carriesLegacy ? legacyInterfaces(rest as CardFields, served, gateway.agentUrl) : {}),
      // The same URL serves both bindings: POST to it is JSON-RPC, paths below it are HTTP+JSON.
      supportedInterfaces: served.map((protocolBinding) => ({
        url: gateway.agentUrl,
        protocolBinding,
        protocolVersion: '1.0',
      })),
      securitySchemes: {
        [schemeName]: {
          oauth2SecurityScheme: { description: schemeDescription, flows, ...metadata },
        },
      },
      securityRequirements: [{ schemes: { [schemeName]: { list: [] } } }],
    }
  }
  return {
    ...rest,
    ...legacyInterfaces(rest as CardFields, served, gateway.agentUrl),
    securitySchemes: {
      [schemeName]: {
        type: 'oauth2',
        description: schemeDescription,
        flows,
        ...metadata,
      },
    },
    security: [{ [schemeName]: [] }],
  }
}

/**
 * A GetExtendedAgentCard answer with its card rewritten like the public one, and
 * signed: the JSON-RPC `result`, or the HTTP+JSON body. An error answer is left
 * as it is.
 */
export const rewriteCardAnswer = async (
  text: string,
  binding: Binding,
  gateway: GatewayIdentity,
  signCard: (card: AgentCardJson) => Promise<AgentCardJson>,
): Promise<string> => {
  const answer = JSON.parse(text) as { result?: AgentCardJson; error?: unknown }
  if (binding === 'JSONRPC') {
    return answer.result
      ? JSON.stringify({ ...answer, result: await signCard(rewriteCard(answer.result, gateway)) })
      : text
  }
  return answer.error
    ? text
    : JSON.stringify(await signCard(rewriteCard(answer as AgentCardJson, gateway)))
}
