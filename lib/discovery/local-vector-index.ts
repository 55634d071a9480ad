import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { cosine } from './embedder.ts'
import type { IndexedVector, VectorIndex, VectorMatch, VectorQuery } from './vector-index.ts'

/**
 * An in-process index with exact cosine search, kept in a JSON file when given
 * one (written whole, then renamed, so a crash never leaves half an index).
 */
export class LocalVectorIndex implements VectorIndex {
  readonly #path: string | undefined
  #vectors: Map<string, IndexedVector> | undefined
  /** The file's mtime when last read: another process (or handler) may have written since. */
  #readAt = -1

  constructor(path?: string) {
    this.#path = path
  }

  async put(vectors: IndexedVector[]): Promise<void> {
    const all = await this.#load()
    for (const entry of vectors) all.set(entry.key, entry)
    await this.#save(all)
  }

  async delete(keys: string[]): Promise<void> {
    const all = await this.#load()
    for (const key of keys) all.delete(key)
    await this.#save(all)
  }

  async query(vector: number[], { topK, agentIds }: VectorQuery): Promise<VectorMatch[]> {
    const allowed = new Set(agentIds)
    return [...(await this.#load()).values()]
      .filter(({ metadata }) => metadata.status === 'active' && allowed.has(metadata.agentId))
      .map(({ key, vector: indexed }) => ({ key, score: cosine(vector, indexed) }))
      .sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))
      .slice(0, topK)
  }

  async #load(): Promise<Map<string, IndexedVector>> {
    if (!this.#path) {
      this.#vectors ??= new Map()
      return this.#vectors
    }
    const modified = await stat(this.#path).then(
      (stats) => stats.mtimeMs,
      () => 0,
    )
    if (this.#vectors && modified === this.#readAt) return this.#vectors
    const stored: IndexedVector[] =
      modified === 0 ? [] : JSON.parse(await readFile(this.#path, 'utf8'))
    this.#vectors = new Map(stored.map((entry) => [entry.key, entry]))
    this.#readAt = modified
    return this.#vectors
  }

  async #save(all: Map<string, IndexedVector>): Promise<void> {
    if (!this.#path) return
    await mkdir(dirname(this.#path), { recursive: true })
    const temporary = `${this.#path}.${process.pid}.tmp`
    await writeFile(temporary, JSON.stringify([...all.values()]))
    await rename(temporary, this.#path)
    this.#readAt = (await stat(this.#path)).mtimeMs
  }
}
