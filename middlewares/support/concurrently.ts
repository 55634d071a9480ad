import type { MiddlewareObj, Request } from '@middy/core'

type Step<TEvent, TContext> = MiddlewareObj<
  TEvent,
  unknown,
  Error,
  TContext,
  Record<string, unknown>
>

/** A step's `before`, started now: a throw comes back as a rejected promise. */
const started = <R>(before: ((request: R) => unknown) | undefined, request: R) => {
  try {
    return Promise.resolve(before?.(request))
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Runs the `before` of several middlewares at once, so their database requests
 * wait one round trip together instead of one each, and answers as if they had
 * run one after another in the order given: the first that answers early or
 * throws decides, whatever the later ones did. A step that went through while
 * another decided gets its `onError`, which gives back what its `before` took
 * (a stream slot), before the answer goes on, so a refused call holds nothing.
 * Their `after` and `onError` run in reverse order, as Middy runs a chain.
 * Only steps whose `before` a later refusal may undo belong here: reads, or a
 * write with an `onError` that gives it back (a counted request stays counted,
 * as it would have been in sequence).
 *
 * @example
 * middy()
 *   .use(verifiedCaller())
 *   .use(concurrently(rateLimit(limits), taskOwnership(owners), streamConcurrency(slots)))
 *   .handler(forward)
 */
export const concurrently = <TEvent, TContext>(
  ...steps: Step<TEvent, TContext>[]
): Step<TEvent, TContext> => {
  type R = Request<TEvent, unknown, Error, TContext, Record<string, unknown>>

  /** Per request, the steps already given back: their `onError` ran once and does not run again. */
  const givenBack = new WeakMap<R, Set<Step<TEvent, TContext>>>()

  const reversed = [...steps].reverse()
  const inReverse = async (request: R, phase: 'after' | 'onError') => {
    for (const step of reversed) {
      if (phase === 'onError' && givenBack.get(request)?.has(step)) continue
      const answer = await step[phase]?.(request)
      if (answer !== undefined) return answer
    }
  }

  const concurrentlyMiddlewareBefore = async (request: R) => {
    const outcomes = await Promise.allSettled(steps.map((step) => started(step.before, request)))
    const decisive = outcomes.findIndex(
      (outcome) => outcome.status === 'rejected' || outcome.value !== undefined,
    )
    const decided = outcomes[decisive]
    if (!decided) return
    // Every other step that went through gives back what it took.
    const through = steps.filter((_, i) => {
      const outcome = outcomes[i] as PromiseSettledResult<unknown>
      return i !== decisive && outcome.status === 'fulfilled' && outcome.value === undefined
    })
    givenBack.set(request, new Set(through))
    await Promise.all(through.map((step) => step.onError?.(request)))
    if (decided.status === 'rejected') throw decided.reason
    return decided.value
  }

  const concurrentlyMiddlewareAfter = (request: R) => inReverse(request, 'after')
  const concurrentlyMiddlewareOnError = (request: R) => inReverse(request, 'onError')

  return {
    before: concurrentlyMiddlewareBefore,
    after: concurrentlyMiddlewareAfter,
    onError: concurrentlyMiddlewareOnError,
  }
}
