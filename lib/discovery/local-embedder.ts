import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { localEmbedderMinimumDimension } from '../config.ts'
import { type Embedder, EmbedderUnavailableError } from './embedder.ts'
import { wordsOf } from './local/tokens.ts'
import { Translations } from './local/translations.ts'
import { WordVectors } from './local/word-vectors.ts'
import { type Concepts, WordNetConcepts } from './local/wordnet-concepts.ts'

/** Built by `npm run build:embedding-model` from npm packages; committed, so nothing downloads at run time. */
export const modelFiles = {
  concepts: new URL('./local/wordnet-concepts.bin.gz', import.meta.url),
  wordVectors: new URL('./local/word-vectors.bin.gz', import.meta.url),
  lexicon: new URL('./local/cldr-lexicon.bin.gz', import.meta.url),
}
export type ModelFiles = typeof modelFiles

/** The two parts' shares of the cosine: WordNet concepts, then GloVe word vectors. */
const conceptShare = 0.55
/** Texts hashed into fewer buckets than this collide too often to rank (lib/config.ts refuses it at start). */
const minimumDimension = localEmbedderMinimumDimension

const mix = (value: number) => {
  let x = Math.imul(value ^ (value >>> 16), 0x45d9f3b)
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  return (x ^ (x >>> 16)) >>> 0
}

/** Concepts hashed with signs into buckets (feature hashing, Weinberger et al., 2009). */
const hashed = (concepts: Concepts, size: number): Float64Array => {
  const buckets = new Float64Array(size)
  for (const [id, weight] of concepts) {
    const hash = mix(id + 1)
    const bucket = hash % size
    // sqrt: a concept named ten times in a long card is not ten times the evidence.
    buckets[bucket] = (buckets[bucket] as number) + (hash & 0x80000000 ? -1 : 1) * Math.sqrt(weight)
  }
  return buckets
}

/** Scales a part to length sqrt(share), so the parts add up to a unit vector. */
const scaledTo = (vector: Float64Array, share: number) => {
  let norm = 0
  for (const value of vector) norm += value * value
  const scale = norm === 0 ? 0 : Math.sqrt(share / norm)
  return vector.map((value) => value * scale)
}

interface Models {
  concepts: WordNetConcepts
  vectors: WordVectors
  translations: Translations
}
const loaded = new Map<string, Models>()

/**
 * A model file's bytes. One that cannot be read is the embedder set up wrong, named by its file
 * (not its path, which a caller is told): its code runs somewhere the file is not, such as a
 * bundle in a Lambda zip (lib/config.ts refuses EMBEDDER=local on AWS for this). A bare ENOENT
 * error was reported as "Error", its name.
 */
const modelFile = (file: URL): Buffer => {
  try {
    return readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new EmbedderUnavailableError(
      `the local embedder's model file ${basename(file.pathname)} cannot be read (${code}): it belongs beside the code, in lib/discovery/local/, which no Lambda zip holds`,
      { lasting: true },
    )
  }
}

/** Read on first use, once per process: every handler in it shares the models. */
const modelsFrom = (files: ModelFiles): Models => {
  const key = Object.values(files).join(' ')
  let models = loaded.get(key)
  if (!models) {
    models = {
      concepts: new WordNetConcepts(modelFile(files.concepts)),
      vectors: new WordVectors(modelFile(files.wordVectors)),
      translations: new Translations(modelFile(files.lexicon)),
    }
    loaded.set(key, models)
  }
  return models
}

/**
 * The offline embedder, for laptops and tests: no network, no download, ten MB
 * of model. A text's vector has two parts. The first holds its WordNet concepts
 * (senses, broader concepts, related forms, definitions) hashed into buckets, so
 * texts naming related concepts meet without a shared word; the second its mean
 * GloVe word vector, so words used alike meet. Each part is scaled to its share,
 * so the cosine of two texts is the weighted sum of the parts' cosines.
 */
export class LocalEmbedder implements Embedder {
  readonly name = 'local'
  readonly dimension: number
  readonly #files: ModelFiles
  #models: Models | undefined

  constructor(dimension = 1024, files: ModelFiles = modelFiles) {
    if (dimension < minimumDimension) {
      throw new Error(
        `The local embedder needs at least ${minimumDimension} dimensions, not ${dimension}`,
      )
    }
    this.dimension = dimension
    this.#files = files
  }

  async embed(text: string): Promise<number[]> {
    return this.embedSync(text)
  }

  embedSync(text: string): number[] {
    this.#models ??= modelsFrom(this.#files)
    const { concepts, vectors, translations } = this.#models
    // A corrected typo or a translation joins the word rather than replacing it: a name stays a name.
    const words = translations
      .withEnglish(wordsOf(text), (word) => concepts.knows(word))
      .flatMap((word) => {
        const corrected = vectors.corrected(word)
        return corrected === word ? [word] : [word, corrected]
      })
    const conceptPart = scaledTo(
      hashed(concepts.concepts(words), this.dimension - vectors.dimension),
      conceptShare,
    )
    const vectorPart = scaledTo(vectors.meanOf(words), 1 - conceptShare)
    const vector = [...conceptPart, ...vectorPart]
    // One part may be empty (no word it knows): the other then carries the direction alone.
    const norm = Math.hypot(...vector)
    return norm === 0 ? vector : vector.map((value) => value / norm)
  }
}
