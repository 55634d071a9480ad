import { type AwsClientConfig, awsClientOptions } from '../aws-client-options.ts'
import { ConfigError, type GatewayConfig } from '../config.ts'
import { loadOnce } from '../load-once.ts'
import { tracing } from '../observability/tracing.ts'
import type { GatewayKey } from './gateway-key.ts'

/**
 * The key the gateway signs cards with, loaded on first use (importing a
 * handler reads no file and calls nothing): a file when CARD_SIGNING_KEY_FILE
 * says so (the laptop runtime), otherwise the KMS key CARD_SIGNING_KEY_ID names.
 * A failed load is tried again on the next use.
 *
 * @example
 * const signingKey = gatewayKeyFor(config)
 * const key = await signingKey()
 */
export const gatewayKeyFor = (
  config: AwsClientConfig & Pick<GatewayConfig, 'cardSigningKeyFile' | 'cardSigningKeyId'>,
): (() => Promise<GatewayKey>) =>
  loadOnce(async (): Promise<GatewayKey> => {
    // The laptop's file key, its code imported here so that no AWS function loads it.
    if (config.cardSigningKeyFile) {
      return (await import('./file-gateway-key.ts')).FileGatewayKey.load(config.cardSigningKeyFile)
    }
    if (!config.cardSigningKeyId) {
      throw new ConfigError([
        'CARD_SIGNING_KEY_ID is required: the KMS key (ECC_NIST_P256, SIGN_VERIFY) agent cards are signed with',
      ])
    }
    // Imported here: only the card routes sign, so other calls never load the KMS client.
    const [{ KMSClient }, { KmsGatewayKey }] = await Promise.all([
      import('@aws-sdk/client-kms'),
      import('./kms-gateway-key.ts'),
    ])
    return new KmsGatewayKey(
      tracing.captureClient(new KMSClient(awsClientOptions(config))),
      config.cardSigningKeyId,
    )
  })
