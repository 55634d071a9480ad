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
 * stream is cancelled and BodyTooLargeError thrown, so a sender cannot make the
 * reader hold more. A stream that fails (aborted, reset) rejects as it did.
 *
 * @example
 * const bytes = await readBounded(response.body, 256 * 1024)
 */
export const readBounded = async (
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> => {
  if (!body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let bytes = 0
  const reader = body.getReader()
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    bytes += next.value.byteLength
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new BodyTooLargeError(maxBytes)
    }
    chunks.push(next.value)
  }
  return Buffer.concat(chunks, bytes)
}
