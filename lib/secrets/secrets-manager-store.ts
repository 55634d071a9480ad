import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets'
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { SecretAccessDeniedError } from '../errors.ts'
import type { SecretDescription, SecretStore } from './secret-store.ts'

const cacheSeconds = 60

/** Backend secrets in AWS Secrets Manager. */
export class SecretsManagerStore implements SecretStore {
  readonly #client: Pick<SecretsManagerClient, 'send'>
  readonly #reader: SecretsProvider
  readonly #kmsKeyId: string | undefined

  /** `kmsKeyId`: the key new secrets are encrypted with; Secrets Manager's own when omitted. */
  constructor(client: SecretsManagerClient, options: { kmsKeyId?: string } = {}) {
    this.#client = client
    this.#kmsKeyId = options.kmsKeyId
    this.#reader = new SecretsProvider({ awsSdkV3Client: client })
  }

  async read(arn: string, options: { fresh?: boolean } = {}): Promise<string> {
    // Powertools caches each value for maxAge; a rotation is seen within a minute, or at once when fresh.
    const value = await this.#reader.get(arn, {
      maxAge: cacheSeconds,
      forceFetch: options.fresh ?? false,
    })
    if (typeof value !== 'string') throw new Error(`secret ${arn} has no string value`)
    return value
  }

  async create(name: string, value: string, tags: Record<string, string> = {}): Promise<string> {
    const { ARN } = await this.#client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: value,
        KmsKeyId: this.#kmsKeyId,
        Description: 'Backend credential of a Switchboard agent',
        Tags: Object.entries({ 'managed-by': 'switchboard', ...tags }).map(([Key, Value]) => ({
          Key,
          Value,
        })),
      }),
    )
    if (!ARN) throw new Error(`Secrets Manager returned no ARN for ${name}`)
    return ARN
  }

  async delete(arn: string): Promise<void> {
    try {
      // The agent is gone; a recovery window would only keep a live credential around.
      await this.#client.send(
        new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }),
      )
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error
    }
  }

  async describe(arn: string): Promise<SecretDescription | undefined> {
    try {
      const { Name, Tags, DeletedDate } = await this.#client.send(
        new DescribeSecretCommand({ SecretId: arn }),
      )
      // A secret scheduled for deletion can no longer be read: as good as gone.
      if (!Name || DeletedDate) return undefined
      const tags = Object.fromEntries(
        (Tags ?? []).flatMap(({ Key, Value }) => (Key === undefined ? [] : [[Key, Value ?? '']])),
      )
      return { name: Name, tags }
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined
      if ((error as Error).name === 'AccessDeniedException') throw new SecretAccessDeniedError(arn)
      throw error
    }
  }
}
