import type { DeliveryOutcome, PushDelivery } from './delivery.ts'

/** One message of the push queue: the queue's id for it, and the push it holds (JSON). */
export interface QueuedPush {
  messageId: string
  body: string
}

export interface BatchDeps {
  deliver: (delivery: PushDelivery) => Promise<DeliveryOutcome>
  onOutcome: (messageId: string, outcome: DeliveryOutcome) => void
  /** A push the gateway itself failed to deliver (the database, the key): it is received again. */
  onGatewayFailure: (messageId: string, error: unknown) => void
}

/**
 * Delivers a batch of queued pushes side by side and answers which to receive
 * again: only those whose delivery failed in the gateway itself. A push the
 * webhook refused or never took is an outcome (delivered, dead-lettered,
 * dropped), not a failure of the batch.
 *
 * @example
 * const again = await deliverBatch(event.Records, { deliver, onOutcome, onGatewayFailure })
 * return { batchItemFailures: again.map((itemIdentifier) => ({ itemIdentifier })) }
 */
export const deliverBatch = async (
  messages: readonly QueuedPush[],
  deps: BatchDeps,
): Promise<string[]> => {
  const failures = await Promise.all(
    messages.map(async ({ messageId, body }) => {
      try {
        deps.onOutcome(messageId, await deps.deliver(JSON.parse(body) as PushDelivery))
        return undefined
      } catch (error) {
        deps.onGatewayFailure(messageId, error)
        return messageId
      }
    }),
  )
  return failures.filter((failure) => failure !== undefined)
}
