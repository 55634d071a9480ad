import { type AwsClientConfig, awsClientOptions } from '../aws-client-options.ts'
import type { GatewayConfig } from '../config.ts'
import { loadOnce } from '../load-once.ts'
import { tracing } from '../observability/tracing.ts'
import type { SecretStore } from './secret-store.ts'

/**
 * Secrets Manager on AWS, its SDK client imported on first use (only agents
 * with credentials, and registrations naming a secret, need it); a file when
 * SECRETS_FILE says so (the laptop runtime), its code imported on first use too,
 * so an AWS function never loads it.
 */
export const secretStoreFor = (
  config: AwsClientConfig & Pick<GatewayConfig, 'secretsFile' | 'secretsKmsKeyId'>,
): SecretStore => {
  const { secretsFile } = config
  const loaded = loadOnce(async (): Promise<SecretStore> => {
    if (secretsFile)
      return new (await import('./file-secret-store.ts')).FileSecretStore(secretsFile)
    const [{ SecretsManagerClient }, { SecretsManagerStore }] = await Promise.all([
      import('@aws-sdk/client-secrets-manager'),
      import('./secrets-manager-store.ts'),
    ])
    return new SecretsManagerStore(
      tracing.captureClient(new SecretsManagerClient(awsClientOptions(config))),
      { kmsKeyId: config.secretsKmsKeyId },
    )
  })
  return {
    create: async (name, value, tags) => (await loaded()).create(name, value, tags),
    delete: async (arn) => (await loaded()).delete(arn),
    read: async (arn, options) => (await loaded()).read(arn, options),
    describe: async (arn) => (await loaded()).describe(arn),
  }
}
