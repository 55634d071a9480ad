import { Readable } from 'node:stream'

export interface RelayOutcome {
  bytes: number
  chunks: number
  /** Set when the backend failed mid-stream or the caller went away. */
  error?: Error
}

/**
 * A backend body as a Node stream for the Lambda response: each chunk is passed
 * on as it arrives, never merged or held back. When the stream is destroyed
 * (the caller went away) the backend request is aborted at once, even while a
 * read is waiting on the backend. `onEnd` runs once, however it ends: this is
 * the stream's own `finally`, which Middy's `after` cannot be for a streamed body.
 *
 * @example
 * const abort = new AbortController()
 * const response = await fetch(url, { signal: abort.signal })
 * return { statusCode: 200, body: relayToReadable(response.body, abort, logOutcome) }
 */
export const relayToReadable = (
  body: ReadableStream<Uint8Array>,
  backendRequest: AbortController,
  onEnd: (outcome: RelayOutcome) => void,
): Readable => {
  const reader = body.getReader()
  let bytes = 0
  let chunks = 0
  return new Readable({
    async read() {
      try {
        const { done, value } = await reader.read()
        if (done) return void this.push(null)
        bytes += value.byteLength
        chunks++
        this.push(value)
      } catch (error) {
        this.destroy(error as Error)
      }
    },
    destroy(error, callback) {
      backendRequest.abort()
      reader.cancel().catch(() => undefined)
      onEnd({ bytes, chunks, ...(error ? { error } : {}) })
      callback(error)
    },
  })
}
