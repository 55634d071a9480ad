import { createHash, createPublicKey } from 'node:crypto'
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms'
import { exportJWK, type JWK } from 'jose'
import { loadOnce } from '../load-once.ts'
import { derToJose, type GatewayKey } from './gateway-key.ts'

/**
 * The key's id as signatures name it: the key's UUID from its ARN (or the id
 * or alias as given), so every function derives the same `kid` without asking KMS.
 */
export const kmsKid = (keyId: string): string => keyId.replace(/^arn:[^:]+:kms:[^:]+:\d+:key\//, '')

/**
 * An ECC_NIST_P256 KMS key (key usage SIGN_VERIFY). The gateway sends KMS the
 * SHA-256 digest (MessageType DIGEST), so a card of any size can be signed (a
 * RAW message is limited to 4 KB), and turns KMS's DER answer into JOSE's r || s.
 * The public key is read once per instance.
 *
 * @example
 * new KmsGatewayKey(new KMSClient({}), 'arn:aws:kms:eu-west-1:123456789012:key/...')
 */
export class KmsGatewayKey implements GatewayKey {
  readonly kid: string
  readonly alg = 'ES256' as const
  readonly #client: Pick<KMSClient, 'send'>
  readonly #keyId: string
  /** Read from KMS once; a failed read is tried again on the next use. */
  readonly #publicJwk = loadOnce(() => this.#readPublicJwk())

  constructor(client: Pick<KMSClient, 'send'>, keyId: string) {
    this.#client = client
    this.#keyId = keyId
    this.kid = kmsKid(keyId)
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    const answer = await this.#client.send(
      new SignCommand({
        KeyId: this.#keyId,
        Message: createHash('sha256').update(data).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    )
    if (!answer.Signature) throw new Error(`KMS answered no signature for key ${this.#keyId}.`)
    return derToJose(answer.Signature, 32)
  }

  publicJwk(): Promise<JWK> {
    return this.#publicJwk()
  }

  async #readPublicJwk(): Promise<JWK> {
    const answer = await this.#client.send(new GetPublicKeyCommand({ KeyId: this.#keyId }))
    if (answer.KeySpec !== 'ECC_NIST_P256' || !answer.PublicKey) {
      throw new Error(
        `KMS key ${this.#keyId} is ${answer.KeySpec ?? 'of no spec'}; card signing needs ECC_NIST_P256.`,
      )
    }
    const key = createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' })
    return { ...(await exportJWK(key)), kid: this.kid, alg: this.alg, use: 'sig' }
  }
}
