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
const lf = 0x0a
const cr = 0x0d

/**
 * How many leading bytes of an event stream are whole events: up to and
 * including the blank line (any of LF, CRLF, CR twice) that ends the last one.
 */
export const wholeEventsLength = (bytes: Uint8Array): number => {
  let end = 0
  let lineStart = true
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]
    if (byte !== lf && byte !== cr) {
      lineStart = false
      continue
    }
    if (byte === cr && bytes[i + 1] === lf) i++
    if (lineStart) end = i + 1
    lineStart = true
  }
  return end
}

/** Whether bytes held back at the end of a stream were an event the agent never finished. */
const isUnfinishedEvent = (bytes: Uint8Array) =>
  new TextDecoder()
    .decode(bytes)
    .split(/\r\n|\r|\n/)
    .some((line) => line !== '' && !line.startsWith(':'))

/**
 * A backend body as a Node stream for the Lambda response: each chunk is passed
 * on as it arrives, except that an event stream's unfinished last event waits
 * for the rest of it, so only whole events go out. Destroying it (the caller
 * went away) aborts the backend request at once, even while a read is waiting
 * on the backend. Since only whole events go out, the keep-alive comments sent
 * while the backend is quiet, and the error event in the caller's binding that
 * ends the stream when the backend fails, breaks off mid-event or stays silent
 * too long, never land inside an event.
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
  /** An event stream's bytes after its last whole event. */
  let unfinished: Uint8Array = new Uint8Array(0)

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
        // Each turn reads one backend chunk; it returns once something is pushed.
        for (;;) {
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
            return void this.push(keepAliveComment)
          }
          pending = undefined
          idleSince = Date.now()
          if (next.done) {
            if (events && isUnfinishedEvent(unfinished)) {
              return endWith(this, 'backend-failed', new Error('backend stream ended mid-event'))
            }
            return void this.push(null)
          }
          bytes += next.value.byteLength
          chunks++
          if (!events) return void this.push(next.value)
          const held = unfinished.length > 0 ? Buffer.concat([unfinished, next.value]) : next.value
          const whole = wholeEventsLength(held)
          unfinished = held.subarray(whole)
          if (whole > 0) return void this.push(held.subarray(0, whole))
        }
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
