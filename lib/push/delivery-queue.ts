import type { DeliveryOutcome, PushDelivery } from './delivery.ts'

/** Where accepted pushes wait for delivery: SQS on AWS, this process on a laptop. */
export interface DeliveryQueue {
  /**
   * Resolves once the push is safely queued (not delivered); `delaySeconds`, where the queue
   * takes it (SQS), keeps it from delivery that long.
   */
  enqueue(delivery: PushDelivery, options?: { delaySeconds?: number }): Promise<void>
}

/**
 * The laptop's queue: each push is delivered in this process, in the
 * background, by the same `deliver` the AWS delivery handler runs. A failure
 * of the gateway's own is told to `onError` (on AWS, SQS would try again).
 */
export class InProcessDeliveryQueue implements DeliveryQueue {
  readonly #deliver: (delivery: PushDelivery) => Promise<DeliveryOutcome>
  readonly #onOutcome: (delivery: PushDelivery, outcome: DeliveryOutcome) => void
  readonly #onError: (error: unknown) => void

  constructor(options: {
    deliver: (delivery: PushDelivery) => Promise<DeliveryOutcome>
    onOutcome?: (delivery: PushDelivery, outcome: DeliveryOutcome) => void
    onError?: (error: unknown) => void
  }) {
    this.#deliver = options.deliver
    this.#onOutcome = options.onOutcome ?? (() => undefined)
    this.#onError = options.onError ?? (() => undefined)
  }

  async enqueue(delivery: PushDelivery): Promise<void> {
    void this.#deliver(delivery).then(
      (outcome) => this.#onOutcome(delivery, outcome),
      this.#onError,
    )
  }
}
