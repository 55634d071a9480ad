import { readFile } from 'node:fs/promises'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import { createWhole, parseJsonQuotingNothing } from '../json-file.ts'
import type { GatewayKey } from './gateway-key.ts'

interface StoredKey {
  kid: string
  privateJwk: JWK
  publicJwk: JWK
}

/**
 * A key file that holds no key (emptied, cut short, edited) fails every card and push signature
 * until someone mends it: the error names the file and the way out, where a bare JSON or JOSE
 * error ("Unexpected end of JSON input") named neither. The reason quotes nothing of the file: V8's
 * JSON errors quote the text, here a private key.
 */
const unusableKeyFile = (file: string, cause: unknown) =>
  new Error(
    `the card-signing key file ${file} holds no usable key (${(cause as Error).message}): remove it and a new key is made (what the old one signed no longer verifies), or put back a saved copy`,
    { cause },
  )

const readStored = async (file: string): Promise<StoredKey | undefined> => {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  let stored: unknown
  try {
    stored = parseJsonQuotingNothing(text)
  } catch (error) {
    throw unusableKeyFile(file, error)
  }
  const { kid, privateJwk, publicJwk } = (stored ?? {}) as Partial<StoredKey>
  if (typeof kid !== 'string' || typeof privateJwk !== 'object' || typeof publicJwk !== 'object') {
    throw unusableKeyFile(file, new Error('not an object with kid, privateJwk and publicJwk'))
  }
  return stored as StoredKey
}

/**
 * The laptop's ES256 key, in a file (made on first use, kept across restarts).
 * Two functions starting at once make one key: each writes its own whole beside the file and
 * links it into place (createWhole), and the one that loses reads the winner's.
 */
const loadOrCreate = async (file: string): Promise<StoredKey> => {
  const existing = await readStored(file)
  if (existing) return existing
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  const stored: StoredKey = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
  }
  await createWhole(file, JSON.stringify(stored))
  return (await readStored(file)) as StoredKey
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
    const privateKey = await importJWK(stored.privateJwk, 'ES256').catch((error: unknown) => {
      throw unusableKeyFile(file, error)
    })
    if (!(privateKey instanceof CryptoKey)) {
      throw unusableKeyFile(file, new Error('its privateJwk is no EC private key'))
    }
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
