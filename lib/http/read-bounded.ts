import { finished, Readable } from 'node:stream'
import { HeldBytes } from './held-bytes.ts'

/** A body that went past the bytes it may have; the rest was not read. */
export class BodyTooLargeError extends Error {
  readonly maxBytes: number
  constructor(maxBytes: number) {
    super(`the body is larger than ${maxBytes} bytes`)
    this.name = 'BodyTooLargeError'
    this.maxBytes = maxBytes
  }
}

/**
 * Reads a body whole, but never more than `maxBytes` of it: past that the
 * source is let go (a web stream cancelled, a Node stream destroyed: leaving
 * the loop does it) and BodyTooLargeError thrown, so a sender cannot make the
 * reader hold more. A source that fails (aborted, reset) rejects as it did.
 * A Node stream (an agent's answer on the forward path) is read by its `'data'`
 * events rather than its async iterator, whose promise hops cost tens of
 * microseconds of every unary call's latency.
 *
 * @example
 * const bytes = await readBounded(response.body, 256 * 1024)
 */
export const readBounded = async (
  body: AsyncIterable<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> => {
  if (!body) return new Uint8Array()
  if (body instanceof Readable) return readNodeStream(body, maxBytes)
  const read = bodyBytes(maxBytes)
  for await (const chunk of body) read.take(chunk)
  return read.whole()
}

/**
 * A body's bytes as they come, never more than `maxBytes` (BodyTooLargeError
 * past it): its first chunk kept as it is (a small answer is one, not copied),
 * any more copied with it into one growing buffer (HeldBytes), so what a body
 * holds follows its bytes, not how finely a sender chunked them.
 */
const bodyBytes = (maxBytes: number) => {
  let first: Uint8Array | undefined
  let held: HeldBytes | undefined
  let bytes = 0
  return {
    take(chunk: Uint8Array) {
      bytes += chunk.byteLength
      if (bytes > maxBytes) throw new BodyTooLargeError(maxBytes)
      if (held) return held.hold(chunk)
      if (first === undefined) {
        first = chunk
        return
      }
      held = new HeldBytes(maxBytes)
      held.hold(first)
      held.hold(chunk)
      first = undefined
    },
    whole: (): Uint8Array => held?.bytes ?? first ?? new Uint8Array(),
  }
}

const readNodeStream = (body: Readable, maxBytes: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const read = bodyBytes(maxBytes)
    let tooLarge = false
    const take = (chunk: Uint8Array | string) => {
      try {
        read.take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error
        tooLarge = true
        body.off('data', take)
        body.destroy()
      }
    }
    // Its end, its error, or its close before the end (ERR_STREAM_PREMATURE_CLOSE), as the iterator
    // rejects; its readable side only, as the iterator reads (a Duplex's writable side may stay open).
    finished(body, { writable: false }, (error) => {
      body.off('data', take)
      if (tooLarge) reject(new BodyTooLargeError(maxBytes))
      else if (error) reject(error)
      else resolve(read.whole())
    })
    body.on('data', take)
    body.resume()
  })
