import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keyLength: number,
) => Promise<Buffer>

const keyLength = 32

/**
 * A client secret as the local identity keeps it: `scrypt$<salt>$<hash>`
 * (base64url, Node's default cost), never the secret itself.
 *
 * @example
 * const stored = await hashSecret(secret)
 * await secretMatches(secret, stored) // true
 */
export const hashSecret = async (secret: string): Promise<string> => {
  const salt = randomBytes(16)
  const hash = await scryptAsync(secret, salt, keyLength)
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

/** Whether `secret` is the one `stored` was made from (constant time over the hash). */
export const secretMatches = async (secret: string, stored: string): Promise<boolean> => {
  const [kind, salt, hash] = stored.split('$')
  if (kind !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const given = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** A new client secret: 256 random bits. */
export const newClientSecret = (): string => randomBytes(32).toString('base64url')
