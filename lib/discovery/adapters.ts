import { type AwsClientConfig, awsClientOptions } from '../aws-client-options.ts'
import type { GatewayConfig } from '../config.ts'
import { loadOnce } from '../load-once.ts'
import { tracing } from '../observability/tracing.ts'
import { type Embedder, embedTexts } from './embedder.ts'
import type { EmbedderIdentity, LocalVectorIndex } from './local-vector-index.ts'
import { type titanDimensions, titanTextEmbeddingsV2 } from './titan.ts'
import type { VectorIndex } from './vector-index.ts'

/**
 * An embedder whose code is imported on its first embedding: a handler loads only the one its
 * configuration names, and only for the calls that embed (`/search`, `/route`, registration).
 * The AWS functions never run the offline ones (`EMBEDDER=local` is refused there), whose code
 * was a sixth of the discovery code an agents function loaded at its start.
 */
const loadedOnFirstUse = (
  name: string,
  dimension: number,
  load: () => Promise<Embedder>,
): Embedder => {
  const loaded = loadOnce(load)
  return {
    name,
    dimension,
    embed: async (text) => (await loaded()).embed(text),
    embedMany: async (texts) => embedTexts(await loaded(), texts),
  }
}

/** Titan on Bedrock, its SDK client imported with it on the first embedding. */
const bedrockEmbedder = (aws: AwsClientConfig, dimension: (typeof titanDimensions)[number]) =>
  loadedOnFirstUse(`bedrock:${titanTextEmbeddingsV2}`, dimension, async () => {
    const [{ BedrockRuntimeClient }, { BedrockEmbedder }] = await Promise.all([
      import('@aws-sdk/client-bedrock-runtime'),
      import('./bedrock-embedder.ts'),
    ])
    return new BedrockEmbedder(
      tracing.captureClient(new BedrockRuntimeClient(awsClientOptions(aws, { http2: true }))),
      dimension,
    )
  })

/** A vector index whose code is imported on its first use, as `loadedOnFirstUse`'s embedders. */
const indexLoadedOnFirstUse = (load: () => Promise<VectorIndex>): VectorIndex => {
  const loaded = loadOnce(load)
  return {
    put: async (vectors) => (await loaded()).put(vectors),
    delete: async (keys) => (await loaded()).delete(keys),
    query: async (vector, query) => (await loaded()).query(vector, query),
    keys: async () => (await loaded()).keys(),
    vectors: async (keys) => (await loaded()).vectors(keys),
  }
}

/** An S3 Vectors index, its SDK client imported with it on first use. */
const s3VectorsIndex = (aws: AwsClientConfig, bucket: string, indexName: string) =>
  indexLoadedOnFirstUse(async () => {
    const [{ S3VectorsClient }, { S3VectorsIndex }] = await Promise.all([
      import('@aws-sdk/client-s3vectors'),
      import('./s3-vectors-index.ts'),
    ])
    return new S3VectorsIndex(
      tracing.captureClient(new S3VectorsClient(awsClientOptions(aws))),
      bucket,
      indexName,
    )
  })

/**
 * The embedder configuration names: Bedrock Titan on AWS, the WordNet + GloVe
 * model offline, any OpenAI-compatible embedding server (Ollama, vLLM, ...), or
 * the hashing baseline (for comparison only).
 */
export const embedderFor = ({
  discovery,
  ...aws
}: AwsClientConfig & Pick<GatewayConfig, 'discovery'>): Embedder => {
  switch (discovery.embedder) {
    case 'bedrock':
      return bedrockEmbedder(aws, discovery.dimension as (typeof titanDimensions)[number])
    case 'openai':
      return loadedOnFirstUse(
        `openai:${discovery.server.model}`,
        discovery.dimension,
        async () =>
          new (await import('./openai-embedder.ts')).OpenAiEmbedder({
            ...discovery.server,
            dimension: discovery.dimension,
          }),
      )
    case 'local':
      return loadedOnFirstUse(
        'local',
        discovery.dimension,
        async () => new (await import('./local-embedder.ts')).LocalEmbedder(discovery.dimension),
      )
    case 'hashing':
      return loadedOnFirstUse(
        'hashing',
        discovery.dimension,
        async () =>
          new (await import('./hashing-embedder.ts')).HashingEmbedder(discovery.dimension),
      )
  }
}

/** The configured embedder's kind, model and dimension: what its vectors are comparable with. */
export const embedderIdentityOf = ({
  discovery,
}: Pick<GatewayConfig, 'discovery'>): EmbedderIdentity => ({
  kind: discovery.embedder,
  model:
    discovery.embedder === 'bedrock'
      ? titanTextEmbeddingsV2
      : discovery.embedder === 'openai'
        ? discovery.server.model
        : discovery.embedder,
  dimension: discovery.dimension,
})

/**
 * The vector index configuration names: S3 Vectors on AWS (its dimension fixed
 * by Terraform), in-process (and a file, which records the embedder) offline.
 */
export const vectorIndexFor = (
  config: AwsClientConfig & Pick<GatewayConfig, 'discovery'>,
): VectorIndex => {
  if (config.discovery.index === 's3vectors') {
    return s3VectorsIndex(config, config.discovery.bucket, config.discovery.indexName)
  }
  // Its code imported on first use too, as the offline embedders'.
  return indexLoadedOnFirstUse(() => localVectorIndexFor(config))
}

/** The local index the configuration names, told which embedder it serves. */
export const localVectorIndexFor = async (
  config: Pick<GatewayConfig, 'discovery'>,
): Promise<LocalVectorIndex> =>
  new (await import('./local-vector-index.ts')).LocalVectorIndex(
    config.discovery.indexFile,
    embedderIdentityOf(config),
  )
