import { type BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime'
import type { Embedder } from './embedder.ts'

export const titanTextEmbeddingsV2 = 'amazon.titan-embed-text-v2:0'

/** Titan Text Embeddings V2's output sizes. */
export const titanDimensions = [256, 512, 1024] as const

/**
 * Amazon Titan Text Embeddings V2 on Bedrock, normalised vectors of the
 * configured dimension.
 *
 * @example
 * const embedder = new BedrockEmbedder(new BedrockRuntimeClient({}), 1024)
 * const vector = await embedder.embed('my card got charged twice')
 */
export class BedrockEmbedder implements Embedder {
  readonly name = `bedrock:${titanTextEmbeddingsV2}`
  readonly dimension: number
  readonly #client: Pick<BedrockRuntimeClient, 'send'>

  constructor(
    client: Pick<BedrockRuntimeClient, 'send'>,
    dimension: (typeof titanDimensions)[number],
  ) {
    if (!titanDimensions.includes(dimension)) {
      throw new Error(
        `Titan V2 embeds in ${titanDimensions.join(', ')} dimensions, not ${dimension}`,
      )
    }
    this.#client = client
    this.dimension = dimension
  }

  async embed(text: string): Promise<number[]> {
    const response = await this.#client.send(
      new InvokeModelCommand({
        modelId: titanTextEmbeddingsV2,
        contentType: 'application/json',
        accept: 'application/json',
        body: JSON.stringify({ inputText: text, dimensions: this.dimension, normalize: true }),
      }),
    )
    const { embedding } = JSON.parse(new TextDecoder().decode(response.body)) as {
      embedding?: unknown
    }
    if (!Array.isArray(embedding) || embedding.length !== this.dimension) {
      throw new Error(`Bedrock returned no ${this.dimension}-dimension embedding`)
    }
    return embedding as number[]
  }
}
