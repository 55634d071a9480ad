import { createHash } from 'node:crypto'
import { SearchUnavailableError, TextTooLongError } from '../errors.ts'

/** Turns text into a vector whose direction carries its meaning. */
export interface Embedder {
  /** Named in benchmarks and logs, e.g. `bedrock:amazon.titan-embed-text-v2:0`. */
  readonly name: string
  readonly dimension: number
  embed(text: string): Promise<number[]>
  /** Several texts at once, vectors in their order, where the model takes batches. */
  embedMany?(texts: readonly string[]): Promise<number[][]>
}

/**
 * Embeds texts in order: in batches where the embedder takes them, otherwise
 * one after another (a card and its routing examples, for the index).
 */
export const embedTexts = async (
  embedder: Embedder,
  texts: readonly string[],
): Promise<number[][]> => {
  if (embedder.embedMany) return embedder.embedMany(texts)
  const vectors: number[][] = []
  for (const text of texts) vectors.push(await embedder.embed(text))
  return vectors
}

/**
 * An embedder's failure whose `reason` may be told to a caller as it is (it
 * names no server address and no key): an embedding server that answered 5xx,
 * timed out, could not be reached, or answered what cannot be used. `lasting`
 * when it says the embedder is set up wrong (a refused key, an unknown model,
 * vectors of another dimension), which no retry mends.
 */
export class EmbedderUnavailableError extends Error {
  readonly reason: string
  readonly lasting: boolean
  constructor(reason: string, options: { lasting?: boolean } = {}) {
    super(`Embedding failed: ${reason}.`)
    this.name = 'EmbedderUnavailableError'
    this.reason = reason
    this.lasting = options.lasting ?? false
  }
}

/**
 * The AWS SDK errors that say Bedrock is set up wrong for the gateway (its role may not invoke
 * the model, the model is not enabled in the account or region, the request is one the model
 * refuses), not that it is busy or down.
 */
const lastingSdkErrors = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ValidationException',
  'UnrecognizedClientException',
])

/**
 * An embedding server's refusal of a text as longer than its model takes: the
 * text's fault, not the server's, so no retry will help. `reason` may be told
 * to a caller as it is.
 */
export class EmbedderInputTooLongError extends Error {
  readonly reason: string
  constructor(reason: string) {
    super(`Embedding failed: ${reason}.`)
    this.name = 'EmbedderInputTooLongError'
    this.reason = reason
  }
}

/**
 * The most of a caller's text that is embedded, in characters: `/search`
 * refuses a longer query (400), and `/route` embeds a message's first this
 * many (the message itself goes to the chosen agent whole). Enough for what a
 * request is about; it bounds the embedder's work per request (the local
 * embedder runs on the local stack's main thread, some 60 ms for this much)
 * and keeps the text within what embedding models take.
 */
export const maxQueryCharacters = 2000

/**
 * The first `max` characters (UTF-16 code units) of `text`, never ending on
 * half of a surrogate pair.
 *
 * @example
 * leadingCharacters('rain in Oslo?', 4) // 'rain'
 */
export const leadingCharacters = (text: string, max: number): string => {
  if (text.length <= max) return text
  const cut = text.slice(0, max)
  const last = cut.charCodeAt(cut.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}

/**
 * Embeds what a caller asked for, at most its first `maxQueryCharacters`; an
 * embedder that fails (Bedrock throttled or down, an embedding server failing)
 * is the caller's 503, not the gateway's 500, and a text the model refuses as
 * too long the caller's 422 (TextTooLongError), which no retry would pass. An
 * SDK's error is named only by its name, which says what failed without the
 * details it may carry.
 */
export const embedQuery = (embedder: Embedder, text: string): Promise<readonly number[]> => {
  const query = leadingCharacters(text, maxQueryCharacters)
  // Kept by a digest of the text: a message's first characters, as V8 cuts them, hold on to the
  // whole message (a 1 MB document sent to /route kept its megabyte).
  const key = createHash('sha256').update(query).digest('base64')
  let kept = keptQueryVectors.get(embedder)
  if (kept === undefined) {
    kept = new Map()
    keptQueryVectors.set(embedder, kept)
  }
  const known = kept.get(key)
  if (known !== undefined) {
    // The most recently asked last, so that the oldest asked goes first.
    kept.delete(key)
    kept.set(key, known)
    return known
  }
  const made = embedForCaller(embedder, query).then((vector) => Object.freeze(vector))
  const vectors = kept
  // A failure is not kept: the next asking embeds again.
  made.catch(() => {
    if (vectors.get(key) === made) vectors.delete(key)
  })
  if (kept.size >= queryVectorsKept) kept.delete(kept.keys().next().value as string)
  kept.set(key, made)
  return made
}

/**
 * How many queries' vectors a function instance keeps per embedder: a query asked again (a
 * client polling one search, a message sent again to `/route`, a person retyping in the
 * console) is answered without the embedder, which on AWS is a Bedrock call of tens of
 * milliseconds, billed. A model's vector for one text does not change, and the results are
 * still read from the index each time. Each kept vector weighs some 8 bytes per dimension (its
 * text only a digest): 2 MB with Titan's 1,024, 32 MB at EMBEDDING_DIMENSION's most, 16,384.
 */
export const queryVectorsKept = 256

/** Each embedder's kept query vectors by their text's digest, in the order last asked; shared by every call in flight. */
const keptQueryVectors = new WeakMap<Embedder, Map<string, Promise<readonly number[]>>>()

/**
 * Embeds `text` whole (an agent's text, as the index embeds it), failing as `embedQuery` does:
 * a caller's 503, or its 422 for a text the model refuses as too long.
 */
export const embedForCaller = async (embedder: Embedder, text: string): Promise<number[]> => {
  try {
    return await embedder.embed(text)
  } catch (error) {
    if (error instanceof EmbedderInputTooLongError) throw new TextTooLongError(error.reason)
    if (error instanceof EmbedderUnavailableError) {
      throw new SearchUnavailableError(error.reason, { lasting: error.lasting, cause: error })
    }
    // The caller is told the error's name; the log, through `cause`, what it was (a first
    // embedding whose code failed to load was logged as "Error" and nothing more).
    const name = error instanceof Error ? error.name : 'unknown error'
    throw new SearchUnavailableError(name, { lasting: lastingSdkErrors.has(name), cause: error })
  }
}

/** Cosine similarity of two vectors of the same dimension (0 when either is all zeros). */
export const cosine = (a: readonly number[], b: readonly number[]): number => {
  let dot = 0
  let normA = 0
  let normB = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number
    const y = b[i] as number
    dot += x * y
    normA += x * x
    normB += y * y
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB)
}
