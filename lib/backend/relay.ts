import { Readable } from 'node:stream'
import { EventBoundaries, isUnfinishedEvent, StreamEventTooLargeError } from '../a2a/sse.ts'
import { type BackendBody, type BodyChunks, chunksOf } from './body.ts'

export interface RelayOutcome {
  chunks: number
  /** Set when the backend failed mid-stream or the caller went away. */
  error?: Error
}

/** Why a relayed event stream was ended early. */
export type StreamEndReason = 'backend-failed' | 'idle-timeout' | 'event-too-large'

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
    /** The most one event may hold; past it the stream is ended (`event-too-large`). */
    maxEventBytes: number
    /** The SSE event, in the caller's binding, that reports why the stream ended early. */
    failureEvent: (reason: StreamEndReason) => string
  }
}

const keepAliveComment = ': keep-alive\n\n'

/**
 * A backend body (bytes, the agent's Node stream or a web stream) as a Node
 * stream for the Lambda response: each chunk is passed
 * on as it arrives, except that an event stream's unfinished last event waits
 * for the rest of it, so only whole events go out. Destroying it (the caller
 * went away) aborts the backend request at once, even while a read is waiting
 * on the backend. Holding an unfinished event back is linear in its length
 * (EventBoundaries scans each byte once), and an event past `maxEventBytes`
 * ends the stream, so no agent can make the gateway buffer without bound.
 * Since only whole events go out, the keep-alive comments sent while the
 * backend is quiet, and the error event in the caller's binding that ends the
 * stream when the backend fails, breaks off mid-event, stays silent too long or
 * sends an event too large, never land inside an event.
 *
 * @example
 * const abort = new AbortController()
 * const response = await fetch(url, { signal: abort.signal })
 * return { statusCode: 200, body: relayToReadable(response.body, { backendRequest: abort, onEnd }) }
 */
export const relayToReadable = (body: BackendBody, options: RelayOptions): Readable => {
  const { backendRequest, onEnd, events } = options
  const reader = chunksOf(body)
  let chunks = 0
  let failure: Error | undefined
  let pending: ReturnType<BodyChunks['next']> | undefined
  /** The backend's body was read to its end: nothing is left to abort or cancel. */
  let backendDone = false
  let idleSince = Date.now()
  let timer: NodeJS.Timeout | undefined
  /** Where an event stream's whole events end; each byte is scanned once. */
  const boundaries = events && new EventBoundaries(events.maxEventBytes)
  /** An event stream's chunks after its last whole event, joined once it is whole. */
  let unfinished: Uint8Array[] = []

  const quietFor = (ms: number) =>
    new Promise<'quiet'>((resolve) => {
      timer = setTimeout(() => resolve('quiet'), ms)
    })

  const endWith = (stream: Readable, reason: StreamEndReason, error: Error) => {
    failure = error
    stream.push((events as NonNullable<typeof events>).failureEvent(reason))
    stream.push(null)
  }

  return new Readable({
    async read() {
      try {
        // Each turn reads one backend chunk; it returns once something is pushed.
        for (;;) {
          pending ??= reader.next()
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
            backendDone = true
            if (events && isUnfinishedEvent(Buffer.concat(unfinished))) {
              return endWith(this, 'backend-failed', new Error('backend stream ended mid-event'))
            }
            return void this.push(null)
          }
          chunks++
          if (!boundaries) return void this.push(next.value)
          // Only the new chunk is scanned; held chunks are joined once, when their event ends.
          const whole = boundaries.scan(next.value)
          if (whole === 0) {
            unfinished.push(next.value)
            continue
          }
          const ending = next.value.subarray(0, whole)
          const out = unfinished.length > 0 ? Buffer.concat([...unfinished, ending]) : ending
          unfinished = whole < next.value.length ? [next.value.subarray(whole)] : []
          return void this.push(out)
        }
      } catch (error) {
        clearTimeout(timer)
        if (error instanceof StreamEventTooLargeError) {
          backendRequest.abort()
          return endWith(this, 'event-too-large', error)
        }
        if (events && !this.destroyed) return endWith(this, 'backend-failed', error as Error)
        this.destroy(error as Error)
      }
    },
    destroy(error, callback) {
      clearTimeout(timer)
      if (!backendDone) {
        backendRequest.abort()
        reader.cancel()
      }
      const cause = error ?? failure
      onEnd({ chunks, ...(cause ? { error: cause } : {}) })
      callback(error)
    },
  })
}
