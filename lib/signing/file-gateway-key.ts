import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import { createWhole } from '../json-file.ts'
import type { GatewayKey } from './gateway-key.ts'
import { type KeyFile, keyFileRefusal, keyPairOf, readKeyFile } from './key-file.ts'

/** A card-signing key file that holds no key: by name, with the way out. */
const refusedKeyFile = (file: string) =>
  keyFileRefusal(file, 'the card-signing key file', 'what the old one signed no longer verifies')

/**
 * The laptop's ES256 key, in a file (made on first use, kept across restarts).
 * Two functions starting at once make one key: each writes its own whole beside the file and
 * links it into place (createWhole), and the one that loses reads the winner's.
 */
const loadOrCreate = async (file: string): Promise<KeyFile> => {
  const existing = await readKeyFile(file, refusedKeyFile(file))
  if (existing) return existing
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  const stored: KeyFile = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
  }
  await createWhole(file, JSON.stringify(stored))
  return (await readKeyFile(file, refusedKeyFile(file))) as KeyFile
}

/**
 * The local stand-in for the KMS key: same algorithm, same JOSE signatures.
 *
 * @example
 * const key = await FileGatewayKey.load('.switchboard/card-signing-key.json')
 */
export class FileGatewayKey implements GatewayKey {
  readonly kid: string
  readonly alg = 'ES256' as const
  readonly #privateKey: CryptoKey
  readonly #publicJwk: JWK

  private constructor(kid: string, privateKey: CryptoKey, publicJwk: JWK) {
    this.kid = kid
    this.#privateKey = privateKey
    this.#publicJwk = publicJwk
  }

  static async load(file: string): Promise<FileGatewayKey> {
    const stored = await loadOrCreate(file)
    const privateKey = await keyPairOf(stored, 'ES256', refusedKeyFile(file))
    return new FileGatewayKey(stored.kid, privateKey, stored.publicJwk)
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      this.#privateKey,
      data as Uint8Array<ArrayBuffer>,
    )
    return new Uint8Array(signature)
  }

  async publicJwk(): Promise<JWK> {
    return this.#publicJwk
  }
}
