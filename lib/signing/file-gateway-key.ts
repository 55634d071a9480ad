import { randomUUID } from 'node:crypto'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { GatewayKey } from './gateway-key.ts'

interface StoredKey {
  kid: string
  privateJwk: JWK
  publicJwk: JWK
}

const readStored = async (file: string): Promise<StoredKey | undefined> => {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StoredKey
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * The laptop's ES256 key, in a file (made on first use, kept across restarts).
 * Two functions starting at once make one key: each writes its own to a
 * temporary file and links it into place, and the one that loses reads the
 * winner's.
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
  await mkdir(dirname(file), { recursive: true })
  const temporary = `${file}.${randomUUID()}`
  await writeFile(temporary, JSON.stringify(stored), { mode: 0o600 })
  try {
    await link(temporary, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    await unlink(temporary)
  }
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
    const privateKey = await importJWK(stored.privateJwk, 'ES256')
    if (!(privateKey instanceof CryptoKey)) throw new Error(`${file} holds no EC private key.`)
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
