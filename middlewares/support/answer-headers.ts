import type { MiddlewareObj } from '@middy/core'

/**
 * Headers every answer to a request must carry once a middleware has decided them (the rate
 * limit's `RateLimit` and `RateLimit-Policy`), whichever way the answer is made: the handler's
 * (the deciding middleware's `after`), an error the error middleware renders, or the early
 * refusal of a middleware after it, for which Middy runs no `after` at all. So the deciding
 * middleware keeps them on the request, and each way of answering adds them.
 */
const key = 'answerHeaders'

interface Kept {
  internal: Record<string, unknown>
}

interface Answer {
  headers?: Record<string, string>
}

/** Header lists (`RateLimit`, `RateLimit-Policy`) take a second policy appended, not overwritten. */
export const mergeHeaderLists = (
  into: Record<string, string> | undefined,
  add: Record<string, string>,
): Record<string, string> => {
  const merged = { ...into }
  for (const [name, value] of Object.entries(add)) {
    const present = merged[name]
    merged[name] = present !== undefined && present !== value ? `${present}, ${value}` : value
  }
  return merged
}

/** Keeps `headers` for every answer to `request`, beside any kept before. */
export const keepAnswerHeaders = (request: Kept, headers: Record<string, string>): void => {
  request.internal[key] = mergeHeaderLists(
    request.internal[key] as Record<string, string> | undefined,
    headers,
  )
}

/** `response` with the headers kept for `request` added; anything that is no answer as it is. */
export const withAnswerHeaders = <T>(request: Kept, response: T): T => {
  const kept = request.internal[key] as Record<string, string> | undefined
  if (!kept || typeof response !== 'object' || response === null) return response
  return { ...response, headers: mergeHeaderLists((response as Answer).headers, kept) }
}

/**
 * A middleware whose `before` may answer early (a refusal) answering with the headers kept for
 * the request: Middy runs no `after` for an early answer, so no one else could add them.
 *
 * @example
 * middy().use(rateLimit(options)).use(answersWithKeptHeaders(agentGrant()))
 */
export const answersWithKeptHeaders = <
  TEvent,
  TResult,
  TError extends Error,
  TContext,
  TInternal extends Record<string, unknown>,
>(
  middleware: MiddlewareObj<TEvent, TResult, TError, TContext, TInternal>,
): MiddlewareObj<TEvent, TResult, TError, TContext, TInternal> => {
  const { before } = middleware
  if (!before) return middleware
  return {
    ...middleware,
    before: async (request) => {
      const early = await before(request)
      return early === undefined ? undefined : withAnswerHeaders(request as unknown as Kept, early)
    },
  }
}
