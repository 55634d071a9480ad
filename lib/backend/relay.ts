/**
 * Relays a backend body chunk by chunk, never merging or holding chunks back,
 * and reports once it ends (finished, failed or abandoned by the caller).
 * Stopping early cancels the backend stream, which aborts its request.
 */
export async function* relayStream(
  body: ReadableStream<Uint8Array>,
  onEnd: (outcome: { bytes: number; chunks: number; error?: unknown }) => void,
): AsyncGenerator<Uint8Array> {
  let bytes = 0
  let chunks = 0
  let error: unknown
  try {
    for await (const chunk of body) {
      bytes += chunk.byteLength
      chunks++
      yield chunk
    }
  } catch (caught) {
    error = caught
    throw caught
  } finally {
    onEnd({ bytes, chunks, ...(error === undefined ? {} : { error }) })
  }
}
