import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { pushDelivererFor } from '../../../lib/push/adapters.ts'
import type { DeliveryOutcome, PushDelivery } from '../../../lib/push/delivery.ts'

// The seam: the delivery step the handler builds from configuration (lib/push/adapters.ts).
const deliver = vi.fn<ReturnType<typeof pushDelivererFor>>()
vi.mock('../../../lib/push/adapters.ts', () => ({ pushDelivererFor: () => deliver }))

const record = (deliveryId: string) =>
  ({
    messageId: `m-${deliveryId}`,
    body: JSON.stringify({
      deliveryId,
      configId: 'c-1',
      body: '{}',
      contentType: 'application/json',
      issuer: 'https://gw.example.com',
    } satisfies PushDelivery),
  }) as SQSRecord

/** A Lambda context with `remainingMs` left whenever asked (the clock is fake: time stands). */
const contextWith = (remainingMs: number) =>
  ({
    awsRequestId: 'request-1',
    functionName: 'switchboard-push-delivery',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context

describe('the push-delivery handler against its time limit', () => {
  let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>

  beforeAll(async () => {
    vi.stubEnv('TOKEN_ISSUER', 'https://id.example.com')
    ;({ handler } = (await import('../../../handlers/push-delivery.ts')) as never)
  })
  afterEach(() => {
    vi.useRealTimers()
    deliver.mockReset()
  })

  it("gives each push the function's remaining time less 20 s, and hands back only a push still running 5 s before the end", async () => {
    // Prepare
    vi.useFakeTimers()
    const startedAt = Date.now()
    const delivered: DeliveryOutcome = { outcome: 'delivered', attempts: 1 }
    deliver.mockImplementation(({ deliveryId }) =>
      deliveryId === 'hung' ? new Promise<never>(() => undefined) : Promise.resolve(delivered),
    )

    // Act
    const answer = handler({ Records: [record('quick'), record('hung')] }, contextWith(300_000))
    await vi.advanceTimersByTimeAsync(295_000)

    // Assess
    await expect(answer).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm-hung' }] })
    expect(deliver.mock.calls.map(([, deadline]) => deadline)).toEqual([
      startedAt + 280_000,
      startedAt + 280_000,
    ])
  })
})
