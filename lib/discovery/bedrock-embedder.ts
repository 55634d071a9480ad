import { type BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime'
import { type Embedder, EmbedderUnavailableError, leadingCharacters } from './embedder.ts'

import { titanDimensions, titanTextEmbeddingsV2 } from './titan.ts'

export { titanDimensions, titanTextEmbeddingsV2 } from './titan.ts'

/** The most input Titan Text Embeddings V2 takes: 50,000 characters (and 8,192 tokens). */
export const titanMaxInputCharacters = 50_000

/**
 * The beginning of a text that Titan accepts (an agent's card may be 256 KiB),
 * never ending on half of a surrogate pair.
 */
const titanInput = (text: string): string => leadingCharacters(text, titanMaxInputCharacters)

/**
 * Amazon Titan Text Embeddings V2 on Bedrock, normalised vectors of the
 * configured dimension, of at most the text's first 50,000 characters.
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
        body: JSON.stringify({
          inputText: titanInput(text),
          dimensions: this.dimension,
          normalize: true,
        }),
      }),
    )
    const { embedding } = JSON.parse(new TextDecoder().decode(response.body)) as {
      embedding?: unknown
    }
    if (!Array.isArray(embedding) || embedding.length !== this.dimension) {
      // The model and dimension are the gateway's settings: no retry mends an answer of another.
      throw new EmbedderUnavailableError(
        `Bedrock returned no ${this.dimension}-dimension embedding`,
        { lasting: true },
      )
    }
    return embedding as number[]
  }
}
