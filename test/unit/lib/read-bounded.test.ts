import { Duplex, PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { BodyTooLargeError, readBounded } from '../../../lib/http/read-bounded.ts'

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8')

describe.each([
  [
    'an agent’s Node stream',
    (chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c))),
  ],
  [
    'a web stream',
    (chunks: string[]) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk))
          controller.close()
        },
      }) as unknown as AsyncIterable<Uint8Array>,
  ],
])('readBounded on %s', (_, bodyOf) => {
  it('reads every chunk, in order, into one body', async () => {
    // Act
    const bytes = await readBounded(bodyOf(['{"a":', '1,', '"b":2}']), 1024)

    // Assess
    expect(text(bytes)).toBe('{"a":1,"b":2}')
  })

  it('refuses a body past its limit with BodyTooLargeError', async () => {
    // Act
    const reading = readBounded(bodyOf(['12345', '67890', 'abcde']), 12)

    // Assess
    await expect(reading).rejects.toBeInstanceOf(BodyTooLargeError)
  })

  it('reads a body of exactly its limit', async () => {
    // Act
    const bytes = await readBounded(bodyOf(['12345', '67890']), 10)

    // Assess
    expect(text(bytes)).toBe('1234567890')
  })
})

describe('readBounded on a Node stream', () => {
  it('lets go of a source past the limit: it is destroyed, not read on', async () => {
    // Prepare
    const source = new PassThrough()

    // Act
    const reading = readBounded(source, 4)
    source.write('12345')
    const outcome = await reading.catch((error: unknown) => error)

    // Assess
    expect(outcome).toBeInstanceOf(BodyTooLargeError)
    expect(source.destroyed).toBe(true)
  })

  it('rejects with the source’s own error when it fails mid-body', async () => {
    // Prepare
    const source = new PassThrough()
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })

    // Act
    const reading = readBounded(source, 1024)
    source.write('{"partial":')
    source.destroy(reset)

    // Assess
    await expect(reading).rejects.toBe(reset)
  })

  it('rejects a source that closes before its end, as a cut-off answer', async () => {
    // Prepare
    const source = new PassThrough()

    // Act
    const reading = readBounded(source, 1024)
    source.write('{"partial":')
    source.destroy()

    // Assess
    await expect(reading).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' })
  })

  it('reads a duplex stream whose readable side ended while its writable side is still open', async () => {
    // Prepare
    const source = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback() })
    source.push('{"ok":true}')
    source.push(null)

    // Act
    const bytes = await readBounded(source, 1024)

    // Assess
    expect(text(bytes)).toBe('{"ok":true}')
  })

  it('reads a source that was paused before it was handed over', async () => {
    // Prepare
    const source = new PassThrough()
    source.pause()
    source.end('{"ok":true}')

    // Act
    const bytes = await readBounded(source, 1024)

    // Assess
    expect(text(bytes)).toBe('{"ok":true}')
  })
})
