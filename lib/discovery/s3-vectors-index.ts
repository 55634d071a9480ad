import {
  DeleteVectorsCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  type S3VectorsClient,
} from '@aws-sdk/client-s3vectors'
import type { IndexedVector, VectorIndex, VectorMatch, VectorQuery } from './vector-index.ts'

/** The most vectors one PutVectors, and keys one DeleteVectors, may carry. */
const batchSize = 500

const batches = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / batchSize) }, (_, i) =>
    items.slice(i * batchSize, (i + 1) * batchSize),
  )

/**
 * Amazon S3 Vectors: one vector per agent keyed by agentId, cosine distance,
 * queries filtered on metadata so only the caller's permitted, active agents
 * come back.
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

  async query(vector: number[], { topK, agentIds }: VectorQuery): Promise<VectorMatch[]> {
    if (agentIds.length === 0) return []
    const { vectors } = await this.#client.send(
      new QueryVectorsCommand({
        ...this.#location,
        topK,
        queryVector: { float32: vector },
        filter: { $and: [{ agentId: { $in: [...agentIds] } }, { status: { $eq: 'active' } }] },
        returnDistance: true,
      }),
    )
    // Cosine distance is 1 - cosine similarity.
    return (vectors ?? []).map(({ key, distance }) => ({
      key: key ?? '',
      score: 1 - (distance ?? 1),
    }))
  }
}
