import { PassThrough, type Readable, Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import type { StreamSlotRequest, StreamSlots } from '../../../lib/ratelimit/stream-slots.ts'
import { streamConcurrency } from '../../../middlewares/stream-concurrency.ts'
import { invoke } from '../../support/events.ts'

/** The slot a granting fake hands out: what the middleware must give back. */
const slotFor = ({ principal, resource }: StreamSlotRequest) => ({
  principal,
  resource,
  id: 'slot-1',
})

const slotsGranting = (granted: boolean): StreamSlots => ({
  acquire: vi.fn(async (request: StreamSlotRequest) => (granted ? slotFor(request) : undefined)),
  release: vi.fn(async () => undefined),
})

const wrap = (slots: StreamSlots, handler: () => Promise<unknown>) =>
  middy()
    .use(
      streamConcurrency({
        slots,
        subject: () => ({ principal: 'p', resource: 'weather', limit: 2 }),
        limitedResponse: (_request, limit) => ({ statusCode: 429, body: `limit ${limit}` }),
      }),
    )
    .handler(handler)

/** A streamed answer (`answer`) of what is written to `body`, its slot asked of `slots`. */
const streamed = async (slots: StreamSlots) => {
  const body = new PassThrough()
  const response = await invoke(
    wrap(slots, async () => ({ statusCode: 200, body })),
    {},
  )
  return { body, answer: (response as { body: Readable }).body }
}

/**
 * A streamed answer from `body` whose slot takes a while to give back, as a DynamoDB write
 * does; `order` has 'released' pushed once it is back.
 */
const streamWithSlowRelease = async () => {
  const order: string[] = []
  const slots: StreamSlots = {
    acquire: vi.fn(async (request: StreamSlotRequest) => slotFor(request)),
    release: vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30))
      order.push('released')
    }),
  }
  return { order, slots, ...(await streamed(slots)) }
}

describe('streamConcurrency middleware', () => {
  it('gives the slot back when the streamed body ends, and ends the answer only after', async () => {
    // Prepare: giving the slot back takes a while, as a DynamoDB write does.
    const { order, slots, body, answer } = await streamWithSlowRelease()

    // Act
    const whileOpen = vi.mocked(slots.release).mock.calls.length
    body.end('done')
    const read: string[] = []
    for await (const chunk of answer) read.push(String(chunk))
    order.push('answer ended')

    // Assess: Lambda may freeze once the answer ends, so the slot must be back by then.
    expect(whileOpen).toBe(0)
    expect(read).toEqual(['done'])
    expect(order).toEqual(['released', 'answer ended'])
    expect(slots.release).toHaveBeenCalledWith({
      principal: 'p',
      resource: 'weather',
      id: 'slot-1',
    })
  })

  it('gives the slot back only once a reader that paused on the last chunk reads on', async () => {
    // Prepare: a reader that holds each chunk until told, as taskOwnership holds an event
    // until its task's owner is recorded
    const slots = slotsGranting(true)
    const { body, answer } = await streamed(slots)
    const read: string[] = []
    answer.on('data', (chunk) => {
      read.push(String(chunk))
      answer.pause()
    })
    const ended = new Promise((resolve) => answer.once('end', resolve))

    // Act
    body.end('last')
    await new Promise((resolve) => setTimeout(resolve, 10))
    const whileHeld = vi.mocked(slots.release).mock.calls.length
    answer.resume()
    await ended

    // Assess
    expect(read).toEqual(['last'])
    expect(whileHeld).toBe(0)
    expect(slots.release).toHaveBeenCalledOnce()
  })

  it('gives the slot back and ends the answer after a piped caller that fell behind catches up', async () => {
    // Prepare: a caller that takes one byte at a time, so the pipe pauses on the last chunk
    const slots = slotsGranting(true)
    const { body, answer } = await streamed(slots)
    const read: string[] = []
    const caller = new Writable({
      highWaterMark: 1,
      write: (chunk, _encoding, callback) => {
        read.push(String(chunk))
        setTimeout(callback, 5)
      },
    })

    // Act
    answer.pipe(caller)
    body.end('last')
    await finished(caller)

    // Assess
    expect(read).toEqual(['last'])
    expect(slots.release).toHaveBeenCalledOnce()
  })

  it.each<[string, (answer: Readable, body: PassThrough) => void]>([
    [
      'the reader paused on the last chunk refuses it and destroys the answer',
      (answer, body) => {
        answer.once('data', () => {
          answer.pause()
          setImmediate(() => answer.destroy())
        })
        body.end('last')
      },
    ],
    [
      "the agent's body fails",
      (answer, body) => {
        answer.resume()
        body.write('first')
        setImmediate(() => body.destroy(new Error('agent broke off')))
      },
    ],
  ])('closes the answer only after the slot is back when %s', async (_how, act) => {
    // Prepare: giving the slot back takes a while, as a DynamoDB write does.
    const { order, slots, body, answer } = await streamWithSlowRelease()
    answer.on('error', () => undefined)
    const closed = new Promise((resolve) => answer.once('close', resolve))

    // Act
    act(answer, body)
    await closed
    order.push('answer closed')

    // Assess: Lambda may freeze once the answer ends, so the slot must be back by then.
    expect(order).toEqual(['released', 'answer closed'])
    expect(slots.release).toHaveBeenCalledOnce()
  })

  it('gives the slot back when the caller abandons the stream, and stops reading the agent', async () => {
    // Prepare
    const slots = slotsGranting(true)
    const { body, answer } = await streamed(slots)
    answer.resume()
    body.write('first')
    await new Promise((resolve) => setImmediate(resolve))

    // Act
    answer.destroy(new Error('client disconnected'))
    await new Promise((resolve) => setTimeout(resolve, 10))

    // Assess
    expect(slots.release).toHaveBeenCalledOnce()
    expect(body.destroyed).toBe(true)
  })

  it('gives the slot back when the handler fails', async () => {
    // Prepare
    const slots = slotsGranting(true)

    // Act
    await invoke(
      wrap(slots, async () => {
        throw new Error('backend down')
      }),
      {},
    ).catch(() => undefined)

    // Assess
    expect(slots.release).toHaveBeenCalledOnce()
  })

  it('answers 429 with Retry-After when every slot is taken, before the handler', async () => {
    // Prepare
    const handler = vi.fn()

    // Act
    const response = await invoke(wrap(slotsGranting(false), handler), {})

    // Assess
    expect(handler).not.toHaveBeenCalled()
    expect(response).toEqual({ statusCode: 429, body: 'limit 2', headers: { 'Retry-After': '1' } })
  })
})
