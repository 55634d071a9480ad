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

/** What each step's `before` came to, in the steps' order; none for a step never started. */
type Outcomes = (PromiseSettledResult<unknown> | undefined)[]

/** An outcome that decides the call: the step answered early, or threw. */
const decides = (outcome: PromiseSettledResult<unknown> | undefined) =>
  outcome !== undefined && (outcome.status === 'rejected' || outcome.value !== undefined)

/**
 * Steps whose `before`s `settle` runs (at once, or one after another), answering as if they
 * had run one after another in the order given: the first that answers early or throws
 * decides. Every other step that went through gets its `onError`, which gives back what its
 * `before` took (a stream slot), before the answer goes on, so a refused call holds nothing.
 * Their `after` and `onError` run in reverse order, as Middy runs a chain.
 */
const groupOf = <TEvent, TContext>(
  steps: Step<TEvent, TContext>[],
  settle: (
    request: Request<TEvent, unknown, Error, TContext, Record<string, unknown>>,
  ) => Promise<Outcomes>,
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

  const groupBefore = async (request: R) => {
    const outcomes = await settle(request)
    const decisive = outcomes.findIndex(decides)
    const decided = outcomes[decisive]
    if (!decided) return
    // Every other step that went through gives back what it took.
    const through = steps.filter((_, i) => {
      const outcome = outcomes[i]
      return i !== decisive && outcome?.status === 'fulfilled' && outcome.value === undefined
    })
    givenBack.set(request, new Set(through))
    await Promise.all(through.map((step) => step.onError?.(request)))
    if (decided.status === 'rejected') throw decided.reason
    return decided.value
  }

  return {
    before: groupBefore,
    after: (request: R) => inReverse(request, 'after'),
    onError: (request: R) => inReverse(request, 'onError'),
  }
}

/**
 * Runs the `before` of several middlewares at once, so their database requests
 * wait one round trip together instead of one each, and answers as if they had
 * run one after another in the order given (`groupOf`: the first that answers
 * early or throws decides, and every other that went through gives back what it
 * took). Only steps whose `before` a later refusal may undo, and whose work no
 * other call can see meanwhile, belong here: reads, or a write counted as it
 * would have been in sequence (a rate limit). Not a write another call's
 * decision reads: a stream slot a refused call held for one round trip could
 * refuse a stream the cap had room for (`inOrder` it, after the group).
 *
 * @example
 * middy()
 *   .use(verifiedCaller())
 *   .use(concurrently(rateLimit(limits), taskOwnership(owners), agentLookup(lookup)))
 *   .handler(forward)
 */
export const concurrently = <TEvent, TContext>(
  ...steps: Step<TEvent, TContext>[]
): Step<TEvent, TContext> =>
  groupOf(steps, (request) =>
    Promise.allSettled(steps.map((step) => started(step.before, request))),
  )

/**
 * Runs the `before` of several middlewares one after another, as a chain does,
 * but when one answers early or throws, each before it that went through gets
 * its `onError` (giving back what it took) before the answer goes on. A plain
 * chain does not: Middy skips every `after` and `onError` on an early answer,
 * so a stream slot taken before a later step refused the call would stay taken.
 *
 * @example
 * middy()
 *   .use(inOrder(streamConcurrency(slots), pushCallbacks(configs)))
 *   .handler(forward)
 */
export const inOrder = <TEvent, TContext>(
  ...steps: Step<TEvent, TContext>[]
): Step<TEvent, TContext> =>
  groupOf(steps, async (request) => {
    const outcomes: Outcomes = []
    for (const step of steps) {
      const [outcome] = await Promise.allSettled([started(step.before, request)])
      outcomes.push(outcome)
      if (decides(outcome)) break
    }
    return outcomes
  })
