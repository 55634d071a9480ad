/**
 * `fn` over every item, at most `limit` at a time, results in the items' order.
 * The first failure rejects, once the calls already started have ended (none starts after it):
 * on Lambda a call still running when the handler answers is frozen with the function and
 * resumes in a later invocation, writing after its caller was told the work failed.
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
  let failure: { error: unknown } | undefined
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index] as Item)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure) throw failure.error
  return results
}
