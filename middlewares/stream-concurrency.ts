import { type Readable, Transform } from 'node:stream'
import type { MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import type { HttpResponse } from '../lib/http/http-response.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import type { StreamSlot, StreamSlotRequest, StreamSlots } from '../lib/ratelimit/stream-slots.ts'
import type { ChainRequest } from './support/chain-request.ts'
import { isNodeStream, passedThrough } from './support/response-body.ts'

export interface StreamConcurrencyOptions<R> {
  slots: StreamSlots
  /** The stream this request would open, and the cap; undefined = not a stream. */
  subject: (request: R) => StreamSlotRequest | undefined
  /** The 429 answer in the caller's protocol. */
  limitedResponse: (request: R, limit: number) => HttpResponse
  /** Told when a slot could not be given back (it then lapses 15 minutes after it was taken). */
  onReleaseError?: (error: unknown) => void
}

const key = 'streamConcurrency'

/**
 * Calls `then` once a reader of `stream` in flowing mode (a `data` listener:
 * `pipe`, taskOwnership) has taken all it holds: not paused, nothing buffered.
 * A reader that pauses while it handles a chunk (taskOwnership records the
 * tasks an event names before passing it on) is not done with it until it
 * resumes. Any other reader (an async iterator) is not waited for.
 */
const onceTaken = (stream: Readable, then: () => void) => {
  const check = () => {
    if (stream.destroyed || stream.listenerCount('data') === 0) return then()
    const recheck = () => process.nextTick(check)
    if (stream.readableFlowing === false) return void stream.once('resume', recheck)
    // Buffered while flowing: handed on shortly, and the reader may pause on it.
    if (stream.readableLength > 0) return void stream.once('data', recheck)
    then()
  }
  check()
}

/**
 * The body, ending or closing only once `release` has settled: Lambda may freeze
 * a function as soon as its response ends, so a slot given back after the end
 * could stay taken until it lapses, 15 minutes after it was taken. However the
 * body ends (done, failed, the reader refusing it, or the caller gone, which
 * destroys this stream and so the one it reads), the slot goes back first. After
 * a body that ended, the slot goes back once the reader has taken its last chunk:
 * its write never waits beside the task owner's, recorded before the event that
 * names the task goes on to the caller.
 */
const endingAfter = (body: Readable, release: () => Promise<void>): Readable => {
  // One release, awaited by whichever of the end and the destroy comes first, and by the other.
  let releasing: Promise<void> | undefined
  const released = () => {
    releasing ??= release()
    return releasing
  }
  const answer = new Transform({
    transform: (chunk, _encoding, callback) => callback(null, chunk),
    // Runs once the body has ended, before the answer ends.
    flush: (callback) => {
      onceTaken(answer, () => void released().then(() => callback(), callback))
    },
    // Runs however the answer goes (its end too): it closes only once the slot is back.
    destroy: (error, callback) => {
      void released().then(() => callback(error), callback)
    },
  })
  // A body that fails, or an answer the caller abandons, destroys the other.
  return passedThrough(body, answer)
}

/**
 * Caps the streams a caller holds open on one agent. The slot is taken before
 * the call and given back when the streamed body ends, fails or is abandoned,
 * which Middy's `after` cannot see, so it wraps the body, whose end waits for
 * the slot to be given back.
 *
 * @example
 * middy().use(streamConcurrency({ slots, subject, limitedResponse })).handler(forward)
 */
export const streamConcurrency = <TEvent = unknown, TContext extends Context = Context>(
  options: StreamConcurrencyOptions<ChainRequest<TEvent, TContext>>,
): MiddlewareObj<TEvent, unknown, Error, TContext, Record<string, unknown>> => {
  type R = ChainRequest<TEvent, TContext>
  checkOptions('streamConcurrency', options, {
    slots: optionRules.methods('acquire', 'release'),
    subject: optionRules.function(),
    limitedResponse: optionRules.function(),
    onReleaseError: optionRules.function().optional(),
  })
  const { slots, subject, limitedResponse, onReleaseError = () => undefined } = options

  const release = async (request: R) => {
    const held = request.internal[key] as StreamSlot | undefined
    if (!held) return
    request.internal[key] = undefined
    await slots.release(held).catch(onReleaseError)
  }

  const streamConcurrencyMiddlewareBefore = async (request: R) => {
    const stream = subject(request)
    if (!stream) return
    const slot = await slots.acquire(stream)
    if (!slot) {
      const response = limitedResponse(request, stream.limit)
      return { ...response, headers: { ...response.headers, 'Retry-After': '1' } }
    }
    request.internal[key] = slot
  }

  const streamConcurrencyMiddlewareAfter = async (request: R) => {
    if (!request.internal[key]) return
    const response = request.response as HttpResponse | undefined
    if (response && isNodeStream(response.body)) {
      request.response = { ...response, body: endingAfter(response.body, () => release(request)) }
    } else await release(request)
  }

  const streamConcurrencyMiddlewareOnError = (request: R) => release(request)

  return {
    before: streamConcurrencyMiddlewareBefore,
    after: streamConcurrencyMiddlewareAfter,
    onError: streamConcurrencyMiddlewareOnError,
  }
}
