import { Readable } from 'node:stream'
import { BodyTooLargeError, readBounded } from '../http/read-bounded.ts'

/**
 * An agent's answer body as the forward path holds it: the bytes of a unary
 * answer read whole, the agent's own Node stream for a stream, or a web stream
 * where one was made (a translated event stream).
 */
export type BackendBody = Uint8Array | Readable | ReadableStream<Uint8Array>

/**
 * A web stream as a Node stream, for the relay's `'data'` events: one chunk
 * read per `_read`. Unlike `Readable.fromWeb`, which is destroyed as soon as
 * the web stream errors, a chunk read before the error (the last whole event
 * before a translated stream's error) is passed on first. It never reads
 * ahead (no buffer of its own): what a destroy on the web stream's error would
 * drop is only ever a chunk not yet read, and the relay's buffer is the one
 * that holds back from a caller who fell behind.
 */
export const nodeBody = (body: ReadableStream<Uint8Array>): Readable => {
  const reader = body.getReader()
  return new Readable({
    highWaterMark: 0,
    read() {
      const pull = (): Promise<unknown> =>
        reader.read().then(
          (next) => {
            if (next.done) return this.push(null)
            // An empty chunk is read past: pushed, it would leave a reader of `read()` waiting.
            if (next.value.byteLength === 0) return pull()
            return this.push(next.value)
          },
          (error) => this.destroy(error),
        )
      pull()
    },
    destroy(error, callback) {
      reader.cancel(error).catch(() => undefined)
      callback(error)
    },
  })
}

/** A body read whole, never more than `maxBytes` of it (readBounded's rule, for bytes too). */
export const bodyBytes = async (body: BackendBody, maxBytes: number): Promise<Uint8Array> => {
  if (!(body instanceof Uint8Array)) return readBounded(body, maxBytes)
  if (body.byteLength > maxBytes) throw new BodyTooLargeError(maxBytes)
  return body
}

const utf8 = new TextDecoder()

/** A body read whole as text, decoded as `Response.text()` decodes (UTF-8, a BOM dropped). */
export const bodyText = async (body: BackendBody | null): Promise<string> =>
  body ? utf8.decode(await bodyBytes(body, Number.POSITIVE_INFINITY)) : ''

const utf8KeepingMark = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * A body read whole as UTF-8 text with any byte-order mark kept, for a reader that passes one over
 * itself (`parseAnswer`, translation's parse) as a client does: decoded by `bodyText`, one mark
 * was dropped there and another by the parse, so an answer opened by two, which a client refuses,
 * was read until the 30th session.
 */
export const bodyTextAsSent = async (body: BackendBody | null): Promise<string> =>
  body ? utf8KeepingMark.decode(await bodyBytes(body, Number.POSITIVE_INFINITY)) : ''

/** Lets go of a body that will not be read (the socket goes back or is closed). */
export const discardBody = (body: BackendBody | null): void => {
  if (body instanceof Readable) body.destroy()
  else if (body instanceof ReadableStream) body.cancel().catch(() => undefined)
}

/** The body as a web stream, for what reads one (mapSse): made only where needed. */
export const webBody = (body: BackendBody): ReadableStream<Uint8Array> => {
  if (body instanceof Readable) return Readable.toWeb(body) as ReadableStream<Uint8Array>
  if (body instanceof Uint8Array)
    return new Response(body as Uint8Array<ArrayBuffer>).body as ReadableStream<Uint8Array>
  return body
}
