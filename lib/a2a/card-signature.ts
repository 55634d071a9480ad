import {
  base64url,
  createLocalJWKSet,
  flattenedVerify,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
} from 'jose'
import { isJsonObject } from '../json-object.ts'
import { parseJson } from '../json-parse.ts'
import { maxCardSignatures } from './agent-card.ts'
import { type AgentCardSignature, cardSigningPayload } from './card-signer.ts'

/** Asymmetric JWS algorithms an agent may sign its card with (never `none` or HMAC). */
export const acceptedCardAlgorithms = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
]

/** Why one of a card's signatures was refused. */
export interface SignatureFailure {
  /** Its index in the card's `signatures`. */
  index: number
  reason: string
}

export interface VerifyCardOptions {
  /** Reads the key set a signature's `jku` names; throws an Error saying why it could not. */
  fetchKeys: (jku: string) => Promise<unknown>
}

class Refusal extends Error {}

const decoder = new TextDecoder()

const signatureHeader = (
  entry: unknown,
): { signature: AgentCardSignature; header: JWSHeaderParameters } => {
  const candidate = entry as Partial<AgentCardSignature> | null
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.protected !== 'string' ||
    typeof candidate.signature !== 'string' ||
    (candidate.header !== undefined &&
      (typeof candidate.header !== 'object' || candidate.header === null))
  ) {
    throw new Refusal(
      'it is not a JWS signature: "protected" and "signature" must be strings, "header" an object',
    )
  }
  let protectedHeader: unknown
  try {
    // Read as a client reads it, not by jose's decodeProtectedHeader: Node 24's JSON.parse, primed
    // by an object earlier in the header, read an embedded jwk's `"\u0064"` as `\`, and the
    // private key passed the check below (docs/architecture.md, *One reading of a request*).
    protectedHeader = parseJson(decoder.decode(base64url.decode(candidate.protected)))
  } catch {
    protectedHeader = undefined
  }
  if (!isJsonObject(protectedHeader)) {
    throw new Refusal('its protected header is not base64url-encoded JSON')
  }
  const signature = candidate as AgentCardSignature
  return { signature, header: { ...(signature.header ?? {}), ...protectedHeader } }
}

const keyFor = async (header: JWSHeaderParameters, alg: string, options: VerifyCardOptions) => {
  if (header.jwk) {
    if ('d' in header.jwk) throw new Refusal('its embedded jwk holds a private key')
    try {
      return await importJWK(header.jwk as JWK, alg)
    } catch (error) {
      throw new Refusal(`its embedded jwk is not a usable ${alg} key: ${(error as Error).message}`)
    }
  }
  if (typeof header.jku !== 'string') {
    throw new Refusal('it names no key: its header has neither "jku" nor "jwk"')
  }
  let keys: unknown
  try {
    keys = await options.fetchKeys(header.jku)
  } catch (error) {
    throw new Refusal(`its key set ${header.jku} could not be read: ${(error as Error).message}`)
  }
  if (!Array.isArray((keys as { keys?: unknown } | null)?.keys)) {
    throw new Refusal(`${header.jku} is not a JWK set (no "keys" array)`)
  }
  try {
    return await createLocalJWKSet(keys as JSONWebKeySet)({ ...header, alg })
  } catch {
    throw new Refusal(
      `${header.jku} holds no ${alg} key${header.kid ? ` with kid "${header.kid}"` : ''}`,
    )
  }
}

/**
 * Checks every signature a card carries against the key it names (a `jku`
 * key set, read through `fetchKeys`, or an embedded `jwk`), over the card's
 * canonical form. Returns the failures, one per signature that does not
 * verify, each saying why; none for a card without signatures.
 *
 * @example
 * const failures = await verifyCardSignatures(card, { fetchKeys })
 */
export const verifyCardSignatures = async (
  card: unknown,
  options: VerifyCardOptions,
): Promise<SignatureFailure[]> => {
  const { signatures } = (card ?? {}) as { signatures?: unknown }
  if (signatures === undefined) return []
  if (!Array.isArray(signatures)) {
    return [{ index: 0, reason: '"signatures" is not an array of signatures' }]
  }
  if (signatures.length > maxCardSignatures) {
    return [
      {
        index: maxCardSignatures,
        reason: `a card carries at most ${maxCardSignatures} signatures; this one carries ${signatures.length}, none of them checked`,
      },
    ]
  }
  const payload = base64url.encode(cardSigningPayload(card as object))
  const checked = await Promise.all(
    signatures.map(async (entry, index): Promise<SignatureFailure[]> => {
      try {
        const { signature, header } = signatureHeader(entry)
        const alg = header.alg
        if (typeof alg !== 'string' || !acceptedCardAlgorithms.includes(alg)) {
          throw new Refusal(
            `its alg ${JSON.stringify(alg)} is not one accepted (${acceptedCardAlgorithms.join(', ')})`,
          )
        }
        const key = await keyFor(header, alg, options)
        try {
          await flattenedVerify({ ...signature, payload }, key, { algorithms: [alg] })
        } catch {
          throw new Refusal(
            `it does not verify over the card's canonical form (RFC 8785, without "signatures"): the card was changed after it was signed, or signed with another key than ${header.kid ? `kid "${header.kid}"` : 'the one named'}`,
          )
        }
        return []
      } catch (error) {
        if (error instanceof Refusal) return [{ index, reason: error.message }]
        throw error
      }
    }),
  )
  return checked.flat()
}
