import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { CachedKeySha256 } from './cached-key-sha256.ts'
import type { GatewayConfig } from './config.ts'
import { tracing } from './observability/tracing.ts'

type DatabaseConfig = Pick<GatewayConfig, 'region' | 'dynamoDbEndpoint'>

/**
 * One DynamoDB client per process, traced; its endpoint comes from config. Its
 * SigV4 signer reuses its HMAC keys (`CachedKeySha256`): signing is paid on
 * every request of every call.
 */
export const createDynamoClient = (config: DatabaseConfig): DynamoDBClient =>
  tracing.captureClient(
    new DynamoDBClient({
      region: config.region,
      sha256: CachedKeySha256,
      ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    }),
  )

export const createDocumentClient = (
  config: DatabaseConfig,
  client: DynamoDBClient = createDynamoClient(config),
): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } })
