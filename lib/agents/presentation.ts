import type { AgentCardJson } from '../a2a/agent-card.ts'
import { cardHeaders } from '../a2a/card-headers.ts'
import { callerBindings, type GatewayIdentity, rewriteCard } from '../a2a/card-rewrite.ts'
import { cardJwksUrl, type SignCard } from '../a2a/card-signer.ts'
import { cardToVersion, type ProtocolVersion, requestedVersion } from '../a2a/versions.ts'
import { gatewayAgentUrl } from '../http/gateway-url.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

/** Where the gateway is, as a request reached it, and how it signs what it serves. */
export interface GatewayPlace {
  /** The gateway's base URL for this request (`gatewayBaseUrl`). */
  baseUrl: string
  tokenUrl: string
  issuer: string
  /** `cardSigner(...)`: signs a card naming a JWKS URL. */
  sign: (card: AgentCardJson, jwksUrl: string) => Promise<AgentCardJson>
}

/** How the gateway presents an agent: its URL here, its bindings and where tokens come from. */
export const gatewayIdentity = (
  place: GatewayPlace,
  record: AgentRecord,
  callerVersion: ProtocolVersion = record.protocolVersion,
): GatewayIdentity => ({
  agentUrl: gatewayAgentUrl(place.baseUrl, record.agentId),
  tokenUrl: place.tokenUrl,
  issuer: place.issuer,
  bindings: callerBindings(record, callerVersion),
})

/** Signs a card as served here, naming the gateway's JWKS as its key set. */
export const signedHere =
  (place: GatewayPlace): SignCard =>
  (card) =>
    place.sign(card, cardJwksUrl(place.baseUrl))

/**
 * The agent's card as the gateway serves it, public or granted alike: in the
 * version the caller's `A2A-Version` asks for (the agent's own without one),
 * rewritten, then signed.
 *
 * @example
 * await cardAnswer(record, a2aVersionOf(event.headers), place) // { statusCode: 200, headers, body }
 */
export const cardAnswer = async (
  record: AgentRecord,
  a2aVersion: string | undefined,
  place: GatewayPlace,
) => {
  const version = requestedVersion(a2aVersion) ?? record.protocolVersion
  const card = await signedHere(place)(
    rewriteCard(cardToVersion(record.card, version), gatewayIdentity(place, record, version)),
  )
  return { statusCode: 200, headers: cardHeaders, body: JSON.stringify(card) }
}
