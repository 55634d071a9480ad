import { SwitchboardError } from '../../lib/errors.ts'

/**
 * Why the gateway refused a request, for its access line, carried by the answer itself: when
 * middlewares decide together (`concurrently`), the answer that goes out is the deciding one's,
 * and so is its reason. A thrown refusal is named by its error.
 */
const refusalReason = Symbol('refusalReason')

/** `answer`, marked as the gateway's refusal for `reason` (`rate-limit`, `invalid-params`...). */
export const refusedAs = <A extends object>(answer: A, reason: string): A =>
  Object.assign(answer, { [refusalReason]: reason })

/**
 * The answer `render` makes of `failure`, marked as a refusal of its kind.
 *
 * @example
 * return refused({ kind: 'forbidden', message }, (failure) => renderA2AFailure(failure, binding))
 */
export const refused = <const F extends { kind: string }, A extends object>(
  failure: F,
  render: (failure: F) => A,
): A => refusedAs(render(failure), failure.kind)

/**
 * Why the request was refused: as its answer says, else its error's code (a SwitchboardError's,
 * or an AWS SDK error's name); none for a request that was served.
 */
export const refusalOf = (request: { response?: unknown; error?: unknown }): string | undefined => {
  const { response, error } = request
  const marked =
    typeof response === 'object' && response !== null
      ? (response as { [refusalReason]?: unknown })[refusalReason]
      : undefined
  if (typeof marked === 'string') return marked
  if (error === undefined || error === null) return undefined
  if (error instanceof SwitchboardError) return error.code
  return error instanceof Error ? error.name : 'unknown'
}
