import { PassThrough } from 'node:stream'
import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import type { StreamSlots } from '../../../lib/ratelimit/stream-slots.ts'
import { streamConcurrency } from '../../../middlewares/stream-concurrency.ts'
import { invoke } from '../../support/events.ts'

const slotsGranting = (granted: boolean): StreamSlots => ({
  acquire: vi.fn(async () => granted),
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

describe('streamConcurrency middleware', () => {
  it('gives the slot back only when the streamed body ends', async () => {
    // Prepare
    const slots = slotsGranting(true)
    const body = new PassThrough()

    // Act
    await invoke(
      wrap(slots, async () => ({ statusCode: 200, body })),
      {},
    )
    const whileOpen = vi.mocked(slots.release).mock.calls.length
    body.end('done')
    body.resume()
    await new Promise((resolve) => setImmediate(resolve))

    // Assess
    expect(whileOpen).toBe(0)
    expect(slots.release).toHaveBeenCalledWith({ principal: 'p', resource: 'weather', limit: 2 })
  })

  it('gives the slot back when the caller abandons the stream', async () => {
    // Prepare
    const slots = slotsGranting(true)
    const body = new PassThrough()
    await invoke(
      wrap(slots, async () => ({ statusCode: 200, body })),
      {},
    )

    // Act
    body.destroy(new Error('client disconnected'))
    await new Promise((resolve) => setImmediate(resolve))

    // Assess
    expect(slots.release).toHaveBeenCalledOnce()
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
