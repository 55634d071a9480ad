import { SwitchboardError } from '../../lib/errors.ts'

/**
 * Why the gateway refused a request, for its access line: a middleware that answers early, with
 * no error Middy would keep (an unreadable call, a rate limit), names the reason here; a thrown
 * refusal is named by its error.
 */
const key = 'refusal'

interface Noted {
  internal: Record<string, unknown>
}

/** Notes why `request` was refused (`invalid-params`, `rate-limit`...), for its access line. */
export const noteRefusal = (request: Noted, reason: string): void => {
  request.internal[key] = reason
}

/**
 * Why the request was refused: as noted, else its error's code (a SwitchboardError's, or an AWS
 * SDK error's name); none for a request that was served.
 */
export const refusalOf = (request: Noted & { error?: unknown }): string | undefined => {
  const noted = request.internal[key]
  if (typeof noted === 'string') return noted
  const { error } = request
  if (error === undefined || error === null) return undefined
  if (error instanceof SwitchboardError) return error.code
  return error instanceof Error ? error.name : 'unknown'
}

/**
 * `failure`, noted as why `request` was refused: for a middleware that answers an A2A refusal
 * itself (`renderA2AFailure(refusedWith(request, failure), …)`).
 */
export const refusedWith = <F extends { kind: string }>(request: Noted, failure: F): F => {
  noteRefusal(request, failure.kind)
  return failure
}
