import { finished, Readable } from 'node:stream'
import { type AgentErrorCode, mayNameError } from '../a2a/error-key.ts'
import {
  carriesData,
  EventBoundaries,
  firstEventWhere,
  isUnfinishedEvent,
  SdkEventType,
  type SseEvent,
  StreamEventTooLargeError,
  StreamLoneCrError,
} from '../a2a/sse.ts'
import type { A2AStreamEnd } from '../a2a/stream-end.ts'
import { HeldBytes } from '../http/held-bytes.ts'
import { type BackendBody, nodeBody } from './body.ts'

export interface RelayOutcome {
  chunks: number
  /** Set when the backend failed mid-stream or the caller went away. */
  error?: Error
  /**
   * The relay's reader destroyed it before the backend's body had ended or failed (the caller
   * went away, or a middleware withheld the answer), not the backend or the relay failing.
   */
  endedByReader?: true
  /** The code of the last error event the stream carried, or why it had none (`events.errorCodeOf`). */
  errorCode?: AgentErrorCode
  /**
   * The relay ended the stream after its terminal event (`events.terminalEvent`): nothing the
   * backend sent after it went out but, after a status update, the `Task` snapshot A2A allows.
   */
  endedAtTerminalEvent?: true
  /**
   * The backend ended an event stream whose end the relay watches (`events.terminalEvent`) with no
   * terminal event: whole, with no error, but a client reading it for its task's end found none.
   */
  endedWithoutTerminalEvent?: true
}

/**
 * Why the relay let an agent go after its stream's terminal event: it sent more, or it kept its
 * stream open and quiet for the grace (`keepAliveMs`).
 */
export type CutOffReason = 'sent-more' | 'stayed-open'

/** Why a relayed event stream was ended early. */
export type StreamEndReason = 'backend-failed' | 'idle-timeout' | 'event-too-large' | 'lone-cr'

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
    /** The stream is ended after this long without a backend event (a block with `data`). */
    idleTimeoutMs: number
    /** The most one event may hold; past it the stream is ended (`event-too-large`). */
    maxEventBytes: number
    /** The SSE event, in the caller's binding, that reports why the stream ended early. */
    failureEvent: (reason: StreamEndReason) => string
    /**
     * The error code whole events carry, or why an error among them has none, if any: asked only
     * of events that name `"error"` (a JSON-RPC agent's failing handler answers a stream with
     * one, with HTTP 200), or that @a2a-js/sdk's reader may name `error` (`sdkType`, the type it
     * holds as these events begin).
     */
    errorCodeOf?: (events: string, sdkType: SdkEventType) => AgentErrorCode | undefined
    /**
     * The event after which the stream has nothing more to send (`a2aStreamEnd`): it goes out,
     * then the stream ends, whatever the backend sends after it (which aborts the backend
     * request); after one `endOf` says a snapshot may follow, the next event goes out too if
     * `isSnapshot` (`isA2ATask`), and then the stream ends. `mayBeIn` rules whole events out from
     * their bytes, so that only those that may be terminal are decoded and read.
     */
    terminalEvent?: {
      endOf: (event: SseEvent) => A2AStreamEnd
      isSnapshot: (event: SseEvent) => boolean
      mayBeIn: (bytes: Uint8Array) => boolean
      /**
       * Told when the agent is let go after the caller's stream ended: up to `keepAliveMs` after
       * `onEnd`, so that what the caller's line cannot say is said apart.
       */
      onCutOff?: (reason: CutOffReason) => void
    }
  }
}

const keepAliveComment = ': keep-alive\n\n'

