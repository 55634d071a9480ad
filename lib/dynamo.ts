import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { GatewayConfig } from './config.ts'

/** One DynamoDB document client per process; its endpoint comes from config. */
export const createDocumentClient = (
  config: Pick<GatewayConfig, 'region' | 'dynamoDbEndpoint'>,
): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: config.region,
      ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  )
