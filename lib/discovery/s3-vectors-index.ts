import {
  DeleteVectorsCommand,
  GetVectorsCommand,
  ListVectorsCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  type QueryVectorsCommandInput,
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

/**
 * The most agents one query's filter names. AWS asks that queries on an `ENHANCED` index use
 * "100 or fewer filter constraints" (*Changing a vector index's mode*) without saying what counts
 * as one, so everything counts: the agent ids and the status's `active`, each operator, `$and`,
 * `$in` and `$eq`, and each field named, `agentId` and `status`. At 63 characters an agent id,
 * such a filter is some 6.3 KB of a request's 20 MiB.
 */
const agentsPerQuery = 100 - 6

/** "Top-K results per QueryVectors request: Up to 100" (*Limitations and restrictions*). */
const maxQueryTopK = 100

/** QueryVectors calls one `query` keeps in flight: a caller of 1,000 agents is 11 groups. */
const queryConcurrency = 4

/** Every query keeps to vectors marked active, as indexAgent puts each agent's. */
const activeOnly = { status: { $eq: 'active' } }

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
   * S3 Vectors ranks vectors, and an agent may have several: the best-ranked vector of each agent
   * is its score. A caller's agents are asked for in groups of `agentsPerQuery` (a filter within
   * the constraints AWS documents), `queryConcurrency` groups at a time, and the groups' answers
   * merged: the groups share no agent, so the top K of their union is the top K of the groups'
   * top Ks. A caller holding more than one group is first asked for with no agent filter at all
   * (`#closestOfAll`): when the closest active vectors already name topK of its agents (a caller
   * holding most of the fleet), that one query is the answer.
   */
  async query(vector: readonly number[], { topK, agentIds }: VectorQuery): Promise<VectorMatch[]> {
    if (agentIds.length <= agentsPerQuery) return this.#closestAmong(vector, topK, agentIds)
    const ofAll = await this.#closestOfAll(vector, topK, new Set(agentIds))
    if (ofAll) return ofAll
    const groups = await mapConcurrently(
      batches(agentIds, agentsPerQuery),
      queryConcurrency,
      (group) => this.#closestAmong(vector, topK, group),
    )
    return groups
      .flat()
      .sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))
      .slice(0, topK)
  }

  /**
   * The closest topK of these agents (at most `agentsPerQuery`). Each round asks for
   * `maxQueryTopK` vectors, read until they name topK agents: AWS bills a query by the call and
   * by the index's size, not by its topK, and an agent may have 51 vectors (its card and 50
   * routing examples), which cluster near a query as its users' phrases do. When the vectors
   * name too few agents, the rest are asked for again without the agents already found (whose
   * every vector ranks after the ones found, so the order holds); each round finds at least two
   * more agents, so topK 20 takes at most 10 rounds (asked for the missing number, one a round
   * could find, it took 20), or an answer short of `maxQueryTopK` ends it.
   */
  async #closestAmong(
    vector: readonly number[],
    topK: number,
    agentIds: readonly string[],
  ): Promise<VectorMatch[]> {
    const found = new Map<string, number>()
    let remaining = [...agentIds]
    while (found.size < topK && remaining.length > 0) {
      let answered = 0
      const filter = { $and: [{ agentId: { $in: remaining } }, activeOnly] }
      for await (const { key, score } of this.#ranked(vector, maxQueryTopK, filter)) {
        answered++
        if (!found.has(key)) found.set(key, score)
        if (found.size === topK) break
      }
      if (answered < maxQueryTopK) break
      remaining = remaining.filter((agentId) => !found.has(agentId))
    }
    return [...found].map(([key, score]) => ({ key, score }))
  }

  /**
   * The closest topK of these agents when the `maxQueryTopK` closest active vectors of the whole
   * index name that many of them, in one query with no agent filter; undefined when they do not
   * (the caller holds a small part of the fleet, or the answer is short, which on a `CLASSIC`
   * index need not mean the index holds no more). Every agent of theirs not named has all its
   * vectors ranked after those asked, so the ones named are its closest, in order.
   */
  async #closestOfAll(
    vector: readonly number[],
    topK: number,
    agentIds: ReadonlySet<string>,
  ): Promise<VectorMatch[] | undefined> {
    const found = new Map<string, number>()
    for await (const { key, score } of this.#ranked(vector, maxQueryTopK, activeOnly)) {
      if (agentIds.has(key) && !found.has(key)) found.set(key, score)
      if (found.size === topK)
        return [...found].map(([agentId, best]) => ({ key: agentId, score: best }))
    }
    return undefined
  }

  /**
   * One query's vectors, best first, each as its agent and cosine similarity. An answer may come
   * in pages ("When topK exceeds the page size, results are returned across multiple pages",
   * *Querying vectors*, a size AWS does not give), each but the last with a nextToken: a page
   * shorter than topK is not the whole answer. The next page is asked for only when the reader
   * reads past this one.
   */
  async *#ranked(
    vector: readonly number[],
    topK: number,
    filter: QueryVectorsCommandInput['filter'],
  ): AsyncGenerator<VectorMatch> {
    let nextToken: string | undefined
    do {
      const page = await this.#client.send(
        new QueryVectorsCommand({
          ...this.#location,
          topK,
          queryVector: { float32: [...vector] },
          filter,
          returnDistance: true,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      )
      // Cosine distance is 1 - cosine similarity.
      for (const { key, distance } of page.vectors ?? []) {
        yield { key: agentIdOfKey(key ?? ''), score: 1 - (distance ?? 1) }
      }
      nextToken = page.nextToken
    } while (nextToken)
  }
}
