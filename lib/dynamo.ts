import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { GatewayConfig } from './config.ts'

type DatabaseConfig = Pick<GatewayConfig, 'region' | 'dynamoDbEndpoint'>

/** One DynamoDB client per process; its endpoint comes from config. */
export const createDynamoClient = (config: DatabaseConfig): DynamoDBClient =>
  new DynamoDBClient({
    region: config.region,
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
  })

export const createDocumentClient = (
  config: DatabaseConfig,
  client: DynamoDBClient = createDynamoClient(config),
): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } })
