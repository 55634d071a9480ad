import { readFile, stat } from 'node:fs/promises'
import { inTurn, writeWhole } from '../json-file.ts'
import type {
  IndexedVector,
  StoredVector,
  VectorIndex,
  VectorMatch,
  VectorQuery,
} from './vector-index.ts'

/**
 * What a query scans. Every stored vector of the query's dimension, scaled to
 * length 1 so that cosine is a plain dot product, laid end to end in one
 * Float32Array (half the bytes of number[], read in order), with each row's
 * agent and status in arrays beside it. An agent may have several rows (its
 * card and its routing examples); it scores the best of them.
 */
interface Matrix {
  dimension: number
  /** The agents with rows, each once; rows name theirs by position here. */
  agents: string[]
  /** Row i's agent, a position in `agents`. */
  agentOf: Int32Array
  active: boolean[]
  /** Row i is values[i * dimension] to values[(i + 1) * dimension - 1]. */
  values: Float32Array
  /**
   * Scratch for one query (the rows that pass the filter, their scores, each
   * agent's best), made once per build: a query runs start to end without
   * yielding, so none overlap.
   */
  rows: Int32Array
  scores: Float64Array
  best: Float64Array
}

/** Which embedder made an index's vectors: vectors of two embedders are not comparable. */
export interface EmbedderIdentity {
  /** EMBEDDER: `local`, `bedrock`, `openai`, `hashing`. */
  kind: string
  model: string
  dimension: number
}

/** The file: the vectors and the embedder that made them (an older file is a bare list). */
interface IndexFile {
  embedder?: EmbedderIdentity
  vectors: IndexedVector[]
}

const sameEmbedder = (a: EmbedderIdentity | undefined, b: EmbedderIdentity | undefined) =>
  a !== undefined &&
  b !== undefined &&
  a.kind === b.kind &&
  a.model === b.model &&
  a.dimension === b.dimension

/** Per index file, how many writes this process has made to it. */
const writesTo = new Map<string, number>()

/** `versionOf` a file that is not there. */
const absent = 'absent'

/**
 * What tells one state of the index file from another: this process's writes to it (its handlers
 * each open the file, and two writes may share an mtime, which a coarse clock stamps), then the
 * file's inode (each write is a new file renamed over the old), mtime and size, for a write by
 * another process.
 */
const versionOf = (path: string): Promise<string> =>
  stat(path).then(
    ({ ino, mtimeMs, size }) => `${writesTo.get(path) ?? 0}:${ino}:${mtimeMs}:${size}`,
    () => absent,
  )

/** The index file's content, or an error naming the file and how to rebuild it. */
const parsedIndex = (path: string, text: string): IndexFile | IndexedVector[] => {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new Error(
      `The search index ${path} is not JSON (${(error as Error).message}): delete it and run \`npm run reindex\` with \`npm start\` stopped, which embeds every agent again.`,
    )
  }
}

/**
 * An in-process index with exact cosine search, kept in a JSON file when given
 * one (written whole, then renamed, so a crash never leaves half an index).
 * Given the embedder it serves, the file records it, and vectors a file holds
 * from another embedder (or from an unrecorded one) are never searched: the
 * index reads as empty until they are embedded again (`holdsOtherEmbedders`
 * says so; `npm start` re-embeds every agent then), and its first write
 * replaces them.
 */
export class LocalVectorIndex implements VectorIndex {
  readonly #path: string | undefined
  readonly #embedder: EmbedderIdentity | undefined
  #vectors: Map<string, IndexedVector> | undefined
  /** How many vectors the file holds from another embedder, left out of #vectors. */
  #foreign = 0
  /** The embedder the file names, kept on writes by an index told none. */
  #recorded: EmbedderIdentity | undefined
  /** The file as last read (`versionOf`): another handler or process may have written since. */
  #readAt = ''
  /** Built on the first query after the vectors change: put and delete only drop it. */
  #matrix: Matrix | undefined

  constructor(path?: string, embedder?: EmbedderIdentity) {
    this.#path = path
    this.#embedder = embedder
  }

