import { baseForms } from './morphy.ts'
import { unpackModel } from './packed-model.ts'
import { minCorrectableLength, typoSources } from './spelling.ts'
import { stopWords } from './tokens.ts'

/**
 * Smooth inverse frequency (Arora et al., 2017): a word's weight is a / (a + p(w)).
 * The vocabulary is in frequency order, so p(w) follows Zipf from the rank.
 */
const frequencyShift = 10
const smoothing = 333

/**
 * Distributional meaning: a text is the frequency-weighted mean of its words'
 * GloVe vectors, less the direction all text shares.
 */
export class WordVectors {
  readonly dimension: number
  readonly #index: Map<string, number>
  readonly #vectors: Int8Array
  readonly #common: Float64Array
  /** The longest word's length: a word two letters longer is no typo of one. */
  readonly #longest: number

  constructor(file: Buffer) {
    const { words, arrays } = unpackModel(file, 'word-vectors')
    this.#index = new Map(words.map((word, i) => [word, i]))
    this.#longest = words.reduce((longest, word) => Math.max(longest, word.length), 0)
    this.#vectors = arrays.vectors as Int8Array
    const common = arrays.common as Int8Array
    this.dimension = common.length
    const norm = Math.hypot(...common) || 1
    this.#common = Float64Array.from(common, (value) => value / norm)
  }

  /** The text's direction, not normalised; all zeros when no word is known. */
  meanOf(words: readonly string[]): Float64Array {
    const mean = new Float64Array(this.dimension)
    for (const word of words) {
      if (stopWords.has(word)) continue
      const rank = this.#index.get(word) ?? this.#rankOfBaseForm(word)
      if (rank === undefined) continue
      const weight = (rank + frequencyShift) / (rank + frequencyShift + smoothing)
      const at = rank * this.dimension
      for (let d = 0; d < this.dimension; d++) {
        mean[d] = (mean[d] as number) + (weight * (this.#vectors[at + d] as number)) / 127
      }
    }
    let shared = 0
    for (let d = 0; d < this.dimension; d++)
      shared += (mean[d] as number) * (this.#common[d] as number)
    for (let d = 0; d < this.dimension; d++)
      mean[d] = (mean[d] as number) - shared * (this.#common[d] as number)
    return mean
  }

  /**
   * A word this vocabulary lacks, read as the most frequent known word one edit
   * away (invoce: invoice, recieved: received); unchanged when there is none.
   */
  corrected(word: string): string {
    if (word.length < minCorrectableLength || word.length > this.#longest + 1) return word
    if (!/^\p{Ll}+$/u.test(word)) return word
    if (this.#index.has(word) || this.#rankOfBaseForm(word) !== undefined) return word
    let best: string | undefined
    let bestRank = Number.POSITIVE_INFINITY
    for (const candidate of typoSources(word)) {
      const rank = this.#index.get(candidate)
      if (rank !== undefined && rank < bestRank) [best, bestRank] = [candidate, rank]
    }
    return best ?? word
  }

  #rankOfBaseForm(word: string): number | undefined {
    for (const form of baseForms(word)) {
      const rank = this.#index.get(form)
      if (rank !== undefined) return rank
    }
    return undefined
  }
}
