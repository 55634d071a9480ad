import { describe, expect, it } from 'vitest'
import type { PushDelivery } from '../../../lib/push/delivery.ts'
import { DeliveryQueueError, SqsDeliveryQueue } from '../../../lib/push/sqs-delivery-queue.ts'

const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/sb-push-deliveries'
const delivery: PushDelivery = {
  deliveryId: 'd-1',
  configId: 'c-1',
  body: '{"statusUpdate":{"taskId":"t-1"}}',
  contentType: 'application/json',
  taskId: 't-1',
  issuer: 'https://gw.example.com',
}

/** A queue whose SQS answers `status`, keeping each request it was sent. */
const queueAnswering = (status: number) => {
  const sent: Request[] = []
  const queue = new SqsDeliveryQueue({
    queueUrl,
    region: 'eu-west-1',
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    fetch: async (url, init) => {
      sent.push(new Request(url, init))
      return new Response(status === 200 ? '{"MessageId":"m-1"}' : '{"__type":"AccessDenied"}', {
        status,
      })
    },
  })
  return { queue, sent }
}

describe('SqsDeliveryQueue', () => {
  it("sends one SigV4-signed SendMessage in SQS's JSON protocol, the delivery as its body", async () => {
    // Prepare
    const { queue, sent } = queueAnswering(200)

    // Act
    await queue.enqueue(delivery)

    // Assess
    const [request] = sent as [Request]
    expect(request.url).toBe('https://sqs.eu-west-1.amazonaws.com/')
    expect(request.headers.get('x-amz-target')).toBe('AmazonSQS.SendMessage')
    expect(request.headers.get('content-type')).toBe('application/x-amz-json-1.0')
    expect(request.headers.get('authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=.*x-amz-target/,
    )
    const body = await request.json()
    expect(body.QueueUrl).toBe(queueUrl)
    expect(JSON.parse(body.MessageBody)).toEqual(delivery)
  })

  it('sends a delay in whole seconds up to SQS’s 900, and none when not asked', async () => {
    // Prepare
    const { queue, sent } = queueAnswering(200)

    // Act
    await queue.enqueue(delivery, { delaySeconds: 69 })
    await queue.enqueue(delivery, { delaySeconds: 1_000 })
    await queue.enqueue(delivery, {})

    // Assess
    const bodies = await Promise.all(sent.map((request) => request.json()))
    expect(bodies.map((body) => body.DelaySeconds)).toEqual([69, 900, undefined])
    expect(JSON.parse(bodies[0].MessageBody)).toEqual(delivery)
  })

  it("sends U+FFFE and U+FFFF, which SQS's characters leave out, escaped, and they read back the same", async () => {
    // Prepare: a push whose text holds both (valid JSON, which JSON.stringify leaves as they are)
    const { queue, sent } = queueAnswering(200)
    const pushed = {
      ...delivery,
      body: '{"statusUpdate":{"taskId":"t-1","text":"a\uFFFEb\uFFFF"}}',
    }

    // Act
    await queue.enqueue(pushed)

    // Assess: only #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF, as SQS takes
    const { MessageBody } = await (sent[0] as Request).json()
    expect(MessageBody).toMatch(/^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u)
    expect(JSON.parse(MessageBody)).toEqual(pushed)
  })

  it('fails with the status when SQS refuses the message', async () => {
    // Prepare
    const { queue } = queueAnswering(400)

    // Act
    const enqueued = queue.enqueue(delivery)

    // Assess
    await expect(enqueued).rejects.toThrow(DeliveryQueueError)
    await expect(enqueued).rejects.toThrow(/400.*AccessDenied/)
  })
})
