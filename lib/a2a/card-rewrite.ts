import { isIP } from 'node:net'
import { nestsDeeperThan } from '../json-depth.ts'
import { parseJson } from '../json-parse.ts'
import { firstPathWhere } from '../json-paths.ts'
import { reservedKind } from '../registry/backend-address.ts'
import {
  type AgentCardJson,
  type Binding,
  bindings,
  halfSurrogateAt,
  maxCardDepth,
} from './agent-card.ts'
import { fieldOf, spellingsOf } from './proto-fields.ts'

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

/** The card fields that list the agent's interfaces, each entry with a `url`. */
const interfaceLists = ['additionalInterfaces', 'supportedInterfaces']

/**
 * The URL fields of either version that locate the agent itself (0.3's, also found on 1.0
 * cards), under their JSON and proto names alike: a client's ProtoJSON parser reads either.
 */
const interfaceUrls = (card: CardFields): unknown[] => [
  ...spellingsOf(card, 'url').map(([, url]) => url),
  ...spellingsOf(card, ...interfaceLists).flatMap(([, list]) =>
    Array.isArray(list) ? list.map((entry) => (entry as CardFields | null)?.url) : [],
  ),
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
 * What the gateway sets on every card it serves, so the agent's own go, under either
 * spelling: where the agent is and how to call it, and the signatures of its card.
 */
const gatewayOwned = [
  'signatures',
  'url',
  'preferredTransport',
  ...interfaceLists,
  'securitySchemes',
  'securityRequirements',
  'security',
]

/**
 * The names of a JWT's claims (RFC 7519's registered ones and a push delivery's own, see
 * lib/push/delivery.ts), which no card has. A served card is signed with the key push
 * deliveries are, and its signature with the card as payload is a compact JWS: without these
 * it can never pass a webhook's check of a delivery (`iss`, `aud`, the body's hash), even
 * one that does not check `typ`.
 */
const jwtClaims = [
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'delivery_id',
  'taskId',
  'request_body_sha256',
]

/**
 * The card without what the gateway sets or a card never holds (`gatewayOwned`,
 * `jwtClaims`), and with its own links (`documentationUrl`, `iconUrl`,
 * `provider.url`, under either spelling) kept when they are public pages and
 * dropped when they point at the agent's own hosts or network (`provider` whole,
 * since its `url` is required).
 */
const servableFields = (card: CardFields, agentHosts: ReadonlySet<string>): CardFields => {
  const kept = { ...card }
  for (const [name] of spellingsOf(card, ...gatewayOwned, ...jwtClaims)) delete kept[name]
  for (const [name, url] of spellingsOf(card, 'documentationUrl', 'iconUrl')) {
    if (isBackendAddress(url, agentHosts)) delete kept[name]
  }
  const { provider } = card
  if (provider !== undefined && isBackendAddress((provider as CardFields | null)?.url, agentHosts))
    delete kept.provider
  return kept
}

/** 0.3's interface fields, every one at the gateway, for the bindings it serves. */
const legacyInterfaces = (card: CardFields, served: readonly Binding[], agentUrl: string) => {
  const preferred = fieldOf(card, 'preferredTransport') as Binding
  return {
    url: agentUrl,
    preferredTransport: served.includes(preferred) ? preferred : (served[0] ?? 'JSONRPC'),
    additionalInterfaces: served.map((transport) => ({ url: agentUrl, transport })),
  }
}

/**
 * The card as callers of the gateway must see it: every interface points at the
 * gateway, security is the gateway's, the backend's signatures are dropped
 * (they would not verify over a rewritten card), and no URL names the backend,
 * whichever spelling (JSON or proto name) the agent gave a field in.
 * A 1.0 card that also carries 0.3's fields (`url`, `preferredTransport`,
 * `additionalInterfaces`, for 0.3 clients) has those pointed at the gateway
 * too. The card's other links are kept when they are public pages and dropped
 * when they point at the agent's own hosts or a reserved address
 * (`servableFields`).
 *
 * @example
 * rewriteCard(card, { agentUrl: 'http://127.0.0.1:3000/agents/weather', tokenUrl })
 */
export const rewriteCard = (card: AgentCardJson, gateway: GatewayIdentity): AgentCardJson => {
  const fields = card as unknown as CardFields
  const agentHosts = new Set(
    interfaceUrls(fields).flatMap((url) => {
      const host = hostOf(url)
      return host === undefined ? [] : [host]
    }),
  )
  const rest = servableFields(fields, agentHosts)
  const served = gateway.bindings ?? bindings
  const metadata = gateway.issuer
    ? { oauth2MetadataUrl: `${gateway.issuer.replace(/\/$/, '')}/.well-known/openid-configuration` }
    : {}
  const flows = { clientCredentials: { tokenUrl: gateway.tokenUrl, scopes: {} } }
  // The card's version by its JSON names, as cardToVersion (versions.ts) writes and reads them:
  // a stray proto-named field goes (servableFields), and decides nothing.
  if ('supportedInterfaces' in fields) {
    const carriesLegacy =
      'url' in fields || 'preferredTransport' in fields || 'additionalInterfaces' in fields
    return {
      ...rest,
      ...(carriesLegacy ? legacyInterfaces(fields, served, gateway.agentUrl) : {}),
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
    } as unknown as AgentCardJson
  }
  return {
    ...rest,
    ...legacyInterfaces(fields, served, gateway.agentUrl),
    securitySchemes: {
      [schemeName]: {
        type: 'oauth2',
        description: schemeDescription,
        flows,
        ...metadata,
      },
    },
    security: [{ [schemeName]: [] }],
  } as unknown as AgentCardJson
}

/**
 * A GetExtendedAgentCard success with its card rewritten like the public one, and signed: the
 * JSON-RPC `result`, or the HTTP+JSON body. A JSON-RPC error answer is left as it is; an answer
 * that is neither a card nor an error (no JSON, no object), or a card the gateway would not sign
 * at registration (half a surrogate pair in its text), is none: `undefined`.
 */
export const rewriteCardAnswer = async (
  text: string,
  binding: Binding,
  gateway: GatewayIdentity,
  signCard: (card: AgentCardJson) => Promise<AgentCardJson>,
): Promise<string | undefined> => {
  let answer: unknown
  try {
    answer = parseJson(text)
  } catch {
    return undefined
  }
  // A card nests no deeper than the registry keeps one (and rewriting walks it).
  if (!isCardShaped(answer) || nestsDeeperThan(answer, maxCardDepth + 2)) return undefined
  if (binding === 'HTTP+JSON') {
    if (answer.error) return text
    return signable(answer)
      ? JSON.stringify(await signCard(rewriteCard(answer, gateway)))
      : undefined
  }
  if (isCardShaped(answer.result)) {
    if (!signable(answer.result)) return undefined
    return JSON.stringify({
      ...answer,
      result: await signCard(rewriteCard(answer.result, gateway)),
    })
  }
  return answer.error ? text : undefined
}

/**
 * A card the gateway may sign: one whose text is all Unicode text, as a registered card's is, and
 * whose numbers are all finite. JSON reads `1e400` as Infinity, which RFC 8785 (the signing form)
 * cannot write: the signer threw, a 500 for the agent's answer. A registered card holding one is
 * refused as a number its record cannot keep.
 */
const signable = (card: object) =>
  halfSurrogateAt(card) === undefined &&
  firstPathWhere(card, (leaf) => typeof leaf === 'number' && !Number.isFinite(leaf)) === undefined

const isCardShaped = (value: unknown): value is AgentCardJson & Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
