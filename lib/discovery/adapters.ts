import { type AwsClientConfig, awsClientOptions } from '../aws-client-options.ts'
import type { GatewayConfig } from '../config.ts'
import { loadOnce } from '../load-once.ts'
import { tracing } from '../observability/tracing.ts'
import type { Embedder } from './embedder.ts'
import { HashingEmbedder } from './hashing-embedder.ts'
import { LocalEmbedder } from './local-embedder.ts'
import { type EmbedderIdentity, LocalVectorIndex } from './local-vector-index.ts'
import { OpenAiEmbedder } from './openai-embedder.ts'
import { type titanDimensions, titanTextEmbeddingsV2 } from './titan.ts'
import type { VectorIndex } from './vector-index.ts'

/**
 * Titan on Bedrock, its SDK client imported on the first embedding: only
 * `/search`, `/route` and registration embed, so other calls never load it.
 */
const bedrockEmbedder = (
  aws: AwsClientConfig,
  dimension: (typeof titanDimensions)[number],
): Embedder => {
  const loaded = loadOnce(async () => {
    const [{ BedrockRuntimeClient }, { BedrockEmbedder }] = await Promise.all([
      import('@aws-sdk/client-bedrock-runtime'),
      import('./bedrock-embedder.ts'),
    ])
    return new BedrockEmbedder(
      tracing.captureClient(new BedrockRuntimeClient(awsClientOptions(aws, { http2: true }))),
      dimension,
    )
  })
  return {
    name: `bedrock:${titanTextEmbeddingsV2}`,
    dimension,
    embed: async (text) => (await loaded()).embed(text),
  }
}

/** An S3 Vectors index, its SDK client imported on first use (as `bedrockEmbedder`). */
const s3VectorsIndex = (aws: AwsClientConfig, bucket: string, indexName: string): VectorIndex => {
  const loaded = loadOnce(async () => {
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
  return {
    put: async (vectors) => (await loaded()).put(vectors),
    delete: async (keys) => (await loaded()).delete(keys),
    query: async (vector, query) => (await loaded()).query(vector, query),
    keys: async () => (await loaded()).keys(),
  }
}

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
      return new OpenAiEmbedder({ ...discovery.server, dimension: discovery.dimension })
    case 'local':
      return new LocalEmbedder(discovery.dimension)
    case 'hashing':
      return new HashingEmbedder(discovery.dimension)
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
): VectorIndex =>
  config.discovery.index === 's3vectors'
    ? s3VectorsIndex(config, config.discovery.bucket, config.discovery.indexName)
    : localVectorIndexFor(config)

/** The local index the configuration names, told which embedder it serves. */
export const localVectorIndexFor = (config: Pick<GatewayConfig, 'discovery'>): LocalVectorIndex =>
  new LocalVectorIndex(config.discovery.indexFile, embedderIdentityOf(config))
