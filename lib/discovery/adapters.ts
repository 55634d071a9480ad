import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime'
import { S3VectorsClient } from '@aws-sdk/client-s3vectors'
import type { GatewayConfig } from '../config.ts'
import { tracing } from '../observability/tracing.ts'
import { BedrockEmbedder } from './bedrock-embedder.ts'
import type { Embedder } from './embedder.ts'
import { HashingEmbedder } from './hashing-embedder.ts'
import { LocalEmbedder } from './local-embedder.ts'
import { LocalVectorIndex } from './local-vector-index.ts'
import { S3VectorsIndex } from './s3-vectors-index.ts'
import type { VectorIndex } from './vector-index.ts'

/**
 * The embedder configuration names: Bedrock Titan on AWS, the WordNet + GloVe
 * model offline, or the hashing baseline (for comparison only).
 */
export const embedderFor = ({
  region,
  discovery,
}: Pick<GatewayConfig, 'region' | 'discovery'>): Embedder => {
  switch (discovery.embedder) {
    case 'bedrock':
      return new BedrockEmbedder(
        tracing.captureClient(new BedrockRuntimeClient({ region })),
        discovery.dimension,
      )
    case 'local':
      return new LocalEmbedder(discovery.dimension)
    case 'hashing':
      return new HashingEmbedder(discovery.dimension)
  }
}

/** The vector index configuration names: S3 Vectors on AWS, in-process (and a file) offline. */
export const vectorIndexFor = ({
  region,
  discovery,
}: Pick<GatewayConfig, 'region' | 'discovery'>): VectorIndex =>
  discovery.index === 's3vectors'
    ? new S3VectorsIndex(
        tracing.captureClient(new S3VectorsClient({ region })),
        discovery.bucket,
        discovery.indexName,
      )
    : new LocalVectorIndex(discovery.indexFile)
