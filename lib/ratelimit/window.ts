/** A fixed rate-limit window: which one `now` falls in and when it ends. */
export interface RateWindow {
  /** Window number since the epoch; part of the counter's key. */
  index: number
  /** When the window ends, epoch milliseconds. */
  endsAt: number
}

export const windowAt = (nowMs: number, windowSeconds: number): RateWindow => {
  const length = windowSeconds * 1000
  const index = Math.floor(nowMs / length)
  return { index, endsAt: (index + 1) * length }
}

/** Whole seconds until the window ends, at least 1 (what Retry-After says). */
export const secondsLeft = (window: RateWindow, nowMs: number): number =>
  Math.max(1, Math.ceil((window.endsAt - nowMs) / 1000))
