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
 *
 * @example
 * const bytes = await readBounded(response.body, 256 * 1024)
 */
export const readBounded = async (
  body: AsyncIterable<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> => {
  if (!body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let bytes = 0
  for await (const chunk of body) {
    bytes += chunk.byteLength
    if (bytes > maxBytes) throw new BodyTooLargeError(maxBytes)
    chunks.push(chunk)
  }
  // One chunk (a small answer) is handed on as it is, not copied.
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, bytes)
}
