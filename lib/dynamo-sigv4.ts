import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types'

/**
 * SigV4 for the lean DynamoDB path's one request shape (a POST of DynamoDB JSON to a fixed
 * URL), giving the headers `@smithy/signature-v4`'s `SignatureV4` gives for it with its default
 * `applyChecksum` (so `x-amz-content-sha256` is signed too): the same canonical request, scope
 * and signature, built directly. The SDK's signer sorts, filters and normalizes the headers,
 * clones the request, formats the date through regular expressions and derives its signing-key
 * cache key with an HMAC on every request: about 20 µs a request warm and alone, 90–100 µs in
 * place in the handler; this about 4 and 25 (docs/architecture.md, "The lean request: its SigV4
 * and body").
 * The signing key is derived once per day, region and credentials.
 */

const algorithm = 'AWS4-HMAC-SHA256'
const service = 'dynamodb'

/** A header value as SigV4 canonicalizes it (the SDK's `getCanonicalHeaders`). */
const canonicalValue = (value: string) =>
  value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '')

const sha256Hex = (text: string) => hash('sha256', text, 'hex')

const hmac = (key: KeyObject | string, data: string) =>
  createHmac('sha256', key).update(data, 'utf8').digest()

/** A 32-byte HMAC-SHA-256 key, padded once (RFC 2104), and what it signs. */
interface HmacKey {
  /** HMAC-SHA-256 of `text` (UTF-8), hex. */
  sign(text: string): string
}

/**
 * An HMAC-SHA-256 key whose padded inner and outer keys are made once: each signature is then
 * two one-shot hashes (`crypto.hash`), cheaper than a `createHmac` object per request.
 */
const hmacKey = (key: Buffer): HmacKey => {
  const inner = Buffer.alloc(64, 0x36)
  const outer = Buffer.alloc(64 + 32, 0x5c)
  for (let i = 0; i < key.length; i++) {
    inner[i] = (inner[i] as number) ^ (key[i] as number)
    outer[i] = (outer[i] as number) ^ (key[i] as number)
  }
  return {
    sign(text) {
      const innerHash = hash('sha256', Buffer.concat([inner, Buffer.from(text, 'utf8')]), 'buffer')
      innerHash.copy(outer, 64)
      return hash('sha256', outer, 'hex')
    },
  }
}

/** A URI component as SigV4 escapes it (the SDK's `escapeUri`). */
const escapeUri = (text: string) =>
  encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )

/**
 * A path as SigV4 canonicalizes it (the SDK's `getCanonicalPath` with `uriEscapePath`): empty and
 * `.` segments dropped, `..` climbing, then escaped again (a `/` left as it is).
 */
export const canonicalPathOf = (path: string) => {
  const segments: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`
  return escapeUri(normalized).replace(/%2F/g, '/')
}

/** The second last signed in, and its dates: requests in the same second share them. */
let lastSecond = Number.NaN
let lastDates = { shortDate: '', longDate: '' }

/** `20261205T002500Z` and `20261205` for a date, as SigV4 writes them (an invalid date throws). */
const signingDates = (date: Date) => {
  const second = Math.floor(date.getTime() / 1000)
  if (second === lastSecond) return lastDates
  const iso = date.toISOString()
  const shortDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`
  lastDates = {
    shortDate,
    longDate: `${shortDate}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`,
  }
  lastSecond = second
  return lastDates
}

/** The headers a signed request carries: the given ones and SigV4's, `authorization` last. */
export type SignedHeaders = Record<string, string>

export interface DynamoSigner {
  /** The headers for a POST of `body` as operation `target` (`DynamoDB_20120810.GetItem`). */
  sign(target: string, body: string, signingDate: Date): Promise<SignedHeaders>
}

/**
 * A signer for POSTs to `host` and `path`, in `region`, with the client's credential provider, asked on
 * every request as the SDK's signer asks it (it caches and refreshes).
 *
 * @example
 * const signer = dynamoSigner({ host: 'dynamodb.eu-west-1.amazonaws.com', path: '/', region, credentials })
 * const headers = await signer.sign('DynamoDB_20120810.GetItem', body, new Date())
 */
export const dynamoSigner = (options: {
  host: string
  path: string
  region: string
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity
}): DynamoSigner => {
  const { host, region } = options
  const canonicalPath = canonicalPathOf(options.path)
  const provider =
    typeof options.credentials === 'function'
      ? options.credentials
      : () => Promise.resolve(options.credentials as AwsCredentialIdentity)
  const hostLine = `host:${canonicalValue(host)}`
  /** `x-amz-target:…` by target: there are four. */
  const targetLines = new Map<string, string>()
  const targetLine = (target: string) => {
    let line = targetLines.get(target)
    if (line === undefined) {
      line = `x-amz-target:${canonicalValue(target)}`
      targetLines.set(target, line)
    }
    return line
  }
  /** The last signing key derived, and what it was derived for. */
  let derived:
    | { shortDate: string; accessKeyId: string; secretAccessKey: string; key: HmacKey }
    | undefined

  const signingKey = (credentials: AwsCredentialIdentity, shortDate: string) => {
    if (
      derived?.shortDate === shortDate &&
      derived.accessKeyId === credentials.accessKeyId &&
      derived.secretAccessKey === credentials.secretAccessKey
    ) {
      return derived.key
    }
    let key = hmac(`AWS4${credentials.secretAccessKey}`, shortDate)
    for (const step of [region, service, 'aws4_request']) key = hmac(createSecretKey(key), step)
    derived = {
      shortDate,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      key: hmacKey(key),
    }
    return derived.key
  }

  return {
    async sign(target, body, signingDate) {
      const credentials = await provider()
      if (
        typeof credentials !== 'object' ||
        typeof credentials.accessKeyId !== 'string' ||
        typeof credentials.secretAccessKey !== 'string'
      ) {
        throw new Error('Resolved credential object is not valid')
      }
      const { shortDate, longDate } = signingDates(signingDate)
      const scope = `${shortDate}/${region}/${service}/aws4_request`
      const payloadHash = sha256Hex(body)
      const contentLength = String(Buffer.byteLength(body))
      const token = credentials.sessionToken
      // Sorted by name, as SigV4 wants them.
      const signedNames = token
        ? 'content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target'
        : 'content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target'
      const canonicalRequest = `POST\n${canonicalPath}\n\ncontent-length:${contentLength}\ncontent-type:application/x-amz-json-1.0\n${hostLine}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${longDate}\n${token ? `x-amz-security-token:${canonicalValue(token)}\n` : ''}${targetLine(target)}\n\n${signedNames}\n${payloadHash}`
      const stringToSign = `${algorithm}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`
      const signature = signingKey(credentials, shortDate).sign(stringToSign)
      const headers: SignedHeaders = {
        host,
        'content-type': 'application/x-amz-json-1.0',
        'content-length': contentLength,
        'x-amz-target': target,
        'x-amz-date': longDate,
      }
      if (token) headers['x-amz-security-token'] = token
      headers['x-amz-content-sha256'] = payloadHash
      headers.authorization = `${algorithm} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedNames}, Signature=${signature}`
      return headers
    },
  }
}
