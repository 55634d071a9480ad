/**
 * Runs `load` once, on first use, and hands every later use the same result;
 * concurrent first uses share the one load, and a failed load is tried again
 * on the next use. For what only some calls need (an AWS SDK client a few
 * routes use, a signing key): imported on first use, a cold start does not pay
 * for it.
 *
 * @example
 * const bedrock = loadOnce(async () => new (await import('./bedrock-embedder.ts')).BedrockEmbedder(...))
 * const vector = await (await bedrock()).embed('rain in Oslo?')
 */
export const loadOnce = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loading: Promise<T> | undefined
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    })
    return loading
  }
}
