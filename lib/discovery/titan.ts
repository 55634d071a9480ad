/** Amazon Titan Text Embeddings V2: its model id and output sizes (no SDK needed to name them). */
export const titanTextEmbeddingsV2 = 'amazon.titan-embed-text-v2:0'

/** Titan Text Embeddings V2's output sizes. */
export const titanDimensions = [256, 512, 1024] as const
