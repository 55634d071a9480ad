import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Waits, when less than `neededMs` of the current clock minute is left, until the next
 * minute has begun: the per-minute rate limits count in windows of a clock minute, so a
 * burst that must be counted together (the calls that spend a limit, then the one it
 * refuses) is started right after this, not where it could straddle two windows.
 * The wait is at most `neededMs` and a half second: give the test that much more time.
 */
export const inOneMinute = async (neededMs = 15_000): Promise<void> => {
  const left = 60_000 - (Date.now() % 60_000)
  if (left < neededMs) await sleep(left + 500)
}
