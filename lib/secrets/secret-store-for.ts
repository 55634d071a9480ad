import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { GatewayConfig } from '../config.ts'
import { tracing } from '../observability/tracing.ts'
import { FileSecretStore } from './file-secret-store.ts'
import type { SecretStore } from './secret-store.ts'
import { SecretsManagerStore } from './secrets-manager-store.ts'

/** Secrets Manager on AWS; a file when SECRETS_FILE says so (the laptop runtime). */
export const secretStoreFor = (
  config: Pick<GatewayConfig, 'secretsFile' | 'secretsKmsKeyId' | 'region'>,
): SecretStore =>
  config.secretsFile
    ? new FileSecretStore(config.secretsFile)
    : new SecretsManagerStore(
        tracing.captureClient(new SecretsManagerClient({ region: config.region })),
        {
          kmsKeyId: config.secretsKmsKeyId,
        },
      )
