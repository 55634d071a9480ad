import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import type { SecretStore } from './secret-store.ts'

/** Backend secrets in AWS Secrets Manager. */
export class SecretsManagerStore implements SecretStore {
  readonly #client: Pick<SecretsManagerClient, 'send'>

  constructor(client: Pick<SecretsManagerClient, 'send'>) {
    this.#client = client
  }

  async create(name: string, value: string): Promise<string> {
    const { ARN } = await this.#client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: value,
        Description: 'Backend credential of a Switchboard agent',
        Tags: [{ Key: 'managed-by', Value: 'switchboard' }],
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
}
