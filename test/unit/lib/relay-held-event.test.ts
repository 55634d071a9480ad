import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { relayToReadable, type StreamEndReason } from '../../../lib/backend/relay.ts'
import { oneByte, retainedMemory, turn } from '../../support/held-memory.ts'

/**
 * Rule 6 (bounded stream events): the relay holds an unfinished event until it is whole, and
 * what that holds must be in proportion to its bytes however the agent chunks them. An agent
 * that sends its event a byte at a time (each byte its own socket read, as a slow trickle gives)
 * once made the gateway keep one Buffer object, and its own backing store, per byte: some 236
 * bytes held per byte, so a 1 MiB event, under the limit, held some 240 MB.
 */
describe('relayToReadable holding an unfinished event', () => {
  it('holds about the bytes of a 256 KiB event sent a byte per chunk, not a hundred times more', async () => {
    // Prepare: the agent's body (a Node stream, as guardedFetch gives it); its event is
    // 256 KiB, a quarter of the 1 MiB limit, and never finished.
    const body = new PassThrough()
    const relay = relayToReadable(body, {
      backendRequest: new AbortController(),
      onEnd: () => {},
      events: {
        keepAliveMs: 60_000,
        idleTimeoutMs: 60_000,
        maxEventBytes: 1024 * 1024,
        failureEvent: (reason: StreamEndReason) => `event: error\ndata: ${reason}\n\n`,
      },
    })
    relay.on('data', () => {})
    const eventBytes = 256 * 1024
    const before = retainedMemory()

    // Act
    const start = Buffer.from('data: ')
    body.write(start)
    for (let i = 0; i < eventBytes - start.length; i++) {
      body.write(oneByte())
      if (i % 4096 === 0) await turn()
    }
    // Every byte taken by the relay: none left in the agent's stream.
    while (body.writableLength > 0 || body.readableLength > 0) await turn()
    const held = retainedMemory() - before
    relay.destroy()

    // Assess: within 4 times the event's bytes (1 MiB); the buffer's doubling alone allows 2.
    expect(held / eventBytes).toBeLessThan(4)
  }, 60_000)
})
