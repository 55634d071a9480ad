import { HeldBytes } from '../http/held-bytes.ts'

export interface SseEvent {
  /** The `event:` field, when there is one (A2A uses `error`). */
  event?: string
  data: string
}

/** How large one event may grow, blank line included, unless configured otherwise: 1 MiB. */
export const defaultMaxEventBytes = 1024 * 1024

/** An event that grew past the bytes one event may have; what came after it was not read. */
export class StreamEventTooLargeError extends Error {
  readonly maxEventBytes: number
  constructor(maxEventBytes: number) {
    super(`a stream event is larger than ${maxEventBytes} bytes`)
    this.name = 'StreamEventTooLargeError'
    this.maxEventBytes = maxEventBytes
  }
}

/**
 * A line ended by a CR with no LF after it. The SSE spec ends a line there, but the official
 * A2A client (@a2a-js/sdk's `parseSseStream`) ends lines at LF only and keeps a lone CR in
 * the line: the two read such a stream differently, so no one can check what a caller will
 * read of it.
 */
export class StreamLoneCrError extends Error {
  constructor() {
    super('a stream line ends with a CR not followed by LF')
    this.name = 'StreamLoneCrError'
  }
}

const lf = 0x0a
const cr = 0x0d

/**
 * Finds where whole events end in an event stream read chunk by chunk. Each
 * byte is looked at once, whatever the chunking, so holding back an unfinished
 * event costs time in proportion to its length; and no event may pass
 * `maxEventBytes` (its lines and the blank line that ends it).
 *
 * @example
 * const boundaries = new EventBoundaries(1024 * 1024)
 * boundaries.scan(encode('data: a\n\ndata: b')) // 9: the first event is whole
 * boundaries.scan(encode('\n\n')) // 2: so is the second
 */
export class EventBoundaries {
  readonly maxEventBytes: number
  /** The last byte scanned ended a line (or nothing was scanned yet). */
  #lineStart = true
  /** The last byte scanned was a CR, so an LF next is the same line end. */
  #afterCr = false
  /** ...and that CR ended an event, which the LF then ends instead. */
  #crEndedEvent = false
  /** Bytes of the event not yet ended. */
  #eventBytes = 0

  constructor(maxEventBytes = defaultMaxEventBytes) {
    if (!Number.isInteger(maxEventBytes) || maxEventBytes <= 0) {
      throw new TypeError('EventBoundaries: maxEventBytes must be a positive integer')
    }
    this.maxEventBytes = maxEventBytes
  }

  /** Bytes held since the last whole event: what an unfinished event has so far. */
  get unfinishedBytes(): number {
    return this.#eventBytes
  }

  /**
   * Scans the next chunk: returns how many of its leading bytes end whole events
   * (0 when no event ends in it). Throws StreamEventTooLargeError as soon as the
   * event being read passes the limit, and StreamLoneCrError at a CR that no LF
   * follows (the next chunk's first byte, for a chunk that ends with a CR).
   */
  scan(chunk: Uint8Array): number {
    let end = 0
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]
      this.#eventBytes++
      if (this.#eventBytes > this.maxEventBytes) {
        throw new StreamEventTooLargeError(this.maxEventBytes)
      }
      if (this.#afterCr && byte !== lf) throw new StreamLoneCrError()
      if (byte === lf && this.#afterCr) {
        // The LF of a CRLF: the line ended at the CR; an event ended there ends here.
        this.#afterCr = false
        if (this.#crEndedEvent) {
          end = i + 1
          this.#eventBytes = 0
        }
        continue
      }
      this.#afterCr = byte === cr
      this.#crEndedEvent = false
      if (byte !== lf && byte !== cr) {
        this.#lineStart = false
        continue
      }
      if (this.#lineStart) {
        end = i + 1
        this.#eventBytes = 0
        this.#crEndedEvent = byte === cr
      }
      this.#lineStart = true
    }
    return end
  }
}

/** Whether bytes left at the end of a stream are an event the sender never finished (not just comments). */
export const isUnfinishedEvent = (bytes: Uint8Array): boolean =>
  new TextDecoder()
    .decode(bytes)
    .split(/\r\n|\r|\n/)
    .some((line) => line !== '' && !line.startsWith(':'))

/** `data` in bytes, the one field that makes a block of lines an event a client sees. */
const dataName = [0x64, 0x61, 0x74, 0x61]

/** Whether a line starting at `at` is a `data` field: `data:...`, or `data` alone. */
const isDataLine = (bytes: Uint8Array, at: number): boolean => {
  for (const [offset, byte] of dataName.entries()) if (bytes[at + offset] !== byte) return false
  const after = bytes[at + dataName.length]
  return after === undefined || after === 0x3a || after === cr || after === lf
}

