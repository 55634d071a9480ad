import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { GatewayConfig } from './config.ts'
import { tracing } from './observability/tracing.ts'

type DatabaseConfig = Pick<GatewayConfig, 'region' | 'dynamoDbEndpoint'>

/** One DynamoDB client per process, traced; its endpoint comes from config. */
export const createDynamoClient = (config: DatabaseConfig): DynamoDBClient =>
  tracing.captureClient(
    new DynamoDBClient({
      region: config.region,
      ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    }),
  )

export const createDocumentClient = (
  config: DatabaseConfig,
  client: DynamoDBClient = createDynamoClient(config),
): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } })
