import { createHash } from 'node:crypto'
import type { Embedder } from './embedder.ts'

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []

const bucketOf = (feature: string, dimension: number) =>
  createHash('md5').update(feature).digest().readUInt32LE(0) % dimension

/**
 * The baseline: words and word pairs hashed into a fixed number of buckets. It
 * finds shared words, not shared meaning; benchmarks measure the real embedders
 * against it.
 */
export class HashingEmbedder implements Embedder {
  readonly name = 'hashing'
  readonly dimension: number

  constructor(dimension = 1024) {
    this.dimension = dimension
  }

  async embed(text: string): Promise<number[]> {
    const vector = new Array<number>(this.dimension).fill(0)
    const tokens = words(text)
    const features = [...tokens, ...tokens.slice(1).map((word, i) => `${tokens[i]} ${word}`)]
    for (const feature of features) {
      const bucket = bucketOf(feature, this.dimension)
      vector[bucket] = (vector[bucket] as number) + 1
    }
    const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0))
    return norm === 0 ? vector : vector.map((value) => value / norm)
  }
}
