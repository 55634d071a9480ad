import { describe, expect, it } from 'vitest'
import { fetchAgentCard } from '../../../lib/backend/fetch-card.ts'
import { AgentCardUnreachableError } from '../../../lib/errors.ts'

/** A fetch answering 200 with this body, whatever is asked. */
const answering = (body: ReadableStream<Uint8Array>) => async () =>
  new Response(body, { headers: { 'content-type': 'application/json' } })

const failure = (promise: Promise<unknown>) => promise.catch((caught: unknown) => caught)

describe('fetching an agent card', () => {
  it('stops reading a card that never ends at the size limit', async () => {
    // Prepare: an endless body; reading it whole would never finish.
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        pulled++
        controller.enqueue(new Uint8Array(64 * 1024).fill(32))
      },
    })

    // Act
    const error = await failure(
      fetchAgentCard('http://agent.test/card', { timeoutMs: 1_000, fetch: answering(endless) }),
    )

    // Assess
    expect(error).toBeInstanceOf(AgentCardUnreachableError)
    expect((error as Error).message).toMatch(/larger than the 262144-byte limit/)
    expect(pulled).toBeLessThan(10)
  })

  it('says the card did not come in time when its body stalls past the timeout', async () => {
    // Prepare: the fetch's own signal aborts the body as it would a real stalled response.
    const stalled = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(new TextEncoder().encode('{"name":'))
        setTimeout(
          () => controller.error(new DOMException('The operation timed out.', 'TimeoutError')),
          10,
        )
      },
    })

    // Act
    const error = await failure(
      fetchAgentCard('http://agent.test/card', { timeoutMs: 50, fetch: answering(stalled) }),
    )

    // Assess
    expect(error).toBeInstanceOf(AgentCardUnreachableError)
    expect((error as Error).message).toMatch(/no answer within 50 ms/)
  })

  it('refuses a card that is not UTF-8, which would be stored up to three times its size', async () => {
    // Prepare: a card whose description is 100 KiB of bytes no UTF-8 text holds. Read lossily,
    // each became U+FFFD, three bytes in the record: 300 KiB of it, past DynamoDB's 400 KB item
    // with a card near its 256 KiB limit.
    const [before, after] = JSON.stringify({ name: 'Latin', description: '~' }).split('~')
    const body = new Blob([
      before as string,
      new Uint8Array(100 * 1024).fill(0xff),
      after as string,
    ])

    // Act
    const error = await failure(
      fetchAgentCard('http://agent.test/card', {
        timeoutMs: 1_000,
        fetch: answering(body.stream()),
      }),
    )

    // Assess
    expect(error).toBeInstanceOf(AgentCardUnreachableError)
    expect((error as Error).message).toMatch(/its body is not UTF-8/)
  })

  it('reads a card that begins with a byte order mark as the JSON after it', async () => {
    // Prepare
    const body = new Blob([new Uint8Array([0xef, 0xbb, 0xbf]), '{"name":"Caf\u00e9 é"}'])

    // Act
    const card = await fetchAgentCard('http://agent.test/card', {
      timeoutMs: 1_000,
      fetch: answering(body.stream()),
    })

    // Assess
    expect(card).toEqual({ name: 'Café é' })
  })
})
