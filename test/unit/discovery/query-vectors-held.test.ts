import { describe, expect, it } from 'vitest'
import { type Embedder, embedQuery } from '../../../lib/discovery/embedder.ts'
import { retainedMemory } from '../../support/held-memory.ts'

/**
 * Rules 6 and 11 (bounded costs), for the query vectors a function keeps: what it keeps of a
 * query is in proportion to the `maxQueryCharacters` embedded, not to the message they were cut
 * from. Kept by the first 2,000 characters as V8 cuts them (a slice that holds on to the whole
 * string), every /route message of a 1 MB document kept its megabyte, 256 of them in a warm
 * function.
 */
describe('the query vectors a function keeps, of long messages', () => {
  it('holds their vectors, not the messages they were cut from', async () => {
    // Prepare: 32 messages of 1 MB each, every one read fresh as a request's JSON body is
    const embedder: Embedder = { name: 'tiny', dimension: 4, embed: async () => [1, 0, 0, 0] }
    const messageCharacters = 1_000_000
    const messages = 32
    await embedQuery(embedder, 'rain in Oslo') // what the first asking loads is no query's
    const before = retainedMemory()

    // Act
    for (let i = 0; i < messages; i++) {
      const message = JSON.parse(JSON.stringify(`${i} ${'x'.repeat(messageCharacters)}`)) as string
      await embedQuery(embedder, message)
    }
    const held = retainedMemory() - before

    // Assess: some 1 MB of the heap's own, less than 4 of the 32 messages (kept whole: all 32)
    expect(held).toBeLessThan(4 * messageCharacters)
  }, 60_000)
})
