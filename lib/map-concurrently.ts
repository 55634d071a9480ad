/**
 * `fn` over every item, at most `limit` at a time, results in the items' order.
 * The first failure rejects (calls already started finish, none starts after).
 *
 * @example
 * const vectors = await mapConcurrently(texts, 8, (text) => embedder.embed(text))
 */
export const mapConcurrently = async <Item, Result>(
  items: readonly Item[],
  limit: number,
  fn: (item: Item) => Promise<Result>,
): Promise<Result[]> => {
  const results: Result[] = new Array(items.length)
  let next = 0
  let failed = false
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index] as Item)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