/**
 * Whether whole events' bytes hold an event a client sees: a block with a `data` field. Comments
 * (`: ping`), blank lines and `id:`/`retry:` alone dispatch nothing, so an agent sending only
 * those is as quiet as one sending nothing (lines end at LF here: the relay refuses a lone CR).
 *
 * @example
 * carriesData(encode(': ping\n\n')) // false
 * carriesData(encode('data: {}\n\n')) // true
 */
export const carriesData = (bytes: Uint8Array): boolean => {
  let at = 0
  while (at < bytes.length) {
    if (isDataLine(bytes, at)) return true
    const end = bytes.indexOf(lf, at)
    if (end === -1) return false
    at = end + 1
  }
  return false
}

const utf8 = new TextDecoder()

/** The type @a2a-js/sdk gives an event no `event:` line named, and puts back after each event. */
const sdkDefaultType = 'message'

/**
 * The event type @a2a-js/sdk's client (`parseSseStream`) holds between events, one per stream and
 * carried from one read of its events to the next (`wholeEvents`). Its reader differs from the SSE
 * spec's in what an event is named: it sets the type at an `event:` line only (`event` with no
 * colon is skipped, where the spec reads no name), and puts it back to `message` only when a
 * blank line dispatches an event, which takes a `data:` line with a value (the spec dispatches at
 * any `data` line, and forgets the name at every blank line). So `event: error`, a blank line, then
 * `data: {...}` is an error to the official HTTP+JSON client (it throws) and a message to the spec.
 */
export class SdkEventType {
  type: string
  constructor(type = sdkDefaultType) {
    this.type = type
  }
}

/** `event:` in bytes: a line @a2a-js/sdk's reader takes an event type from. */
const eventColon = new TextEncoder().encode('event:')

/** Whether a block of lines holds an `event:` line, the one line that sets @a2a-js/sdk's event type. */
const hasEventLine = (block: Uint8Array): boolean => {
  const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength)
  for (let at = bytes.indexOf(eventColon); at !== -1; at = bytes.indexOf(eventColon, at + 1)) {
    if (at === 0 || bytes[at - 1] === lf) return true
  }
  return false
}

/**
 * The first event, in bytes of whole events, that `isIt` picks: the event, where its block starts
 * and where it ends (just past the blank line that ends it, past its CR when the LF after it has
 * not come yet), or undefined when none is picked. Blocks without data (comments, blank lines)
 * are passed over unread, and so is every block `mayHold` rules out from its bytes (a cheap look
 * for what `isIt` reads), so that only a block that may be the one is decoded and parsed; but a
 * block with an `event:` line, or any block while @a2a-js/sdk's reader holds a type of its own
 * (`sdkType`, carried on through the blocks read), is read, since it may name this event or a
 * later one `error` (`wholeEvents`). Lines end at LF here (the relay refuses a lone CR).
 *
 * @example
 * firstEventWhere(encode('data: 1\n\n: c\n\ndata: 2\n\n'), ({ data }) => data === '2')
 * // { event: { data: '2' }, start: 14, end: 23 }
 */
export const firstEventWhere = (
  bytes: Uint8Array,
  isIt: (event: SseEvent) => boolean,
  mayHold: (block: Uint8Array) => boolean = () => true,
  sdkType: SdkEventType = new SdkEventType(),
): { event: SseEvent; start: number; end: number } | undefined => {
  let start = 0
  let at = 0
  while (at < bytes.length) {
    const end = bytes.indexOf(lf, at)
    const lineEnd = end === -1 ? bytes.length : end
    const next = end === -1 ? bytes.length : end + 1
    const blank = lineEnd === at || (lineEnd === at + 1 && bytes[at] === cr)
    if (blank) {
      const block = bytes.subarray(start, next)
      const named = sdkType.type !== sdkDefaultType || hasEventLine(block)
      if (named || (carriesData(block) && mayHold(block))) {
        const event = wholeEvents(utf8.decode(block), sdkType).find(isIt)
        if (event) return { event, start, end: next }
      }
      start = next
    }
    at = next
  }
  return undefined
}

/** Text split at SSE's line ends (CRLF, LF or CR); text with no CR, the usual, by a plain split. */
const sseLines = (text: string): string[] =>
  text.includes('\r') ? text.split(/\r\n|\r|\n/) : text.split('\n')

/** A field's value in `line` if its name is `name` (`name:value`, one space after the colon dropped, or `name` alone). */
const fieldValue = (line: string, name: string): string | undefined => {
  if (!line.startsWith(name)) return undefined
  if (line.length === name.length) return ''
  if (line.charCodeAt(name.length) !== 0x3a) return undefined
  return line.charCodeAt(name.length + 1) === 0x20
    ? line.slice(name.length + 2)
    : line.slice(name.length + 1)
}

