import { type JournaledLevel, journaledLevel } from '../../local/journaled-store.ts'

/**
 * Journaled stores opened as dynalite opens its own (`valueEncoding: 'json'`) in the folder
 * `dirOf()` names when each is opened; `closeAll` (a test's afterEach) closes every one.
 *
 * @example
 * const stores = journaledStores<Writable>(() => dir)
 * afterEach(stores.closeAll)
 * const store = await stores.open({ compactAfterBytes: 1_000 })
 */
export const journaledStores = <S extends JournaledLevel>(dirOf: () => string) => {
  const Store = journaledLevel()
  const opened: JournaledLevel[] = []
  return {
    open: async (options: { compactAfterBytes?: number } = {}): Promise<S> => {
      const store = new Store(dirOf(), { valueEncoding: 'json', ...options }) as S
      opened.push(store)
      await store.open()
      return store
    },
    closeAll: async () => {
      for (const store of opened.splice(0)) await store.close()
    },
  }
}
