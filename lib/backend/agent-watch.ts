/**
 * Asks every `everyMs` whether the agent an open stream goes to is still
 * served, and aborts `backendRequest` the first time it is not, so a delete or
 * deactivation also ends the streams already open. A check that fails (the
 * table did not answer) is no verdict: the next one decides.
 *
 * @example
 * const watch = watchAgent(stillServed(lookupAgent, record), 250, backendCall)
 * // when the stream ends, however it ends:
 * watch.stop()
 */
export const watchAgent = (
  stillServed: () => Promise<boolean>,
  everyMs: number,
  backendRequest: AbortController,
) => {
  let withdrawn = false
  let checking = false
  const timer = setInterval(async () => {
    if (checking) return
    checking = true
    try {
      if (!(await stillServed())) {
        withdrawn = true
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
    /** Whether the stream was ended because the agent is no longer served. */
    withdrawn: () => withdrawn,
    stop: () => clearInterval(timer),
  }
}
