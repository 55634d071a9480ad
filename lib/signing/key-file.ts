import { readFile } from 'node:fs/promises'
import type { JWK } from 'jose'
import { parseJsonQuotingNothing } from '../json-file.ts'

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

/**
 * The key pair in `file`, or undefined when there is no file (the caller makes one); a file that
 * holds none is refused with `refused`. Nothing of the file is quoted: V8's JSON errors quote
 * the text, here a private key.
 *
 * @example
 * await readKeyFile(file, keyFileRefusal(file, 'the token signing key file', 'tokens it signed stop verifying'))
 */
export const readKeyFile = async (
  file: string,
  refused: KeyFileRefusal,
): Promise<KeyFile | undefined> => {
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
    throw refused((error as Error).message, error)
  }
  const { kid, privateJwk, publicJwk } = (stored ?? {}) as Partial<KeyFile>
  if (typeof kid !== 'string' || typeof privateJwk !== 'object' || typeof publicJwk !== 'object') {
    throw refused('not an object with kid, privateJwk and publicJwk')
  }
  return stored as KeyFile
}
