import { describe, expect, it } from 'vitest'
import type { DeliveryOutcome, PushDelivery } from '../../../lib/push/delivery.ts'
import { type BatchDeps, deliverBatch, type QueuedPush } from '../../../lib/push/delivery-batch.ts'

const queued = (deliveryId: string): QueuedPush => ({
  messageId: `m-${deliveryId}`,
  body: JSON.stringify({
    deliveryId,
    configId: 'c-1',
    body: '{}',
    contentType: 'application/json',
    issuer: 'https://gw.example.com',
  } satisfies PushDelivery),
})

/** Deps whose `deliver` does what `byId` says for each push, recording what it was told. */
const depsDelivering = (
  byId: Record<string, (delivery: PushDelivery) => Promise<DeliveryOutcome>>,
) => {
  const outcomes: { messageId: string; outcome: DeliveryOutcome }[] = []
  const failures: { messageId: string; error: unknown }[] = []
  const deps: BatchDeps = {
    deliver: (delivery) =>
      (byId[delivery.deliveryId] ?? (async () => ({ outcome: 'dropped' }) as const))(delivery),
    onOutcome: (messageId, outcome) => void outcomes.push({ messageId, outcome }),
    onGatewayFailure: (messageId, error) => void failures.push({ messageId, error }),
  }
  return { deps, outcomes, failures }
}

describe('deliverBatch', () => {
  it('hands back to the queue only the pushes the gateway itself failed', async () => {
    // Prepare
    const { deps, outcomes, failures } = depsDelivering({
      a: async () => ({ outcome: 'delivered', attempts: 1 }),
      b: async () => {
        throw new Error('the database is down')
      },
      c: async () => ({
        outcome: 'dead-lettered',
        attempts: 5,
        reason: 'the webhook answered 503',
      }),
    })

    // Act
    const again = await deliverBatch([queued('a'), queued('b'), queued('c')], deps)

    // Assess
    expect(again).toEqual(['m-b'])
    expect(outcomes.map(({ messageId }) => messageId).sort()).toEqual(['m-a', 'm-c'])
    expect(failures).toMatchObject([
      { messageId: 'm-b', error: { message: 'the database is down' } },
    ])
  })
})
