import { pushDeliveryReserveMs } from '../config.ts'
import { parseJson } from '../json-parse.ts'
import type { DeliveryOutcome, PushDelivery } from './delivery.ts'

/** One message of the push queue: the queue's id for it, and the push it holds (JSON). */
export interface QueuedPush {
  messageId: string
  body: string
}

export interface BatchDeps {
  /** Delivers one push, its attempts ending by `deadline` (epoch ms). */
  deliver: (delivery: PushDelivery, deadline: number) => Promise<DeliveryOutcome>
  /** When (epoch ms) the function's time ends: on Lambda, now plus the context's remaining time. */
  endsAt: number
  onOutcome: (messageId: string, outcome: DeliveryOutcome) => void
  /** A push the gateway itself failed to deliver (the database, the key): it is received again. */
  onGatewayFailure: (messageId: string, error: unknown) => void
}

/**
 * How long before the function's end the batch answers whatever is still
 * running: time for the answer to reach SQS (and the middlewares after).
 */
export const batchAnswerMarginMs = 5_000

/** A push whose delivery was still running in the gateway when the batch had to answer. */
export class DeliveryUnfinishedError extends Error {
  constructor() {
    super("the push's delivery had not finished when the function's time was nearly out")
    this.name = 'DeliveryUnfinishedError'
  }
}

/**
 * Delivers a batch of queued pushes side by side and answers which to receive
 * again: only those whose delivery failed in the gateway itself. A push the
 * webhook refused or never took is an outcome (delivered, dead-lettered,
 * dropped), not a failure of the batch. Each push's attempts end
 * `pushDeliveryReserveMs` before `endsAt`, and the batch answers
 * `batchAnswerMarginMs` before it whatever is still running (a read or write
 * of the gateway's own that hangs): those pushes are handed back, so the
 * function never times out, which would have SQS hand out again every push of
 * the batch, those already delivered included.
 *
 * @example
 * const again = await deliverBatch(event.Records, { deliver, endsAt: Date.now() + context.getRemainingTimeInMillis(), onOutcome, onGatewayFailure })
 * return { batchItemFailures: again.map((itemIdentifier) => ({ itemIdentifier })) }
 */
export const deliverBatch = async (
  messages: readonly QueuedPush[],
  deps: BatchDeps,
): Promise<string[]> => {
  const deadline = deps.endsAt - pushDeliveryReserveMs
  const unfinished = new Set(messages.map(({ messageId }) => messageId))
  const failed: string[] = []
  const deliveries = Promise.all(
    messages.map(async ({ messageId, body }) => {
      try {
        const outcome = await deps.deliver(parseJson(body) as PushDelivery, deadline)
        // Already handed back (it ended after the answer): the queue has it again.
        if (!unfinished.delete(messageId)) return
        deps.onOutcome(messageId, outcome)
      } catch (error) {
        if (!unfinished.delete(messageId)) return
        deps.onGatewayFailure(messageId, error)
        failed.push(messageId)
      }
    }),
  )
  let timer: ReturnType<typeof setTimeout> | undefined
  const answerBy = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deps.endsAt - batchAnswerMarginMs - Date.now()))
  })
  await Promise.race([deliveries, answerBy])
  clearTimeout(timer)
  for (const messageId of unfinished) {
    deps.onGatewayFailure(messageId, new DeliveryUnfinishedError())
    failed.push(messageId)
  }
  unfinished.clear()
  return failed
}
