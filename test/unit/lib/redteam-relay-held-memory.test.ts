import { PassThrough } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { relayToReadable, type StreamEndReason } from '../../../lib/backend/relay.ts'

/**
 * Red team (rule 6, bounded stream events: "at most 1 MiB held per open stream"). The relay
 * holds an unfinished event as the list of chunks it arrived in and joins them once it ends
 * (lib/backend/relay.ts `take`: `unfinished.push(chunk)`). An agent that sends its event a
 * byte at a time (each byte its own socket read, as a slow trickle gives) makes the gateway
 * keep one Buffer object, and its own backing store, per byte: the memory held is some
 * hundred times the event's bytes, so a 1 MiB event, under the limit, holds hundreds of MB.
 */

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const retained = () => {
  gc()
  gc()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

describe('red team: memory an unfinished event holds in the relay', () => {
  it('holds about the bytes of a 256 KiB event sent a byte per chunk, not a hundred times more', async () => {
    // Prepare: the agent's body (a Node stream, as guardedFetch gives it); its event is
    // 256 KiB, a quarter of the 1 MiB limit, and never finished.
    const body = new PassThrough()
    const backendRequest = new AbortController()
    const relay = relayToReadable(body, {
      backendRequest,
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
    const before = retained()

    // Act: each byte its own chunk with its own memory, as a socket read of one byte is.
    const start = Buffer.from('data: ')
    body.write(start)
    for (let i = 0; i < eventBytes - start.length; i++) {
      const byte = Buffer.allocUnsafeSlow(1)
      byte[0] = 0x78
      body.write(byte)
      if (i % 4096 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    // Every byte taken by the relay: none left in the agent's stream.
    while (body.writableLength > 0 || body.readableLength > 0) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    const held = retained() - before
    relay.destroy()

    // Assess: within 8 times the event's bytes (2 MiB).
    expect(held / eventBytes).toBeLessThan(8)
  }, 60_000)
})
