import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto'
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms'

/** P-256's group order. */
const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`)
const mod = (value: bigint) => ((value % n) + n) % n
const power = (base: bigint, exponent: bigint): bigint => {
  let result = 1n
  let b = mod(base)
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = mod(result * b)
    b = mod(b * b)
  }
  return result
}

/** A DER INTEGER: minimal bytes, a leading zero when the high bit is set. */
const derInteger = (value: bigint) => {
  let bytes = Buffer.from(value.toString(16).padStart(64, '0'), 'hex')
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1] as number) < 0x80)
    bytes = bytes.subarray(1)
  if ((bytes[0] as number) >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes])
}

/**
 * ECDSA over a digest as KMS computes it for MessageType DIGEST (Node's own
 * signing always hashes its input again): k·G from Node's ECDH, the rest in
 * bigint arithmetic. Answered in DER, as KMS answers.
 */
const signDigest = (privateScalar: Uint8Array, digest: Uint8Array): Uint8Array => {
  const d = toBigInt(privateScalar)
  const z = toBigInt(digest)
  for (;;) {
    const k = mod(toBigInt(randomBytes(32)))
    if (k === 0n) continue
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(64, '0'), 'hex'))
    const r = mod(toBigInt(ecdh.getPublicKey().subarray(1, 33)))
    const s = mod(power(k, n - 2n) * (z + r * d))
    if (r === 0n || s === 0n) continue
    const body = Buffer.concat([derInteger(r), derInteger(s)])
    return Buffer.concat([Buffer.from([0x30, body.length]), body])
  }
}

/**
 * A KMS client for one ECC_NIST_P256 key that signs with a real key held
 * here: it answers Sign (ECDSA_SHA_256 over a DIGEST) and GetPublicKey as KMS
 * does, refuses anything else, and records what it was sent.
 */
export const stubKms = (keyArn: string) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const scalar = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url')
  const sent: { name: string; input: Record<string, unknown> }[] = []
  const send = async (command: unknown) => {
    if (command instanceof SignCommand) {
      const input = command.input
      sent.push({ name: 'Sign', input: { ...input } })
      if (input.KeyId !== keyArn) throw new Error(`NotFoundException: no key ${input.KeyId}`)
      if (input.SigningAlgorithm !== 'ECDSA_SHA_256' || input.MessageType !== 'DIGEST') {
        throw new Error('ValidationException: this stub signs ECDSA_SHA_256 digests only')
      }
      const digest = input.Message as Uint8Array
      if (digest.length !== 32) throw new Error('ValidationException: a SHA-256 digest is 32 bytes')
      return {
        KeyId: keyArn,
        Signature: signDigest(scalar, digest),
        SigningAlgorithm: 'ECDSA_SHA_256',
      }
    }
    if (command instanceof GetPublicKeyCommand) {
      sent.push({ name: 'GetPublicKey', input: { ...command.input } })
      if (command.input.KeyId !== keyArn) throw new Error(`NotFoundException: no key`)
      return {
        KeyId: keyArn,
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
        SigningAlgorithms: ['ECDSA_SHA_256'],
      }
    }
    throw new Error(`The stub KMS does not answer ${(command as object).constructor.name}`)
  }
  return {
    // KMSClient.send is overloaded per command; the stub answers the two the gateway sends.
    client: { send } as unknown as Pick<KMSClient, 'send'>,
    sent,
    /** The key's public half, from Node's side, to check the stub's signatures against. */
    publicKey,
  }
}