  async put(vectors: IndexedVector[]): Promise<void> {
    await this.#change((all) => {
      for (const entry of vectors) all.set(entry.key, entry)
    })
  }

  async delete(keys: string[]): Promise<void> {
    await this.#change((all) => {
      for (const key of keys) all.delete(key)
    })
  }

  /**
   * Reads, changes and writes the index in its file's turn (`inTurn`): every handler of the local
   * stack opens the file, and changes at once would write over each other's.
   */
  async #change(change: (all: Map<string, IndexedVector>) => void): Promise<void> {
    const path = this.#path
    if (!path) {
      change(await this.#load())
      this.#matrix = undefined
      return
    }
    await inTurn(path, async () => {
      const all = await this.#load()
      change(all)
      this.#matrix = undefined
      try {
        await this.#save(path, all)
      } catch (error) {
        // The change is in memory only: read the file again next time.
        this.#vectors = undefined
        this.#readAt = ''
        throw error
      }
    })
  }

  async query(vector: readonly number[], { topK, agentIds }: VectorQuery): Promise<VectorMatch[]> {
    if (topK < 1) return []
    const all = await this.#load()
    if (this.#matrix?.dimension !== vector.length) this.#matrix = matrixOf(all, vector.length)
    return nearest(this.#matrix, unit(vector), new Set(agentIds), topK)
  }

  async keys(): Promise<string[]> {
    return [...(await this.#load()).keys()]
  }

  /** Only the configured embedder's vectors: another's are not in the index (see the class). */
  async vectors(keys: readonly string[]): Promise<StoredVector[]> {
    const all = await this.#load()
    return keys.flatMap((key) => {
      const stored = all.get(key)
      return stored ? [{ key, vector: stored.vector }] : []
    })
  }

  /** True when the file holds vectors another embedder made, which must be embedded again. */
  async holdsOtherEmbedders(): Promise<boolean> {
    await this.#load()
    return this.#foreign > 0
  }

  async #load(): Promise<Map<string, IndexedVector>> {
    if (!this.#path) {
      this.#vectors ??= new Map()
      return this.#vectors
    }
    const version = await versionOf(this.#path)
    if (this.#vectors && version === this.#readAt) return this.#vectors
    const read: IndexFile | IndexedVector[] =
      version === absent
        ? { vectors: [] }
        : parsedIndex(this.#path, await readFile(this.#path, 'utf8'))
    const stored: IndexFile = Array.isArray(read) ? { vectors: read } : read
    const usable = !this.#embedder || sameEmbedder(stored.embedder, this.#embedder)
    this.#vectors = new Map(usable ? stored.vectors.map((entry) => [entry.key, entry]) : [])
    this.#foreign = usable ? 0 : stored.vectors.length
    this.#recorded = stored.embedder
    this.#matrix = undefined
    this.#readAt = version
    return this.#vectors
  }

  async #save(path: string, all: Map<string, IndexedVector>): Promise<void> {
    const embedder = this.#embedder ?? this.#recorded
    const file: IndexFile = {
      ...(embedder ? { embedder } : {}),
      vectors: [...all.values()],
    }
    await writeWhole(path, JSON.stringify(file))
    writesTo.set(path, (writesTo.get(path) ?? 0) + 1)
    this.#foreign = 0
    this.#readAt = await versionOf(path)
  }
}

/**
 * The topK best agents among the allowed ones with active rows, best first,
 * each scored by its best row. The filter runs before any arithmetic, and most
 * agents fall below the Kth best and are dropped at once, so the 10,000 scores
 * are never sorted.
 */
const nearest = (
  matrix: Matrix,
  query: Float64Array,
  allowed: ReadonlySet<string>,
  topK: number,
): VectorMatch[] => {
  const { agents, agentOf, active, rows, best: bestOf } = matrix
  const allowedAgents = agents.map((agentId) => allowed.has(agentId))
  let count = 0
  for (let i = 0; i < agentOf.length; i++) {
    if (active[i] && allowedAgents[agentOf[i] as number]) rows[count++] = i
  }
  const scores = dots(matrix, query, count)
  bestOf.fill(Number.NEGATIVE_INFINITY)
  for (let c = 0; c < count; c++) {
    const agent = agentOf[rows[c] as number] as number
    if ((scores[c] as number) > (bestOf[agent] as number)) bestOf[agent] = scores[c] as number
  }
  const best: VectorMatch[] = []
  for (let a = 0; a < agents.length; a++) {
    const score = bestOf[a] as number
    if (score === Number.NEGATIVE_INFINITY) continue
    const key = agents[a] as string
    const last = best[topK - 1]
    if (last && !ranksBefore(score, key, last)) continue
    if (last) best.pop()
    let at = best.length
    while (at > 0 && ranksBefore(score, key, best[at - 1] as VectorMatch)) at--
    best.splice(at, 0, { key, score })
  }
  return best
}

/** Higher score first; on a tie, the key that sorts first, so results never depend on insertion order. */
const ranksBefore = (score: number, key: string, other: VectorMatch): boolean =>
  score > other.score || (score === other.score && key.localeCompare(other.key) < 0)

/**
 * Vectors of another dimension (from an embedder since replaced, awaiting
 * reindex) cannot be compared with the query, so they are left out.
 */
const matrixOf = (all: Map<string, IndexedVector>, dimension: number): Matrix => {
  const entries = [...all.values()].filter(({ vector }) => vector.length === dimension)
  const values = new Float32Array(entries.length * dimension)
  entries.forEach(({ vector }, i) => {
    values.set(unit(vector), i * dimension)
  })
  const agents = [...new Set(entries.map(({ metadata }) => metadata.agentId))]
  const positions = new Map(agents.map((agentId, a) => [agentId, a]))
  return {
    dimension,
    agents,
    agentOf: Int32Array.from(entries, ({ metadata }) => positions.get(metadata.agentId) as number),
    active: entries.map(({ metadata }) => metadata.status === 'active'),
    values,
    rows: new Int32Array(entries.length),
    scores: new Float64Array(entries.length),
    best: new Float64Array(agents.length),
  }
}

/** The vector scaled to length 1; all zeros stays all zeros, so it scores 0 rather than NaN. */
const unit = (vector: readonly number[]): Float64Array => {
  let squares = 0
  for (const x of vector) squares += x * x
  const length = Math.sqrt(squares)
  return Float64Array.from(vector, (x) => (length === 0 ? 0 : x / length))
}

/**
 * The query's non-zero elements and where they are. A query embedded from a
 * short text is mostly zeros (its hashed concepts fill few buckets), so the scan
 * only reads the rows' elements that can count.
 */
const nonZerosOf = (query: Float64Array) => {
  const positions: number[] = []
  for (let j = 0; j < query.length; j++) if (query[j] !== 0) positions.push(j)
  return {
    positions: Int32Array.from(positions),
    values: Float64Array.from(positions, (j) => query[j] as number),
  }
}

/**
 * The query's dot product with each listed row, in double precision. Four rows
 * at a time: each query element is loaded once for four products, and the four
 * sums do not wait on each other, which makes the scan about 1.5 times faster.
 */
const dots = (
  { values, dimension, rows, scores }: Matrix,
  query: Float64Array,
  count: number,
): Float64Array => {
  const { positions, values: weights } = nonZerosOf(query)
  const n = positions.length
  let c = 0
  for (; c + 3 < count; c += 4) {
    const r0 = (rows[c] as number) * dimension
    const r1 = (rows[c + 1] as number) * dimension
    const r2 = (rows[c + 2] as number) * dimension
    const r3 = (rows[c + 3] as number) * dimension
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (let k = 0; k < n; k++) {
      const j = positions[k] as number
      const q = weights[k] as number
      s0 += (values[r0 + j] as number) * q
      s1 += (values[r1 + j] as number) * q
      s2 += (values[r2 + j] as number) * q
      s3 += (values[r3 + j] as number) * q
    }
    scores[c] = s0
    scores[c + 1] = s1
    scores[c + 2] = s2
    scores[c + 3] = s3
  }
  for (; c < count; c++) {
    const r = (rows[c] as number) * dimension
    let s = 0
    for (let k = 0; k < n; k++) {
      s += (values[r + (positions[k] as number)] as number) * (weights[k] as number)
    }
    scores[c] = s
  }
  return scores
}
