import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readBounded } from '../../../lib/http/read-bounded.ts'
import { oneByte, retainedMemory, turn } from '../../support/held-memory.ts'

/**
 * Rules 6 and 11 (bounded costs), for a body read whole: readBounded (every unary answer, up to
 * 10 MiB) holds what it has read until the body ends, and what that holds must be in proportion
 * to its bytes however the sender chunks them. Held as the chunks it came in, a body sent a byte
 * per chunk cost some 236 bytes of memory per byte, as an unfinished event once did in the relay.
 */
describe('readBounded holding a body not yet ended', () => {
  it('holds about the bytes of a 256 KiB answer sent a byte per chunk, then hands it over whole', async () => {
    // Prepare: an agent's answer (a Node stream) whose 256 KiB have not all arrived.
    const answer = new PassThrough()
    const bodyBytes = 256 * 1024
    const read = readBounded(answer, 1024 * 1024)
    const before = retainedMemory()

    // Act
    for (let i = 0; i < bodyBytes; i++) {
      answer.write(oneByte())
      if (i % 4096 === 0) await turn()
    }
    await turn()
    const held = retainedMemory() - before
    answer.end()
    const bytes = await read

    // Assess: within 4 times the body's bytes, and the body came out whole.
    expect(held / bodyBytes).toBeLessThan(4)
    expect(Buffer.from(bytes).equals(Buffer.alloc(bodyBytes, 'x'))).toBe(true)
  }, 60_000)
})
