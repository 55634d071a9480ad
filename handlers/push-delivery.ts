import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { loadConfig } from '../lib/config.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { createLogger } from '../lib/observability/logger.ts'
import { pushDelivererFor } from '../lib/push/adapters.ts'
import { deliverBatch } from '../lib/push/delivery-batch.ts'
import { gatewayKeyFor } from '../lib/signing/gateway-key-for.ts'
import { traceContext } from '../middlewares/trace-context.ts'
import { tracedHandler } from '../middlewares/tracing.ts'

const config = loadConfig()
const logger = createLogger()
const deliver = pushDelivererFor(config, {
  client: createDocumentClient(config),
  key: gatewayKeyFor(config),
})

/**
 * Reads the push queue (SQS event source mapping): each push delivered to its
 * client's webhook with bounded retries, or dead-lettered, within the
 * function's remaining time. A push whose delivery failed in the gateway
 * itself (the database, the signing key, or not finished in time) is reported
 * back to SQS to be received again, and after the queue's maxReceiveCount
 * lands in its DLQ.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(tracedHandler())
  .use(injectLambdaContext(logger))
  .use(traceContext({ logger }))
  .handler(async (event, context) => {
    const again = await deliverBatch(event.Records, {
      deliver,
      endsAt: Date.now() + context.getRemainingTimeInMillis(),
      onOutcome: (messageId, outcome) => logger.info('push delivery', { messageId, ...outcome }),
      onGatewayFailure: (messageId, error) =>
        logger.error('push delivery failed in the gateway', { messageId, error }),
    })
    return { batchItemFailures: again.map((itemIdentifier) => ({ itemIdentifier })) }
  })
