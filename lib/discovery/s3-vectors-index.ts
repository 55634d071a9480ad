import {
  DeleteVectorsCommand,
  GetVectorsCommand,
  ListVectorsCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  type S3VectorsClient,
} from '@aws-sdk/client-s3vectors'
import { mapConcurrently } from '../map-concurrently.ts'
import {
  agentIdOfKey,
  type IndexedVector,
  type StoredVector,
  type VectorIndex,
  type VectorMatch,
  type VectorQuery,
} from './vector-index.ts'

/** The most vectors one PutVectors, and keys one DeleteVectors, may carry. */
const batchSize = 500

/** The most keys one GetVectors may name. */
const getBatchSize = 100

/** GetVectors calls one `vectors` keeps in flight: 100 agents of 50 routing examples are 51 calls. */
const getConcurrency = 4

const batches = <T>(items: readonly T[], size = batchSize): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  )

/**
 * Amazon S3 Vectors: an agent's vectors (its card's, keyed by agentId, and its
 * routing examples', see vectorKeysOf), cosine distance, queries filtered on
 * metadata so only the caller's permitted, active agents come back.
 */
export class S3VectorsIndex implements VectorIndex {
  readonly #client: Pick<S3VectorsClient, 'send'>
  readonly #location: { vectorBucketName: string; indexName: string }

  constructor(client: Pick<S3VectorsClient, 'send'>, vectorBucketName: string, indexName: string) {
    this.#client = client
    this.#location = { vectorBucketName, indexName }
  }

  async put(vectors: IndexedVector[]): Promise<void> {
    for (const batch of batches(vectors)) {
      await this.#client.send(
        new PutVectorsCommand({
          ...this.#location,
          vectors: batch.map(({ key, vector, metadata }) => ({
            key,
            data: { float32: vector },
            metadata: { ...metadata },
          })),
        }),
      )
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const batch of batches(keys)) {
      await this.#client.send(new DeleteVectorsCommand({ ...this.#location, keys: batch }))
    }
  }

  /** Every vector's key, a page of up to 1,000 at a time (ListVectors' most), data and metadata left out. */
  async keys(): Promise<string[]> {
    const keys: string[] = []
    let nextToken: string | undefined
    do {
      const page = await this.#client.send(
        new ListVectorsCommand({ ...this.#location, maxResults: 1000, nextToken }),
      )
      for (const { key } of page.vectors ?? []) if (key) keys.push(key)
      nextToken = page.nextToken
    } while (nextToken)
    return keys
  }

  /**
   * The vectors of these keys with their data (float32, as a query scores them), 100 keys a
   * GetVectors; a key the index does not hold is not in its answer. A batch refused as not found
   * gives none of its vectors rather than failing the rest: GetVectors' answer to an absent key
   * has not been seen on AWS (an absent vector is one to embed, so it costs calls, not a result).
   */
  async vectors(keys: readonly string[]): Promise<StoredVector[]> {
    const answers = await mapConcurrently(batches(keys, getBatchSize), getConcurrency, (batch) =>
      this.#client
        .send(new GetVectorsCommand({ ...this.#location, keys: batch, returnData: true }))
        .catch((error: unknown) => {
          if ((error as Error).name === 'NotFoundException') return { vectors: [] }
          throw error
        }),
    )
    return answers.flatMap(({ vectors = [] }) =>
      vectors.flatMap(({ key, data }) =>
        key && data?.float32 ? [{ key, vector: data.float32 }] : [],
      ),
    )
  }

  /**
   * S3 Vectors ranks vectors, and an agent may have several: the best-ranked
   * vector of each agent is its score. When an answer's vectors name fewer than
   * topK agents, the rest are asked for again without the agents already found
   * (whose every vector ranks after the ones found, so the order holds); each
   * round finds at least one more agent, or the last one ends it.
   */
  async query(vector: number[], { topK, agentIds }: VectorQuery): Promise<VectorMatch[]> {
    const found = new Map<string, number>()
    let remaining = [...agentIds]
    while (found.size < topK && remaining.length > 0) {
      const asked = topK - found.size
      const { vectors = [] } = await this.#client.send(
        new QueryVectorsCommand({
          ...this.#location,
          topK: asked,
          queryVector: { float32: vector },
          filter: { $and: [{ agentId: { $in: remaining } }, { status: { $eq: 'active' } }] },
          returnDistance: true,
        }),
      )
      for (const { key, distance } of vectors) {
        const agentId = agentIdOfKey(key ?? '')
        // Cosine distance is 1 - cosine similarity.
        if (!found.has(agentId)) found.set(agentId, 1 - (distance ?? 1))
      }
      if (vectors.length < asked) break
      remaining = remaining.filter((agentId) => !found.has(agentId))
    }
    return [...found].slice(0, topK).map(([key, score]) => ({ key, score }))
  }
}
