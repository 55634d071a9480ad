import {
  createHash,
  createHmac,
  createSecretKey,
  type Hash,
  type Hmac,
  type KeyObject,
} from 'node:crypto'

/** What the SDK hands a hash as its key (its `SourceData`). */
type SourceData = string | ArrayBuffer | ArrayBufferView

/** HMAC keys given as bytes, by the array that holds them (SigV4's cached signing key is one array). */
const byteKeys = new WeakMap<object, KeyObject>()
/** HMAC keys given as text (a secret access key); emptied when full, as credentials rotate. */
const textKeys = new Map<string, KeyObject>()
const textKeysMax = 16

const keyOf = (secret: SourceData): KeyObject => {
  if (typeof secret === 'string') {
    let key = textKeys.get(secret)
    if (!key) {
      if (textKeys.size >= textKeysMax) textKeys.clear()
      key = createSecretKey(Buffer.from(secret, 'utf8'))
      textKeys.set(secret, key)
    }
    return key
  }
  let key = byteKeys.get(secret)
  if (!key) {
    const bytes = ArrayBuffer.isView(secret)
      ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
      : Buffer.from(secret)
    key = createSecretKey(Buffer.from(bytes))
    byteKeys.set(secret, key)
  }
  return key
}

/**
 * SHA-256 and HMAC-SHA-256 for the AWS SDK's SigV4 signer (the clients'
 * `sha256` option), as the SDK's own Node hash does them, except that an HMAC
 * key is turned into a Node `KeyObject` once and reused: the signer keys an HMAC
 * with the same secret and the same derived signing key on every request, and
 * Node prepares a key given as bytes on every `createHmac` (about 15 µs each).
 * A key given as bytes is remembered by its array, so it must not be changed
 * after use (the signer never does).
 *
 * @example
 * new DynamoDBClient({ region, sha256: CachedKeySha256 })
 */
export class CachedKeySha256 {
  readonly digestLength = 32
  readonly #secret: SourceData | undefined
  #hash: Hash | Hmac
  #finished = false

  constructor(secret?: SourceData) {
    this.#secret = secret
    this.#hash = this.#create()
  }

  #create(): Hash | Hmac {
    return this.#secret ? createHmac('sha256', keyOf(this.#secret)) : createHash('sha256')
  }

  update(data: Uint8Array): void {
    if (this.#finished) throw new Error('Attempted to update an already finished hash.')
    this.#hash.update(data)
  }

  digest(): Promise<Uint8Array> {
    let digest: Buffer
    if (this.#secret) {
      this.#finished = true
      digest = this.#hash.digest()
    } else {
      // A plain hash may go on after a digest, as the SDK's own does.
      digest = (this.#hash as Hash).copy().digest()
    }
    return Promise.resolve(new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength))
  }

  reset(): void {
    this.#hash = this.#create()
    this.#finished = false
  }
}
