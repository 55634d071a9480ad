/**
 * Why an open stream may no longer be served: its agent deleted or deactivated, or the caller's
 * token revoked since it opened.
 */
export type StreamWithdrawal = 'agent-withdrawn' | 'token-revoked'

/**
 * Asks every `everyMs` whether an open stream may still be served, and aborts `backendRequest`
 * the first time the answer is a withdrawal, so a delete or deactivation of its agent, or a
 * revocation of its caller's token, also ends the streams already open. A check that fails (the
 * table did not answer) is no verdict: the next one decides.
 *
 * @example
 * const watch = watchAgent(withdrawalOf, 250, backendCall)
 * // when the stream ends, however it ends:
 * watch.stop()
 */
export const watchAgent = (
  withdrawal: () => Promise<StreamWithdrawal | undefined>,
  everyMs: number,
  backendRequest: AbortController,
) => {
  let withdrawn: StreamWithdrawal | undefined
  let checking = false
  const timer = setInterval(async () => {
    if (checking) return
    checking = true
    try {
      withdrawn = await withdrawal()
      if (withdrawn) {
        clearInterval(timer)
        backendRequest.abort()
      }
    } catch {
      // The next check decides.
    } finally {
      checking = false
    }
  }, everyMs)
  timer.unref()
  return {
    /** Why the stream was ended, if a check ended it. */
    withdrawn: () => withdrawn,
    stop: () => clearInterval(timer),
  }
}
