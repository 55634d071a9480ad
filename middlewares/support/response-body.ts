import { finished, type Readable, type Transform } from 'node:stream'
import { readBounded } from '../../lib/http/read-bounded.ts'

/** Whether a response body is a Node stream (a streamed answer) rather than a whole string. */
export const isNodeStream = (body: unknown): body is Readable =>
  typeof (body as { pipe?: unknown })?.pipe === 'function'

/**
 * A response body as text: a string as it is, a stream read to its end;
 * undefined for anything else.
 *
 * @example
 * const text = await bodyText(request.response.body)
 */
export const bodyText = async (body: unknown): Promise<string | undefined> => {
  if (typeof body === 'string') return body
  if (!isNodeStream(body)) return undefined
  const bytes = await readBounded(body, Number.POSITIVE_INFINITY)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}

/**
 * `pipeline(body, through, done)` for what the middlewares do to a streamed
 * answer (hand it on through a Transform), without the AbortController that
 * `pipeline` makes and aborts (an AbortError, its stack captured) on every
 * call: the same links, by `pipe` and `finished`. A body that fails or closes
 * early destroys `through` with its error; `through` failing or closed early
 * (the caller went away) destroys the body with that error; `done` is told
 * once, when `through` has taken the whole body (its `flush` done) or either failed.
 *
 * @example
 * const counted = new Transform({ transform: count })
 * return { ...response, body: passedThrough(response.body, counted) }
 */
export const passedThrough = <T extends Transform>(
  body: Readable,
  through: T,
  done: (error?: Error) => void = () => undefined,
): T => {
  let settled = false
  const settle = (error?: Error | null) => {
    if (settled) return
    settled = true
    if (error) {
      if (!body.destroyed) body.destroy(error)
      if (!through.destroyed) through.destroy(error)
    }
    done(error ?? undefined)
  }
  finished(body, { writable: false }, (error) => {
    if (error) settle(error)
  })
  finished(through, { readable: false }, settle)
  body.pipe(through)
  return through
}

/**
 * Destroys a streamed answer's body that nobody took: the runtime pipes a body into its response
 * stream, and when that stream had already closed (the caller left before the agent answered),
 * Node's `pipeline` fails without destroying the body, which then held the agent's request and
 * the stream's slot until the agent ended (a red team's finding). Destroyed, the body's links undo
 * all that as a caller leaving mid-stream does. A body read to its end, or destroyed already, is
 * left as it is.
 *
 * @example
 * middy({ requestEnd: (request) => releaseUntakenBody(request.response) })
 */
export const releaseUntakenBody = (response: unknown): void => {
  const body = (response as { body?: unknown } | undefined)?.body
  if (!isNodeStream(body) || body.destroyed || body.readableEnded) return
  body.destroy(new Error('the caller went away before the answer could be sent'))
}