/** U+FEFF in UTF-8. */
const byteOrderMark = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * A backend body (bytes, the agent's Node stream or a web stream) as a Node
 * stream for the Lambda response: each chunk is passed
 * on as it arrives, except that an event stream's unfinished last event waits
 * for the rest of it, so only whole events go out. A stream's chunks are taken
 * from its `'data'` events (a web stream's through `nodeBody`), not its
 * async iterator: a listener costs a few microseconds of each event's delay
 * where the iterator's promise hops cost tens. While the caller reads slower
 * than the backend sends, so that the relay's buffer is full, the body is
 * paused (no keep-alive is sent and no idle timeout fires meanwhile), and
 * resumed when the caller reads again. Bytes go out whole in the first read.
 * Destroying it (the caller went away) aborts the backend request at once,
 * paused or waiting. Holding an unfinished event back is
 * linear in its length (EventBoundaries scans each byte once), its bytes are
 * held in one buffer (HeldBytes), not as the chunks they came in, so the memory
 * is in proportion to the bytes however the agent chunks them, and an event
 * past `maxEventBytes` ends the stream, so no agent can make the gateway buffer
 * without bound. Since only whole events go out, the keep-alive comments sent
 * while the backend is quiet (one timer, refreshed by each whole event), and the
 * error event in the caller's binding that ends the stream when the backend
 * fails, breaks off mid-event, stays silent too long or sends an event too
 * large, never land inside an event. An event stream ends after its terminal event
 * (`events.terminalEvent`: an A2A error, the task's end), or after the one `Task` snapshot that
 * may follow a terminal status update: what came after it in the same chunk is not sent, and an
 * agent that keeps sending past its task's end holds neither the caller's stream nor its slot,
 * and is aborted as soon as it sends more.
 *
 * @example
 * const abort = new AbortController()
 * const response = await fetch(url, { signal: abort.signal })
 * return { statusCode: 200, body: relayToReadable(response.body, { backendRequest: abort, onEnd }) }
 */
export const relayToReadable = (body: BackendBody, options: RelayOptions): Readable => {
  const { backendRequest, onEnd, events } = options
  /** The body as a Node stream; bytes are taken whole in the first read. */
  const source =
    body instanceof Uint8Array ? undefined : body instanceof Readable ? body : nodeBody(body)
  let chunks = 0
  let failure: Error | undefined
  let errorCode: AgentErrorCode | undefined
  let endedAtTerminalEvent = false
  /** The backend ended its stream whole before any terminal event (`endedWithoutTerminalEvent`). */
  let endedWithoutTerminalEvent = false
  /** Nothing more is taken from the backend: its body ended or failed, or the relay ended. */
  let settled = false
  /** The backend's body was read to its end: nothing is left to abort or cancel. */
  let backendDone = false
  // Quiet time on the monotonic clock, as the timers run: a wall clock stepped forward (NTP, a
  // laptop waking) would idle out a stream quiet for one keep-alive.
  let idleSince = performance.now()
  /** Fires after `keepAliveMs` without a whole backend event or keep-alive; refreshed, never remade. */
  let timer: NodeJS.Timeout | undefined
  /** Where an event stream's whole events end; each byte is scanned once. */
  const boundaries = events && new EventBoundaries(events.maxEventBytes)
  /** An event stream's bytes after its last whole event, sent once the event is whole. */
  const unfinished = events && new HeldBytes(events.maxEventBytes)
  /**
   * The event type @a2a-js/sdk's reader holds after the events read so far: an `event: error` in
   * a block it dispatched nothing at names the next event an error to it, in another chunk too.
   */
  const sdkType = new SdkEventType()

  /**
   * An event stream's first bytes while they may still be a byte-order mark (`opening`): the
   * caller's client passes one over there (a WHATWG EventSource and @a2a-js/sdk's TextDecoderStream
   * alike) and reads one anywhere else as part of its line, while a reader that decodes as it
   * goes may not pass it over. So it is dropped, never sent, and every reader, the gateway's checks
   * and each client, reads the same bytes: one left before the first event hid it from the
   * terminal-event check. Undefined once the first bytes are known.
   */
  let opening: Uint8Array | undefined = events && new Uint8Array(0)
  /** `chunk` with the stream's opening byte-order mark dropped; nothing while it may be one. */
  const pastOpening = (chunk: Uint8Array): Uint8Array => {
    if (!opening) return chunk
    const bytes = Buffer.concat([opening, chunk])
    const head = bytes.subarray(0, 3)
    opening = undefined
    if (!byteOrderMark.subarray(0, head.length).equals(head)) return bytes
    if (head.length < 3) opening = bytes
    return bytes.subarray(3)
  }

  /** What went out last ended with a CR: a client reading lines at LF still holds that line open. */
  let sentCr = false
  /** Passes a chunk on; a full buffer pauses the body until the caller reads (`read`). */
  const send = (chunk: Uint8Array | string) => {
    sentCr = typeof chunk === 'string' ? chunk.endsWith('\r') : chunk[chunk.length - 1] === 0x0d
    if (!relay.push(chunk)) source?.pause()
  }

  const endWith = (reason: StreamEndReason, error: Error) => {
    settled = true
    clearTimeout(timer)
    failure = error
    // After a CR an LF first, so that every client reads the failure event on a line of its own.
    const event = (events as NonNullable<typeof events>).failureEvent(reason)
    relay.push(sentCr ? `\n${event}` : event)
    relay.push(null)
  }

  /**
   * After the terminal event, `keepAliveMs` later: the end of the wait for a snapshot, and for
   * the backend to end its body on its own. Unref'd: while a caller waits on it the agent's
   * stream is open, which keeps the process up; on Lambda a frozen function runs it when it thaws.
   */
  let grace: NodeJS.Timeout | undefined
  /** The backend sent more after its terminal event, or did not end in time: it is let go. */
  let cut = false
  const cutOff = (reason: CutOffReason) => {
    clearTimeout(grace)
    if (backendDone || cut) return
    cut = true
    events?.terminalEvent?.onCutOff?.(reason)
    backendRequest.abort()
    source?.destroy()
  }

  /**
   * The caller left while the snapshot was awaited: the agent may still send it, which is no
   * more than A2A lets it send, so it is read (unrelayed) as it would have been, not cut off.
   */
  let snapshotOwed = false

  /** After a terminal status update, until the next event: the snapshot may still come. */
  const awaitingSnapshot = () => endedAtTerminalEvent && (!settled || snapshotOwed)

  /**
   * The caller's stream ended on a CR whose LF the backend has not sent yet: that LF, when it
   * comes, is the last event's own end, not more.
   */
  let lfOwed = false

  /** The caller's stream ends: its last event, the terminal event or the snapshot, went out. */
  const endCallersStream = () => {
    settled = true
    snapshotOwed = false
    // A caller gone has no stream to end.
    if (relay.destroyed) return
    // Its blank line's CR went out, its LF not yet come: sent, so every client reads the event.
    if (sentCr) relay.push('\n')
    lfOwed = sentCr
    relay.push(null)
  }

  /**
   * The caller's stream has ended after its terminal event, and nothing the backend sends after
   * it is the caller's. The backend's body is read on, unrelayed, so that one that ends it at once
   * (every well-behaved agent) keeps its connection for the next call, where an abort would close
   * it; anything more it sends (`more`: what came with the last event), or the rest of the grace
   * in quiet, cuts it off.
   */
  const readOnToTheEnd = (more: boolean) => {
    if (more) return cutOff('sent-more')
    if (source?.isPaused()) source.resume()
  }

  /**
   * The terminal event went out. After an error, a `Message` or a terminal `Task` the caller's
   * stream ends now. After a status update it waits for the next event, the one `Task` snapshot
   * A2A lets an agent resend before closing (§11.7): until the backend ends its body (at once,
   * for a well-behaved agent), sends an event, or is quiet for the grace; only an agent that
   * keeps its stream open and quiet makes the caller wait, and no longer than that.
   */
  const reachedTerminalEvent = (snapshotMayFollow: boolean) => {
    endedAtTerminalEvent = true
    clearTimeout(timer)
    grace = setTimeout(
      () => {
        if (awaitingSnapshot()) endCallersStream()
        cutOff('stayed-open')
      },
      (events as NonNullable<typeof events>).keepAliveMs,
    )
    grace.unref()
    if (snapshotMayFollow) {
      if (source?.isPaused()) source.resume()
      return
    }
    endCallersStream()
  }

  /**
   * Whole events after a terminal status update: what carries no data (comments, blank lines: a
   * CRLF's last LF) goes out as it would have; the first event goes out if it is the snapshot, and
   * then the caller's stream ends, the backend read on if nothing more came with it (`more`: bytes
   * of an event not yet whole), else cut off. Any other event is not sent, and cuts it off.
   */
  const takeSnapshot = (bytes: Uint8Array, more: boolean) => {
    const terminal = events?.terminalEvent as NonNullable<
      NonNullable<typeof events>['terminalEvent']
    >
    const first = firstEventWhere(bytes, () => true, undefined, sdkType)
    const snapshot = first !== undefined && terminal.isSnapshot(first.event)
    const sent = first === undefined ? bytes : bytes.subarray(0, snapshot ? first.end : first.start)
    if (sent.length > 0 && !relay.destroyed) send(sent)
    if (first === undefined) return
    endCallersStream()
    readOnToTheEnd(!snapshot || more || first.end < bytes.length)
  }

  /** An event past the limit (found here or by a translated stream), or the backend failed. */
  const fail = (error: Error) => {
    if (error instanceof StreamEventTooLargeError) {
      backendRequest.abort()
      return endWith('event-too-large', error)
    }
    if (error instanceof StreamLoneCrError) {
      backendRequest.abort()
      return endWith('lone-cr', error)
    }
    if (events) return endWith('backend-failed', error)
    settled = true
    failure = error
    relay.destroy(error)
  }

  const take = (chunk: Uint8Array) => {
    // Whatever a backend sends once the caller's stream has ended at its terminal event cuts it
    // off, but for the LF of the CRLF that ended that event (a well-behaved agent's, in a chunk
    // of its own where a write or a packet split it), and the snapshot still owed to a caller
    // that left while it was awaited (read below as if the caller were there).
    if (settled && !snapshotOwed) {
      if (!endedAtTerminalEvent) return
      if (lfOwed && chunk[0] === 0x0a) {
        lfOwed = false
        if (chunk.length === 1) return
      }
      return cutOff('sent-more')
    }
    chunks++
    if (!boundaries || !unfinished) return send(chunk)
    const bytes = pastOpening(chunk)
    if (bytes.length === 0) return
    let whole: number
    try {
      // Only the new bytes are scanned; the held bytes were scanned when they came.
      whole = boundaries.scan(bytes)
    } catch (error) {
      // An event past the limit or a lone CR where the snapshot may be: the stream has ended.
      if (awaitingSnapshot()) {
        endCallersStream()
        return cutOff('sent-more')
      }
      return fail(error as Error)
    }
    // Bytes of an event not yet whole are no event: an agent trickling one still idles out.
    if (whole === 0) return unfinished.hold(bytes)
    const out = unfinished.release(bytes.subarray(0, whole))
    /** Bytes of an event not yet whole came with these. */
    const more = whole < bytes.length
    if (more) unfinished.hold(bytes.subarray(whole))
    if (awaitingSnapshot()) return takeSnapshot(out, more)
    // Nor are comments or blank lines: an agent pinging forever, its task long done, idles out.
    const hasData = carriesData(out)
    if (hasData) {
      idleSince = performance.now()
      timer?.refresh()
    }
    const terminal = events?.terminalEvent
    /** The SDK's type as these events begin, for the error count, which reads them again. */
    const sdkTypeBefore = sdkType.type
    // Every chunk's blocks are walked, those without data too: one may set the SDK's type.
    const found = firstEventWhere(
      out,
      (event) => terminal !== undefined && terminal.endOf(event) !== 'on',
      (block) => terminal?.mayBeIn(block) ?? false,
      sdkType,
    )
    const sent = found === undefined ? out : out.subarray(0, found.end)
    if (events?.errorCodeOf) {
      const text = Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength)
      // 0.3's HTTP+JSON error event is named so, its data `{ code }` only; an event whose text
      // merely says "error" is not read again. An escaped letter may spell the key (`mayNameError`).
      if (
        mayNameError(text) ||
        text.includes('event: error') ||
        text.includes('event:error') ||
        sdkTypeBefore === 'error'
      )
        errorCode =
          events.errorCodeOf(text.toString(), new SdkEventType(sdkTypeBefore)) ?? errorCode
    }
    send(sent)
    if (found === undefined) return
    // Read again, once a stream: the search tells where the terminal event is, not which end.
    reachedTerminalEvent(terminal?.endOf(found.event) === 'snapshot-may-follow')
    const rest = out.subarray(found.end)
    if (awaitingSnapshot()) return rest.length > 0 ? takeSnapshot(rest, more) : undefined
    readOnToTheEnd(rest.length > 0 || more)
  }

  /** The body ended (no error) or failed, or a stream closed before its end. */
  const bodyEnded = (error?: Error | null) => {
    if (endedAtTerminalEvent) {
      // The backend ended its body after its terminal event (its connection kept), or failed:
      // a caller still waiting for a snapshot has its stream ended now, what is unfinished unsent.
      backendDone = true
      clearTimeout(grace)
      if (!settled) endCallersStream()
      return
    }
    if (settled) return
    if (error) return fail(error)
    backendDone = true
    // A stream that ended in what began as a byte-order mark ended inside its first line.
    if (opening) unfinished?.hold(opening)
    if (unfinished && isUnfinishedEvent(unfinished.bytes)) {
      return endWith('backend-failed', new Error('backend stream ended mid-event'))
    }
    settled = true
    endedWithoutTerminalEvent = events?.terminalEvent !== undefined
    clearTimeout(timer)
    relay.push(null)
  }

  /** The backend was quiet for `keepAliveMs` while the caller was reading. */
  const quiet = () => {
    if (settled || endedAtTerminalEvent || source?.isPaused()) return
    if (events && performance.now() - idleSince >= events.idleTimeoutMs) {
      backendRequest.abort()
      return endWith('idle-timeout', new Error('backend stream idle too long'))
    }
    timer?.refresh()
    send(keepAliveComment)
  }

  const relay = new Readable({
    read() {
      if (settled) return
      if (!source) {
        if (body instanceof Uint8Array && body.byteLength > 0) take(body)
        return bodyEnded()
      }
      if (!source.isPaused()) return
      // Paused, the agent could send nothing: its quiet time counts from now (awaiting the
      // snapshot, the grace bounds it).
      idleSince = performance.now()
      if (events && !endedAtTerminalEvent) {
        timer = timer ? timer.refresh() : setTimeout(quiet, events.keepAliveMs)
      }
      source.resume()
    },
    destroy(error, callback) {
      // Neither the backend nor the relay failed it, and it had not ended on its own.
      const endedByReader = failure === undefined && (error != null || !settled)
      snapshotOwed = awaitingSnapshot()
      settled = true
      clearTimeout(timer)
      // After a terminal event the backend is left to end on its own (`endAtTerminalEvent`).
      if (!backendDone && !endedAtTerminalEvent) {
        backendRequest.abort()
        source?.destroy()
      }
      const cause = error ?? failure
      onEnd({
        chunks,
        ...(cause ? { error: cause } : {}),
        ...(endedByReader ? { endedByReader } : {}),
        ...(errorCode === undefined ? {} : { errorCode }),
        ...(endedAtTerminalEvent ? { endedAtTerminalEvent } : {}),
        ...(endedWithoutTerminalEvent ? { endedWithoutTerminalEvent } : {}),
      })
      callback(error)
    },
  })
  if (source) {
    // Paused first, so the listener does not start the flow: the first read does.
    source.pause()
    source.on('data', take)
    finished(source, bodyEnded)
  }
  return relay
}
