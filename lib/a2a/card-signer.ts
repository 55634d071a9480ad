import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { JSONWebKeySet } from 'jose'
import type { GatewayKey } from '../signing/gateway-key.ts'
import type { AgentCardJson } from './agent-card.ts'

/** Where the gateway publishes the public keys its card signatures verify with. */
export const cardJwksPath = '/.well-known/agent-card-jwks.json'

/** The `jku` of the gateway's card signatures, below its public base URL. */
export const cardJwksUrl = (baseUrl: string): string => `${baseUrl}${cardJwksPath}`

/** One A2A 1.0 `AgentCardSignature`: a JWS in flattened form, its payload detached. */
export interface AgentCardSignature {
  protected: string
  signature: string
  header?: Record<string, unknown>
}

/**
 * What a card signature covers (A2A 1.0): the card without its `signatures`
 * field, canonicalized by RFC 8785 (JCS). The fields a card carries are all
 * covered, as they are; none is dropped or defaulted.
 *
 * @example
 * cardSigningPayload({ name: 'a', signatures: [] }) // '{"name":"a"}'
 */
export const cardSigningPayload = (card: object): string => {
  const { signatures: _signatures, ...rest } = card as Record<string, unknown>
  return canonicalize(rest) as string
}

/** Signs a card the gateway serves: the card with `signatures` holding the gateway's alone. */
export type SignCard = (card: AgentCardJson) => Promise<AgentCardJson>

const encoder = new TextEncoder()

/**
 * The signatures one signer keeps, oldest dropped first: some 270 bytes each, under 3 MB. A
 * listing walks the whole fleet in one order, so a fleet larger than this re-signed every card on
 * every listing (no card's signature outlived the walk); 1,000 kept did so from 1,001 agents, each
 * page of `GET /agents` 50 Sign calls at once. Extended cards, signed as each agent answers them,
 * take their places too.
 */
export const signaturesKept = 10_000

/**
 * A card signer over the gateway's key. A signature is remembered per signed
 * content (protected header and canonical card), so a warm function signs a
 * card once, not on every read: on AWS each signature is a KMS Sign call
 * (about $0.15 per 10,000, and an account-wide request quota). ECDSA
 * signatures differ each time, so the remembered one also keeps a card's
 * bytes stable between reads.
 *
 * @example
 * const sign = cardSigner(gatewayKeyFor(config))
 * const signed = await sign(card, 'https://gw.example.com/.well-known/agent-card-jwks.json')
 */
export const cardSigner = (
  key: () => Promise<GatewayKey>,
  options: { cacheSize?: number } = {},
) => {
  const { cacheSize = signaturesKept } = options
  /**
   * Each signature as it is made, so reads of one card at once (a cold function's first) share
   * one Sign call and get the same bytes; a failed one is forgotten, and the next read signs.
   */
  const signatures = new Map<string, Promise<string>>()
  return async function signCard<T extends AgentCardJson>(card: T, jwksUrl: string): Promise<T> {
    const signingKey = await key()
    const header = { alg: signingKey.alg, kid: signingKey.kid, jku: jwksUrl, typ: 'JOSE' }
    const protectedHeader = Buffer.from(JSON.stringify(header)).toString('base64url')
    const signingInput = `${protectedHeader}.${Buffer.from(cardSigningPayload(card)).toString('base64url')}`
    const cacheKey = createHash('sha256').update(signingInput).digest('base64url')
    let signing = signatures.get(cacheKey)
    if (signing === undefined) {
      const made = signingKey
        .sign(encoder.encode(signingInput))
        .then((bytes) => Buffer.from(bytes).toString('base64url'))
      made.catch(() => {
        if (signatures.get(cacheKey) === made) signatures.delete(cacheKey)
      })
      if (signatures.size >= cacheSize) signatures.delete(signatures.keys().next().value as string)
      signatures.set(cacheKey, made)
      signing = made
    }
    const signed: AgentCardSignature = { protected: protectedHeader, signature: await signing }
    return { ...card, signatures: [signed] }
  }
}

/** The gateway's JWKS document: the public key its card signatures verify with. */
export const cardJwks = async (key: () => Promise<GatewayKey>): Promise<JSONWebKeySet> => ({
  keys: [await (await key()).publicJwk()],
})
