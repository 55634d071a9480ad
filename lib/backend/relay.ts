import { Readable } from 'node:stream'

export interface RelayOutcome {
  bytes: number
  chunks: number
  /** Set when the backend failed mid-stream or the caller went away. */
  error?: Error
}

export interface RelayOptions {
  /** The backend call, aborted when the caller goes away or the stream idles out. */
  backendRequest: AbortController
  /** Runs once, however the relay ends: the stream's own `finally`. */
  onEnd: (outcome: RelayOutcome) => void
  /**
   * For event streams: how to keep an idle connection open and end a broken one.
   * Left out for plain bodies, which are relayed as they are.
   */
  events?: {
    /** A `:` comment is sent after this long without a backend event. */
    keepAliveMs: number
    /** The stream is ended after this long without a backend event. */
    idleTimeoutMs: number
    /** The SSE event, in the caller's binding, that reports why the stream ended early. */
    failureEvent: (reason: 'backend-failed' | 'idle-timeout') => string
  }
}

const keepAliveComment = ': keep-alive\n\n'

/**
 * A backend body as a Node stream for the Lambda response: each chunk is passed
 * on as it arrives, never merged or held back. Destroying it (the caller went
 * away) aborts the backend request at once, even while a read is waiting on the
 * backend. Event streams also get keep-alive comments while the backend is
 * quiet, and end with an error event in the caller's binding, rather than a cut
 * connection, when the backend fails or stays silent too long.
 *
 * @example
 * const abort = new AbortController()
 * const response = await fetch(url, { signal: abort.signal })
 * return { statusCode: 200, body: relayToReadable(response.body, { backendRequest: abort, onEnd }) }
 */
export const relayToReadable = (
  body: ReadableStream<Uint8Array>,
  options: RelayOptions,
): Readable => {
  const { backendRequest, onEnd, events } = options
  const reader = body.getReader()
  let bytes = 0
  let chunks = 0
  let failure: Error | undefined
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined
  let idleSince = Date.now()
  let timer: NodeJS.Timeout | undefined

  const quietFor = (ms: number) =>
    new Promise<'quiet'>((resolve) => {
      timer = setTimeout(() => resolve('quiet'), ms)
    })

  const endWith = (stream: Readable, reason: 'backend-failed' | 'idle-timeout', error: Error) => {
    failure = error
    stream.push((events as NonNullable<typeof events>).failureEvent(reason))
    stream.push(null)
  }

  return new Readable({
    async read() {
      try {
        pending ??= reader.read()
        const next = events
          ? await Promise.race([pending, quietFor(events.keepAliveMs)])
          : await pending
        clearTimeout(timer)
        if (next === 'quiet') {
          if (events && Date.now() - idleSince >= events.idleTimeoutMs) {
            backendRequest.abort()
            return endWith(this, 'idle-timeout', new Error('backend stream idle too long'))
          }
          this.push(keepAliveComment)
          return
        }
        pending = undefined
        idleSince = Date.now()
        if (next.done) return void this.push(null)
        bytes += next.value.byteLength
        chunks++
        this.push(next.value)
      } catch (error) {
        clearTimeout(timer)
        if (events && !this.destroyed) return endWith(this, 'backend-failed', error as Error)
        this.destroy(error as Error)
      }
    },
    destroy(error, callback) {
      clearTimeout(timer)
      backendRequest.abort()
      reader.cancel().catch(() => undefined)
      const cause = error ?? failure
      onEnd({ bytes, chunks, ...(cause ? { error: cause } : {}) })
      callback(error)
    },
  })
}
