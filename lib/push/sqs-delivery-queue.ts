import type { AwsCredentialsSource } from '../backend/auth/aws-credentials.ts'
import { signAwsRequest } from '../backend/auth/aws-iam.ts'
import type { PushDelivery } from './delivery.ts'
import type { DeliveryQueue } from './delivery-queue.ts'

/** SQS refused or failed a SendMessage. */
export class DeliveryQueueError extends Error {
  constructor(status: number, detail: string) {
    super(`SQS SendMessage failed with ${status}: ${detail}`)
    this.name = 'DeliveryQueueError'
  }
}

/**
 * The SQS message body a push makes: the delivery as JSON, with U+FFFE and U+FFFF escaped
 * (`\ufffe`, `\uffff`). SQS takes only XML's characters (#x9, #xA, #xD, #x20-#xD7FF,
 * #xE000-#xFFFD, #x10000-#x10FFFF) and refuses a message with any other (InvalidMessageContents;
 * older documentation says it puts U+FFFD in their place, which alters the push). JSON.stringify
 * escapes every other one a string may hold (control characters, lone surrogates) but leaves those
 * two, which a push's JSON may carry as they are: such a push was the agent's 500 on every try.
 * Escaped, it reads back the same (`JSON.parse`). The callback measures a push by this
 * (`maxQueuedPushBytes`): each of the two takes six bytes here, not three.
 */
export const queuedMessage = (delivery: PushDelivery): string =>
  JSON.stringify(delivery).replace(
    /[\uFFFE\uFFFF]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16)}`,
  )

/**
 * The AWS queue: one SQS message per push, sent with SQS's JSON protocol
 * (`AmazonSQS.SendMessage`), SigV4-signed with the function's own role (the
 * gateway bundles no SQS client). The delivery handler
 * (handlers/push-delivery.ts) reads the queue.
 *
 * @example
 * const queue = new SqsDeliveryQueue({ queueUrl, region, credentials: memoizedAwsCredentials(defaultProvider()) })
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  readonly #queueUrl: string
  readonly #region: string
  readonly #credentials: AwsCredentialsSource
  readonly #fetch: typeof fetch

  constructor(options: {
    queueUrl: string
    region: string
    credentials: AwsCredentialsSource
    fetch?: typeof fetch
  }) {
    this.#queueUrl = options.queueUrl
    this.#region = options.region
    this.#credentials = options.credentials
    this.#fetch = options.fetch ?? fetch
  }

  /** `delaySeconds` (0 to 900, SQS's limit): received no sooner (a push queued again to wait). */
  async enqueue(delivery: PushDelivery, options: { delaySeconds?: number } = {}): Promise<void> {
    const endpoint = `${new URL(this.#queueUrl).origin}/`
    const delay = options.delaySeconds
    const body = new TextEncoder().encode(
      JSON.stringify({
        QueueUrl: this.#queueUrl,
        MessageBody: queuedMessage(delivery),
        ...(delay ? { DelaySeconds: Math.min(Math.max(Math.ceil(delay), 0), 900) } : {}),
      }),
    )
    const signed = await signAwsRequest(
      {
        method: 'POST',
        url: endpoint,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AmazonSQS.SendMessage',
        },
        body,
      },
      { service: 'sqs', region: this.#region },
      { credentials: this.#credentials },
    )
    const response = await this.#fetch(signed.url, {
      method: signed.method,
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(5_000),
    })
    if (!response.ok) throw new DeliveryQueueError(response.status, await response.text())
  }
}
