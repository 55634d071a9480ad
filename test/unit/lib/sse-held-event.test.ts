import { describe, expect, it } from 'vitest'
import { sseEvents } from '../../../lib/a2a/sse.ts'
import { oneByte, retainedMemory, turn } from '../../support/held-memory.ts'

/**
 * Rule 6 (bounded stream events), for translated streams: sseEvents holds an unfinished event
 * until it is whole, and what that holds must be in proportion to its bytes however the agent
 * chunks them. Held as the chunks it came in, an event sent a byte per chunk once cost some 236
 * bytes of memory per byte, as in the relay (test/unit/lib/relay-held-event.test.ts).
 */
describe('sseEvents holding an unfinished event', () => {
  it('holds about the bytes of a 256 KiB event sent a byte per chunk, then yields it whole', async () => {
    // Prepare: a translated stream's body (a web stream) whose 256 KiB event is not yet finished.
    let agent!: ReadableStreamDefaultController<Uint8Array>
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        agent = controller
      },
    })
    const events = sseEvents(body, { maxEventBytes: 1024 * 1024 })
    const first = events.next()
    const eventBytes = 256 * 1024
    const before = retainedMemory()

    // Act
    const start = Buffer.from('data: ')
    agent.enqueue(start)
    for (let i = 0; i < eventBytes - start.length; i++) {
      agent.enqueue(oneByte())
      if (i % 4096 === 0) await turn()
    }
    // Every byte taken by the parser: none left in the stream's queue.
    while ((agent.desiredSize ?? 0) < 1) await turn()
    const held = retainedMemory() - before
    agent.enqueue(Buffer.from('\n\n'))
    const event = await first
    await events.return(undefined)

    // Assess: within 4 times the event's bytes (1 MiB), and the event came out whole.
    expect(held / eventBytes).toBeLessThan(4)
    expect(event.value).toEqual({ data: 'x'.repeat(eventBytes - start.length) })
  }, 60_000)
})
