/**
 * Keeps each key's read in memory for at most `ttlMs`, counted from when the
 * read began (not when it ended), so whatever was written before a read began
 * is gone from the cache `ttlMs` after that write. Calls that miss while a
 * read is under way share it; a failed read is not remembered, nor a value
 * `remember` turns down (once its read is over). Expired entries are swept
 * out at most once per `ttlMs`, so memory stays bounded without a miss paying
 * for a walk over every key (a registry of thousands of agents misses often).
 * A read that seems to have begun later than now (the clock was set back) is of no known age,
 * so it is read again: otherwise an hour's step back would serve it, a deleted agent or an
 * unrevoked token, for an hour more.
 *
 * @example
 * const agents = boundedCache<AgentRecord | undefined>(1000, Date.now, (record) => record !== undefined)
 * await agents('weather', () => registry.get('weather')) // at most one read per key per second
 */
export const boundedCache = <V>(
  ttlMs: number,
  now: () => number,
  remember: (value: V) => boolean = () => true,
) => {
  const cache = new Map<string, { value: Promise<V>; readAt: number }>()
  /** Whether `since` lies under `ttlMs` before `at`: never when it lies after it. */
  const within = (since: number, at: number) => at >= since && at - since < ttlMs
  let sweptAt = now()
  const sweep = () => {
    if (within(sweptAt, now())) return
    sweptAt = now()
    for (const [stale, entry] of cache) if (!within(entry.readAt, sweptAt)) cache.delete(stale)
  }
  return async function boundedCacheRead(key: string, read: () => Promise<V>): Promise<V> {
    const hit = cache.get(key)
    if (hit && within(hit.readAt, now())) return hit.value
    sweep()
    const readAt = now() // taken before the read is issued, so the bound never starts late
    const entry = { value: read(), readAt }
    if (ttlMs > 0) cache.set(key, entry)
    try {
      const value = await entry.value
      // Forgotten once its read is over; unless a newer read began meanwhile.
      if (!remember(value) && cache.get(key) === entry) cache.delete(key)
      return value
    } catch (error) {
      if (cache.get(key) === entry) cache.delete(key)
      throw error
    }
  }
}
