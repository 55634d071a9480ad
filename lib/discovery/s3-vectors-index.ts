import {
  DeleteVectorsCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  type S3VectorsClient,
} from '@aws-sdk/client-s3vectors'
import type { IndexedVector, VectorIndex, VectorMatch, VectorQuery } from './vector-index.ts'

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
    if (vectors.length === 0) return
    await this.#client.send(
      new PutVectorsCommand({
        ...this.#location,
        vectors: vectors.map(({ key, vector, metadata }) => ({
          key,
          data: { float32: vector },
          metadata: { ...metadata },
        })),
      }),
    )
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return
    await this.#client.send(new DeleteVectorsCommand({ ...this.#location, keys }))
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
