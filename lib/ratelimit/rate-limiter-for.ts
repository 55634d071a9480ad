import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { GatewayConfig } from '../config.ts'
import { tracing } from '../observability/tracing.ts'
import { tableName } from '../tables.ts'
import { DynamoRateLimiter, type RateLimiter } from './rate-limiter.ts'

/**
 * The handlers' rate limiter: the rate-limits table with the configured window
 * and shards, each decision a `rate limit` subsegment when tracing is on.
 */
export const rateLimiterFor = (
  config: Pick<GatewayConfig, 'tablePrefix' | 'rateLimitWindowSeconds' | 'rateLimitShards'>,
  client: DynamoDBDocumentClient,
): RateLimiter => {
  const limiter = new DynamoRateLimiter({
    client,
    tableName: tableName('rateLimits', config.tablePrefix),
    windowSeconds: config.rateLimitWindowSeconds,
    shards: config.rateLimitShards,
  })
  return { consume: tracing.traced('rate limit', limiter.consume.bind(limiter)) }
}
