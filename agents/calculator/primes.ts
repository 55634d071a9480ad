import { setImmediate as yieldToEventLoop } from 'node:timers/promises'

/** The largest limit `countPrimes` accepts: tens of seconds of sieving. */
export const MAX_PRIME_LIMIT = 10_000_000_000

/** Numbers sieved per segment: small enough to notice a cancel within milliseconds. */
const SEGMENT_SIZE = 1 << 18

/** How far a count has got. */
export interface PrimeCountProgress {
  /** Every number up to this one has been sieved. */
  countedUpTo: number
  /** Primes found up to `countedUpTo`. */
  primes: number
}

/**
 * Counts the primes up to `limit` (inclusive) with a segmented sieve of
 * Eratosthenes, yielding after each segment how far it has got, and giving
 * the event loop a turn between segments so that a cancel can be heard. The
 * work, and so the time, grows with the limit (about n log log n): 10^6 is
 * instant, 10^8 a fraction of a second, 10^10 tens of seconds.
 *
 * @example
 * let last
 * for await (const progress of countPrimes(100)) last = progress
 * last // { countedUpTo: 100, primes: 25 }
 */
export async function* countPrimes(
  limit: number,
  signal?: AbortSignal,
): AsyncGenerator<PrimeCountProgress> {
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_PRIME_LIMIT) {
    throw new RangeError(`limit must be a whole number from 0 to ${MAX_PRIME_LIMIT}`)
  }
  const basePrimes = primesUpTo(Math.floor(Math.sqrt(limit)))
  const segment = new Uint8Array(SEGMENT_SIZE)
  let primes = 0
  for (let low = 2; low <= limit; low += SEGMENT_SIZE) {
    signal?.throwIfAborted()
    const high = Math.min(low + SEGMENT_SIZE - 1, limit)
    segment.fill(1, 0, high - low + 1)
    for (const prime of basePrimes) {
      if (prime * prime > high) break
      const first = Math.max(prime * prime, Math.ceil(low / prime) * prime)
      for (let multiple = first; multiple <= high; multiple += prime) segment[multiple - low] = 0
    }
    for (let index = 0; index <= high - low; index++) primes += segment[index] ?? 0
    yield { countedUpTo: high, primes }
    await yieldToEventLoop()
  }
  if (limit < 2) yield { countedUpTo: limit, primes: 0 }
}

/** The primes up to `n` by a plain sieve (n is at most 10^5 here). */
function primesUpTo(n: number): number[] {
  const composite = new Uint8Array(n + 1)
  const found: number[] = []
  for (let candidate = 2; candidate <= n; candidate++) {
    if (composite[candidate]) continue
    found.push(candidate)
    for (let multiple = candidate * candidate; multiple <= n; multiple += candidate) {
      composite[multiple] = 1
    }
  }
  return found
}
