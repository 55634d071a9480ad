import { generateKeyPairSync, sign } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { pushDeliveryReserveMs } from '../../../lib/config.ts'
import type { DeadLetter } from '../../../lib/push/dead-letters.ts'
import { type DeliveryOutcome, deliverPush, type PushDelivery } from '../../../lib/push/delivery.ts'
import { type BatchDeps, deliverBatch, type QueuedPush } from '../../../lib/push/delivery-batch.ts'

/** A queued push (of config `c-1` unless given). */
const queued = (deliveryId: string, configId = 'c-1'): QueuedPush => ({
  messageId: `m-${deliveryId}`,
  body: JSON.stringify({
    deliveryId,
    configId,
    body: '{}',
    contentType: 'application/json',
    issuer: 'https://gw.example.com',
  } satisfies PushDelivery),
})

/** Deps whose `deliver` does what `byId` says for each push, recording what it was told. */
const depsDelivering = (
  byId: Record<string, (delivery: PushDelivery, deadline: number) => Promise<DeliveryOutcome>>,
  endsAt = Date.now() + 300_000,
) => {
  const outcomes: { messageId: string; outcome: DeliveryOutcome }[] = []
  const failures: { messageId: string; error: unknown }[] = []
  const deps: BatchDeps = {
    deliver: (delivery, deadline) =>
      (
        byId[delivery.deliveryId] ??
        (async () => ({ outcome: 'dropped', reason: 'the push config is gone' }) as const)
      )(delivery, deadline),
    endsAt,
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
  describe("against the function's time (fake timers)", () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    it("gives each push the function's time, less what recording a dead letter needs, for its attempts", async () => {
      // Prepare
      const deadlines: number[] = []
      const endsAt = Date.now() + 300_000
      const { deps } = depsDelivering(
        {
          a: async (_, deadline) => {
            deadlines.push(deadline)
            return { outcome: 'delivered', attempts: 1 }
          },
        },
        endsAt,
      )

      // Act
      await deliverBatch([queued('a')], deps)

      // Assess
      expect(deadlines).toEqual([endsAt - pushDeliveryReserveMs])
    })

    it('answers before the function times out, handing back only the push the gateway never finished', async () => {
      // Prepare: one push is delivered; the other hangs in the gateway (a read that never ends).
      vi.useFakeTimers()
      const endsAt = Date.now() + 300_000
      const { deps, outcomes, failures } = depsDelivering(
        {
          a: async () => ({ outcome: 'delivered', attempts: 1 }),
          b: () => new Promise<never>(() => undefined),
        },
        endsAt,
      )
      let answeredAt: number | undefined

      // Act
      const answer = deliverBatch([queued('a'), queued('b')], deps).finally(() => {
        answeredAt = Date.now()
      })
      await vi.advanceTimersByTimeAsync(300_000)

      // Assess
      await expect(answer).resolves.toEqual(['m-b'])
      expect(answeredAt).toBeLessThan(endsAt)
      expect(outcomes).toMatchObject([{ messageId: 'm-a', outcome: { outcome: 'delivered' } }])
      expect(failures).toMatchObject([{ messageId: 'm-b' }])
      expect(failures[0]?.error).toMatchObject({ message: expect.stringMatching(/not finished/) })
    })

    it('ends a webhook that never answers as a dead letter in time, so the pushes delivered beside it are not delivered again', async () => {
      // Prepare: the reviewer's case: attempts of 60 s (more than the config now takes) at a
      // webhook that never answers, beside one that answers at once, in a 300 s function.
      vi.useFakeTimers()
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const letters: DeadLetter[] = []
      const hits: string[] = []
      const deliver = (delivery: PushDelivery, deadline: number) =>
        deliverPush(delivery, {
          agents: {
            get: async () => ({ status: 'active', createdAt: '2026-12-01T00:00:00.000Z' }),
          },
          issuedBefore: async () => undefined,
          permissions: { forScopes: async () => [] },
          owners: { ownerOf: async () => 'client' },
          configs: {
            get: async (configId) => ({
              configId,
              agentId: 'pusher',
              principal: 'client',
              secretHash: '',
              webhook: { url: `https://${configId}.example.com/hook` },
              expiresAt: Number.MAX_SAFE_INTEGER,
            }),
            bindTask: async () => 'bound' as const,
            link: async () => 'linked' as const,
            deleteInline: async () => undefined,
          },
          deadLetters: { record: async (letter) => void letters.push(letter) },
          fetch: (url: string, init: RequestInit) => {
            hits.push(url)
            if (url.startsWith('https://quick.')) return Promise.resolve(new Response(null))
            return new Promise<Response>((_, reject) =>
              init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
            )
          },
          key: async () => ({
            kid: 'k',
            alg: 'ES256',
            sign: async (data) =>
              sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
            publicJwk: async () => ({}),
          }),
          attempts: 5,
          retryBaseMs: 1_000,
          timeoutMs: 60_000,
          deadline,
        })
      const endsAt = Date.now() + 300_000
      const outcomes: DeliveryOutcome[] = []
      const messages = [queued('quick', 'quick'), queued('hung', 'hung')]

      // Act
      const answer = deliverBatch(messages, {
        deliver,
        endsAt,
        onOutcome: (_, outcome) => void outcomes.push(outcome),
        onGatewayFailure: () => undefined,
      })
      await vi.advanceTimersByTimeAsync(300_000)

      // Assess
      await expect(answer).resolves.toEqual([])
      expect(outcomes.map(({ outcome }) => outcome).sort()).toEqual(['dead-lettered', 'delivered'])
      expect(letters).toMatchObject([{ deliveryId: 'hung', attempts: 5 }])
      expect(hits.filter((url) => url.startsWith('https://quick.'))).toHaveLength(1)
    })
  })
})
