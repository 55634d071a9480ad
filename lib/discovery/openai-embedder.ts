import { readBounded } from '../http/read-bounded.ts'
import { type Embedder, EmbedderInputTooLongError, EmbedderUnavailableError } from './embedder.ts'

export interface OpenAiEmbedderOptions {
  /** The server's base URL, without `/v1` (e.g. Ollama's `http://127.0.0.1:11434`). */
  url: string
  model: string
  /** What the model returns; an answer of another size is refused, never stored. */
  dimension: number
  /** Sent as `Authorization: Bearer …` when given. */
  apiKey?: string | undefined
  /** The most inputs one request carries. */
  batchSize: number
  /** How long one request may take. */
  timeoutMs: number
  fetch?: typeof fetch
}

/** Why a request to the server failed, in words a caller may read (no URL, no key). */
const failureOf = (error: unknown, timeoutMs: number): string => {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `the embedding server did not answer within ${timeoutMs} ms`
  }
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code
  return `the embedding server could not be reached (${typeof code === 'string' ? code : 'network error'})`
}

/**
 * How servers say an input is longer than their model takes: OpenAI and vLLM
 * ("maximum context length is 512 tokens"), Ollama ("the input length exceeds
 * the context length"), llama.cpp's server ("input is too large to process",
 * "exceed n_ctx"), text-embeddings-inference ("must have less than 512 tokens",
 * with 413).
 */
const tooLongPattern =
  /context[ _](length|size)|n_ctx|too (long|large)|less than \d+ tokens|maximum (input|sequence) length/i

/** The statuses a server refuses an input with; 413 says "too large" by itself. */
const refusalStatuses = new Set([400, 413, 422, 500])

/**
 * The statuses that say the gateway's settings are wrong, whatever the text: a key refused
 * (401, 403), no such model or endpoint (404, as Ollama and OpenAI answer an unknown model; 405).
 */
const lastingStatuses = new Set([401, 403, 404, 405])

/** The most of an error answer read to see whether it is about length: errors are short. */
const maxErrorBytes = 4096

/**
 * Why the server answered `response` (not ok): an input its model cannot take
 * as too long, or a failure of the server. The answer's own words are read
 * only to tell the two apart, never passed on (they may name the server).
 */
const refusalOf = async (response: Response): Promise<Error> => {
  const status = response.status
  if (!refusalStatuses.has(status)) {
    await response.body?.cancel()
    return new EmbedderUnavailableError(`the embedding server answered HTTP ${status}`, {
      lasting: lastingStatuses.has(status),
    })
  }
  const text = await readBounded(response.body, maxErrorBytes).then(
    (bytes) => new TextDecoder().decode(bytes),
    () => '',
  )
  return status === 413 || tooLongPattern.test(text)
    ? new EmbedderInputTooLongError(
        `the embedding server refused the text as longer than its model takes (HTTP ${status})`,
      )
    : new EmbedderUnavailableError(`the embedding server answered HTTP ${status}`)
}

/**
 * An embedding model behind any server that speaks OpenAI's
 * `POST /v1/embeddings` (Ollama, vLLM, LM Studio, llama.cpp's server, OpenAI):
 * inputs sent in batches, vectors taken in their `index` order and held to the
 * configured dimension. An input the server refuses as longer than its model
 * takes is an EmbedderInputTooLongError, which search and /route answer with
 * 422; every other failure an EmbedderUnavailableError saying what went wrong,
 * which they answer with 503.
 *
 * @example
 * const embedder = new OpenAiEmbedder({
 *   url: 'http://127.0.0.1:11434', model: 'nomic-embed-text', dimension: 768,
 *   batchSize: 32, timeoutMs: 10_000,
 * })
 * const [card, example] = await embedder.embedMany(['Weather forecasts', 'umbrella today?'])
 */
export class OpenAiEmbedder implements Embedder {
  readonly name: string
  readonly dimension: number
  readonly #options: OpenAiEmbedderOptions
  readonly #endpoint: string

  constructor(options: OpenAiEmbedderOptions) {
    this.#options = options
    this.#endpoint = `${options.url.replace(/\/+$/, '')}/v1/embeddings`
    this.name = `openai:${options.model}`
    this.dimension = options.dimension
  }

  async embed(text: string): Promise<number[]> {
    return (await this.embedMany([text]))[0] as number[]
  }

  async embedMany(texts: readonly string[]): Promise<number[][]> {
    const vectors: number[][] = []
    for (let start = 0; start < texts.length; start += this.#options.batchSize) {
      vectors.push(...(await this.#request(texts.slice(start, start + this.#options.batchSize))))
    }
    return vectors
  }

  async #request(input: readonly string[]): Promise<number[][]> {
    const { model, apiKey, timeoutMs } = this.#options
    let response: Response
    let answer: unknown
    try {
      response = await (this.#options.fetch ?? fetch)(this.#endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify({ model, input, encoding_format: 'float' }),
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (!response.ok) throw await refusalOf(response)
      // A body that stalls past the timeout or breaks off throws here, a failure to retry; one
      // that is no JSON (a proxy's page mid-deploy) is answered as no embeddings, to retry too.
      answer = await response.text().then((text) => {
        try {
          return JSON.parse(text)
        } catch {
          throw new EmbedderUnavailableError("the embedding server's answer is not JSON")
        }
      })
    } catch (error) {
      if (error instanceof EmbedderUnavailableError || error instanceof EmbedderInputTooLongError)
        throw error
      throw new EmbedderUnavailableError(failureOf(error, timeoutMs))
    }
    return this.#vectorsOf(answer, input.length)
  }

  /** The answer's vectors in input order, or why the answer cannot be used. */
  #vectorsOf(answer: unknown, count: number): number[][] {
    const data = (answer as { data?: unknown } | undefined)?.data
    const malformed = (why: string) =>
      new EmbedderUnavailableError(`the embedding server's answer is malformed: ${why}`, {
        lasting: true,
      })
    if (!Array.isArray(data)) throw malformed('no "data" list')
    if (data.length !== count) throw malformed(`${data.length} embeddings for ${count} inputs`)
    const vectors = new Array<number[]>(count)
    for (const [position, item] of data.entries()) {
      const { embedding, index = position } = (item ?? {}) as {
        embedding?: unknown
        index?: unknown
      }
      if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= count) {
        throw malformed(`index ${JSON.stringify(index)} is out of range`)
      }
      if (!Array.isArray(embedding) || !embedding.every((x) => typeof x === 'number')) {
        throw malformed('an embedding is not a list of numbers (encoding_format float)')
      }
      if (embedding.length !== this.dimension) {
        throw new EmbedderUnavailableError(
          `the embedding model returned ${embedding.length}-dimension vectors, not the configured ${this.dimension} (set EMBEDDING_DIMENSION=${embedding.length})`,
          { lasting: true },
        )
      }
      vectors[index as number] = embedding
    }
    // A repeated index leaves another input without one (and a hole `some` would skip).
    for (let i = 0; i < count; i++) if (!vectors[i]) throw malformed(`input ${i} has no embedding`)
    return vectors
  }
}
