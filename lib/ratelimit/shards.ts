/**
 * How a window's limit is split over counter shards: shard `i` lets through its
 * quota, and the quotas add up to the limit exactly, so however requests spread
 * over the shards no more than `limit` pass.
 *
 * @example
 * shardQuotas(10, 4) // [3, 3, 2, 2]
 * shardQuotas(2, 4)  // [1, 1, 0, 0]
 */
export const shardQuotas = (limit: number, shards: number): number[] =>
  Array.from(
    { length: shards },
    (_, shard) => Math.floor(limit / shards) + (shard < limit % shards ? 1 : 0),
  )

/**
 * The order a request tries the shards in: every shard with a quota once,
 * starting at `start` (random per request, so concurrent callers spread out).
 */
export const shardOrder = (quotas: readonly number[], start: number): number[] =>
  quotas
    .map((_, offset) => (start + offset) % quotas.length)
    .filter((shard) => (quotas[shard] ?? 0) > 0)
