import { calculateJwkThumbprint, importJWK, type JWK } from 'jose'
import { clearStaleTemporaries, readJsonFile } from '../json-file.ts'

/** A key pair kept on a laptop: its id and both halves as JWKs. */
export interface KeyFile {
  kid: string
  privateJwk: JWK
  publicJwk: JWK
}

/** The error that refuses a key file, saying why (`reason`, quoting nothing of the file). */
export type KeyFileRefusal = (reason: string, cause?: unknown) => Error

/**
 * How a key file that holds no usable key pair is refused: by name, with the way out. Such a
 * file (emptied, cut short, edited by hand) fails every signature until someone mends it, where a
 * bare JSON or JOSE error ("Unexpected end of JSON input") named neither the file nor the fix.
 *
 * @example
 * keyFileRefusal(file, 'the token signing key file', 'tokens it signed stop verifying')
 */
export const keyFileRefusal =
  (file: string, describe: string, lostWithIt: string): KeyFileRefusal =>
  (reason, cause) =>
    new Error(
      `${describe} ${file} holds no usable key (${reason}): remove it and a new key is made (${lostWithIt}), or put back a saved copy`,
      { cause },
    )

const isJwk = (value: unknown): value is JWK =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The key pair in `file`, or undefined when there is no file (the caller makes one); a file that
 * holds none, or cannot be read (a folder, say: Node's EISDIR names no file), is refused with
 * `refused`. Nothing of the file is quoted: V8's JSON errors quote the text, here a private key.
 *
 * @example
 * await readKeyFile(file, keyFileRefusal(file, 'the token signing key file', 'tokens it signed stop verifying'))
 */
export const readKeyFile = async (
  file: string,
  refused: KeyFileRefusal,
): Promise<KeyFile | undefined> => {
  // At each start too, not only at a write: a key file, once made, is never written again, so a
  // writer killed after placing it would leave its private key in a temporary file for good.
  await clearStaleTemporaries(file)
  const stored = await readJsonFile(file, refused)
  if (stored === undefined) return undefined
  const { kid, privateJwk, publicJwk } = (stored ?? {}) as Partial<KeyFile>
  if (typeof kid !== 'string' || !isJwk(privateJwk) || !isJwk(publicJwk)) {
    throw refused('not an object with kid, privateJwk and publicJwk')
  }
  return stored as KeyFile
}

/**
 * The pair's private key for `alg`, once both halves are found to be one key pair: a private
 * half that is no such key fails every signature, and a public half of another key (or one
 * holding the private key) is published, so all that the file signs is refused, unexplained.
 * JOSE's errors name no key material ("Invalid keyData").
 *
 * @example
 * const privateKey = await keyPairOf(stored, 'RS256', refused)
 */
export const keyPairOf = async (
  stored: KeyFile,
  alg: string,
  refused: KeyFileRefusal,
): Promise<CryptoKey> => {
  const imported = async (jwk: JWK, half: string) => {
    try {
      return await importJWK(jwk, alg)
    } catch (error) {
      throw refused(`its ${half} is no ${alg} key: ${(error as Error).message}`, error)
    }
  }
  const privateKey = await imported(stored.privateJwk, 'privateJwk')
  if (!(privateKey instanceof CryptoKey) || privateKey.type !== 'private') {
    throw refused(`its privateJwk is no ${alg} private key`)
  }
  if ('d' in stored.publicJwk) throw refused('its publicJwk holds a private key')
  await imported(stored.publicJwk, 'publicJwk')
  // A JWK thumbprint covers only the public members, so a private key's is its public half's.
  const [ofPrivate, ofPublic] = await Promise.all([
    calculateJwkThumbprint(stored.privateJwk),
    calculateJwkThumbprint(stored.publicJwk),
  ])
  if (ofPrivate !== ofPublic)
    throw refused('its publicJwk is not the public half of its privateJwk')
  return privateKey
}
