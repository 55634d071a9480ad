import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime'
import { S3VectorsClient } from '@aws-sdk/client-s3vectors'
import type { GatewayConfig } from '../config.ts'
import { tracing } from '../observability/tracing.ts'
import { BedrockEmbedder, type titanDimensions, titanTextEmbeddingsV2 } from './bedrock-embedder.ts'
import type { Embedder } from './embedder.ts'
import { HashingEmbedder } from './hashing-embedder.ts'
import { LocalEmbedder } from './local-embedder.ts'
import { type EmbedderIdentity, LocalVectorIndex } from './local-vector-index.ts'
import { OpenAiEmbedder } from './openai-embedder.ts'
import { S3VectorsIndex } from './s3-vectors-index.ts'
import type { VectorIndex } from './vector-index.ts'

/**
 * The embedder configuration names: Bedrock Titan on AWS, the WordNet + GloVe
 * model offline, any OpenAI-compatible embedding server (Ollama, vLLM, ...), or
 * the hashing baseline (for comparison only).
 */
export const embedderFor = ({
  region,
  discovery,
}: Pick<GatewayConfig, 'region' | 'discovery'>): Embedder => {
  switch (discovery.embedder) {
    case 'bedrock':
      return new BedrockEmbedder(
        tracing.captureClient(new BedrockRuntimeClient({ region })),
        discovery.dimension as (typeof titanDimensions)[number],
      )
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
export const vectorIndexFor = (config: Pick<GatewayConfig, 'region' | 'discovery'>): VectorIndex =>
  config.discovery.index === 's3vectors'
    ? new S3VectorsIndex(
        tracing.captureClient(new S3VectorsClient({ region: config.region })),
        config.discovery.bucket,
        config.discovery.indexName,
      )
    : localVectorIndexFor(config)

/** The local index the configuration names, told which embedder it serves. */
export const localVectorIndexFor = (config: Pick<GatewayConfig, 'discovery'>): LocalVectorIndex =>
  new LocalVectorIndex(config.discovery.indexFile, embedderIdentityOf(config))