/**
 * The events in text made of whole events, read as the SSE spec reads them, and so as a caller's
 * client will: a line ends at CRLF, LF or CR; a blank line ends an event that has data; each
 * `data` line, with a colon or without, adds a line to its data; its last `event` line names it;
 * comments and other fields are dropped. Whoever checks what a stream hands a caller must read
 * it this way: where a reader of its own disagrees, something passes unseen. But for its name:
 * an event @a2a-js/sdk's reader names `error` (`sdkType`, carried from the events read before)
 * is named `error` too, so that an event either reading takes for the agent's error is one.
 *
 * @example
 * wholeEvents('event: a\nevent: error\ndata\ndata: x\r\n\n') // [{ event: 'error', data: '\nx' }]
 * wholeEvents('event: error\n\ndata: x\n\n') // [{ event: 'error', data: 'x' }]: the SDK's reading
 */
export const wholeEvents = (text: string, sdkType = new SdkEventType()): SseEvent[] => {
  const events: SseEvent[] = []
  let event: string | undefined
  let data: string | undefined
  /** A `data` line with a value came: @a2a-js/sdk's reader dispatches an event at the blank line. */
  let sdkDispatches = false
  for (const line of sseLines(text)) {
    if (line === '') {
      if (data !== undefined) {
        const name = sdkDispatches && sdkType.type === 'error' ? 'error' : event
        events.push(name ? { event: name, data } : { data })
      }
      if (sdkDispatches) sdkType.type = sdkDefaultType
      event = undefined
      data = undefined
      sdkDispatches = false
      continue
    }
    const value = fieldValue(line, 'data')
    if (value !== undefined) {
      data = data === undefined ? value : `${data}\n${value}`
      if (value !== '') sdkDispatches = true
      continue
    }
    const name = fieldValue(line, 'event')
    if (name === undefined) continue
    event = name
    if (line.length > 'event'.length) sdkType.type = name
  }
  return events
}

/**
 * The events of a server-sent-event stream, each yielded as soon as its blank
 * line arrives; comments are dropped. Buffering is linear (EventBoundaries) and
 * an unfinished event is held as its bytes (HeldBytes), not its chunks; an
 * event past `maxEventBytes` throws StreamEventTooLargeError, and a stream that
 * ends inside an event (the sender broke off) throws rather than dropping it unseen.
 */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
  options: { maxEventBytes?: number } = {},
): AsyncGenerator<SseEvent> {
  const boundaries = new EventBoundaries(options.maxEventBytes)
  const decoder = new TextDecoder()
  const held = new HeldBytes(boundaries.maxEventBytes)
  const sdkType = new SdkEventType()
  for await (const chunk of body) {
    const end = boundaries.scan(chunk)
    if (end === 0) {
      held.hold(chunk)
      continue
    }
    const whole = held.release(chunk.subarray(0, end))
    if (end < chunk.length) held.hold(chunk.subarray(end))
    yield* wholeEvents(decoder.decode(whole), sdkType)
  }
  if (isUnfinishedEvent(held.bytes)) {
    throw new Error('the event stream ended inside an event')
  }
}

/**
 * Whether a Content-Type may be read as an event stream by a caller's client: any that holds
 * `text/event-stream`, whatever its case (@a2a-js/sdk takes one that starts so, httpx-sse one
 * that contains it, `text/event-streamx` included). Whatever a client may read as a stream is
 * checked as one.
 */
export const isEventStreamType = (contentType: string | undefined): boolean =>
  contentType?.toLowerCase().includes('text/event-stream') ?? false

/**
 * Whether an agent's answer to a streaming call is its stream: a 2xx typed as one. An error
 * status is an error whatever its type says (a server that set its stream's headers before
 * failing), read whole, as a client reads it.
 */
export const isStreamAnswer = (statusCode: number, contentType: string | undefined): boolean =>
  statusCode >= 200 && statusCode < 300 && isEventStreamType(contentType)

/** Writes one event in SSE framing. */
export const formatSse = ({ event, data }: SseEvent): string =>
  `${event ? `event: ${event}\n` : ''}${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`

const encoder = new TextEncoder()

/**
 * A stream of events rewritten one by one: each output event is written as soon
 * as its input event is complete. An input event past `maxEventBytes` errors the
 * stream with StreamEventTooLargeError. An output event `endsAfter` says is the last
 * (an A2A error, `isA2AError`) ends the stream, the input cancelled.
 */
export const mapSse = (
  body: ReadableStream<Uint8Array>,
  rewrite: (event: SseEvent) => SseEvent,
  options: { maxEventBytes?: number; endsAfter?: (event: SseEvent) => boolean } = {},
): ReadableStream<Uint8Array> => {
  const events = sseEvents(body, options)
  // Never fails: the stream is closed already, its last event queued for the reader.
  const stop = async () => {
    await events.return(undefined).catch(() => undefined)
    await body.cancel().catch(() => undefined)
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next()
      if (next.done) {
        controller.close()
        return
      }
      const rewritten = rewrite(next.value)
      controller.enqueue(encoder.encode(formatSse(rewritten)))
      if (options.endsAfter?.(rewritten)) {
        controller.close()
        await stop()
      }
    },
    async cancel(reason) {
      await events.return(undefined)
      await body.cancel(reason).catch(() => undefined)
    },
  })
}
