import { Readable } from 'node:stream'
import { BodyTooLargeError, readBounded } from '../http/read-bounded.ts'

/**
 * An agent's answer body as the forward path holds it: the bytes of a unary
 * answer read whole, the agent's own Node stream for a stream, or a web stream
 * where one was made (a translated event stream).
 */
export type BackendBody = Uint8Array | Readable | ReadableStream<Uint8Array>

/** One way to read any BackendBody chunk by chunk: `next` as a web reader's `read`. */
export interface BodyChunks {
  next: () => Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>
  /** Stops reading and lets go of the source (the socket, the web stream). */
  cancel: () => void
}

/**
 * Reads a BackendBody chunk by chunk, whatever it is: a Node stream through its
 * own async iterator, a web stream through its reader, bytes as one chunk.
 */
export const chunksOf = (body: BackendBody): BodyChunks => {
  if (body instanceof Uint8Array) {
    let sent = false
    return {
      next: async () => {
        if (sent || body.byteLength === 0) return { done: true }
        sent = true
        return { done: false, value: body }
      },
      cancel: () => undefined,
    }
  }
  if (body instanceof Readable) {
    const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
    return {
      next: () => iterator.next() as ReturnType<BodyChunks['next']>,
      cancel: () => void body.destroy(),
    }
  }
  const reader = body.getReader()
  return {
    next: () => reader.read() as ReturnType<BodyChunks['next']>,
    cancel: () => void reader.cancel().catch(() => undefined),
  }
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
