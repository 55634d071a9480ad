import type { JWK } from 'jose'

/**
 * The gateway's own signing key (ES256, P-256): a KMS key on AWS, a key file on
 * a laptop. It signs bytes and publishes its public half; it never hands out
 * the private one.
 */
export interface GatewayKey {
  /** The key's id in the JWKS and in every signature's `kid`. */
  readonly kid: string
  readonly alg: 'ES256'
  /** A JOSE ES256 signature (r || s, 64 bytes) over `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>
  /** The public key as a JWK, with its `kid`, `alg` and `use`. */
  publicJwk(): Promise<JWK>
}

/** Raised when a DER ECDSA signature cannot be read. */
export class MalformedSignatureError extends Error {
  constructor(reason: string) {
    super(`Not a DER ECDSA signature: ${reason}.`)
    this.name = 'MalformedSignatureError'
  }
}

/** Reads one DER length at `offset`: its value and where the content starts. */
const derLength = (der: Uint8Array, offset: number): { length: number; start: number } => {
  const first = der[offset]
  if (first === undefined) throw new MalformedSignatureError('it ends early')
  if (first < 0x80) return { length: first, start: offset + 1 }
  const bytes = first & 0x7f
  if (bytes === 0 || bytes > 2) throw new MalformedSignatureError('a length is out of range')
  let length = 0
  for (let index = 1; index <= bytes; index++) {
    const byte = der[offset + index]
    if (byte === undefined) throw new MalformedSignatureError('it ends early')
    length = (length << 8) | byte
  }
  return { length, start: offset + 1 + bytes }
}

/** One DER INTEGER at `offset` as an unsigned big-endian number of `size` bytes. */
const derInteger = (der: Uint8Array, offset: number, size: number) => {
  if (der[offset] !== 0x02) throw new MalformedSignatureError('an INTEGER was expected')
  const { length, start } = derLength(der, offset + 1)
  const end = start + length
  if (length === 0 || end > der.length) throw new MalformedSignatureError('an INTEGER is cut off')
  let value = der.subarray(start, end)
  // DER adds a leading zero to keep a high bit from reading as a sign.
  while (value.length > 1 && value[0] === 0) value = value.subarray(1)
  if (value.length > size) throw new MalformedSignatureError(`an INTEGER is over ${size} bytes`)
  const padded = new Uint8Array(size)
  padded.set(value, size - value.length)
  return { value: padded, end }
}

/**
 * Converts a DER `ECDSA-Sig-Value` (SEQUENCE { r INTEGER, s INTEGER }, what KMS
 * answers) into JOSE's form: r and s, each left-padded to the curve's size and
 * concatenated (RFC 7518 §3.4).
 *
 * @example
 * derToJose(kmsAnswer.Signature, 32) // 64 bytes for ES256
 */
export const derToJose = (der: Uint8Array, size = 32): Uint8Array => {
  if (der[0] !== 0x30) throw new MalformedSignatureError('a SEQUENCE was expected')
  const sequence = derLength(der, 1)
  if (sequence.start + sequence.length !== der.length) {
    throw new MalformedSignatureError('the SEQUENCE length does not match the bytes')
  }
  const r = derInteger(der, sequence.start, size)
  const s = derInteger(der, r.end, size)
  if (s.end !== der.length) throw new MalformedSignatureError('bytes follow the two INTEGERs')
  const jose = new Uint8Array(size * 2)
  jose.set(r.value, 0)
  jose.set(s.value, size)
  return jose
}
