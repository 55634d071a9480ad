import {
  PutVectorsCommand,
  QueryVectorsCommand,
  type QueryVectorsCommandInput,
} from '@aws-sdk/client-s3vectors'
import { cosine } from '../../lib/discovery/embedder.ts'

type Filter = Record<string, unknown>

/**
 * How many constraints a filter holds when each operator, each field named and each `$in` value
 * counts as one: the strictest reading of AWS's "100 or fewer filter constraints" for an ENHANCED
 * index.
 */
export const constraintsOf = (filter: unknown): number => {
  if (Array.isArray(filter)) return filter.reduce((sum: number, one) => sum + constraintsOf(one), 0)
  if (filter === null || typeof filter !== 'object') return 1
  return Object.entries(filter as Filter).reduce(
    (sum, [, value]) => sum + 1 + constraintsOf(value),
    0,
  )
}

/** Whether metadata passes a filter of the shapes the adapter sends: `$and`, `$in`, `$eq`. */
const passes = (filter: Filter, metadata: Record<string, unknown>): boolean =>
  Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return (condition as Filter[]).every((one) => passes(one, metadata))
    const { $in, $eq } = condition as { $in?: unknown[]; $eq?: unknown }
    if ($in) return $in.includes(metadata[key])
    return metadata[key] === $eq
  })

/**
 * S3 Vectors stood in for by PutVectors and QueryVectors over every vector it holds (cosine,
 * exact), refusing a QueryVectors with more than 100 filter constraints or a topK over 100 as
 * a ValidationException. It counts the QueryVectors it answered and the most it held at once.
 * Given a `pageSize`, an answer of a larger topK comes in pages of that many, each but the last
 * with a nextToken, which only the same query may pass back: "When topK exceeds the page size,
 * results are returned across multiple pages" (*Querying vectors*), a size AWS does not give.
 */
export const s3VectorsStandIn = ({ pageSize }: { pageSize?: number } = {}) => {
  const vectors = new Map<string, { data: number[]; metadata: Record<string, unknown> }>()
  const queries: QueryVectorsCommandInput[] = []
  /** Each nextToken given out: the query it belongs to and where its page starts. */
  const pages = new Map<string, { query: string; start: number }>()
  let inFlight = 0
  let mostInFlight = 0
  const send = async (command: unknown) => {
    if (command instanceof PutVectorsCommand) {
      for (const { key, data, metadata } of command.input.vectors ?? [])
        vectors.set(key as string, {
          data: data?.float32 ?? [],
          metadata: metadata as Record<string, unknown>,
        })
      return {}
    }
    if (!(command instanceof QueryVectorsCommand)) throw new Error('not stood in for')
    const { input } = command
    queries.push(input)
    inFlight++
    mostInFlight = Math.max(mostInFlight, inFlight)
    // A turn of the event loop, as a network call takes, so concurrent queries overlap.
    await new Promise((resolve) => setImmediate(resolve))
    inFlight--
    const invalid = () => Object.assign(new Error('Invalid query'), { name: 'ValidationException' })
    if (constraintsOf(input.filter) > 100 || (input.topK ?? 0) > 100) throw invalid()
    const { nextToken, ...asked } = input
    const page =
      nextToken === undefined ? { query: JSON.stringify(asked), start: 0 } : pages.get(nextToken)
    if (page?.query !== JSON.stringify(asked)) throw invalid()
    const query = input.queryVector?.float32 ?? []
    const ranked = [...vectors]
      .filter(([, { metadata }]) => !input.filter || passes(input.filter as Filter, metadata))
      .map(([key, { data }]) => ({ key, distance: 1 - cosine(query, data) }))
      .sort((a, b) => a.distance - b.distance || a.key.localeCompare(b.key))
      .slice(0, input.topK)
    const end = Math.min(ranked.length, page.start + (pageSize ?? ranked.length))
    const answer = { vectors: ranked.slice(page.start, end), distanceMetric: 'cosine' }
    if (end === ranked.length) return answer
    const token = `page-${pages.size}`
    pages.set(token, { query: page.query, start: end })
    return { ...answer, nextToken: token }
  }
  return { client: { send }, queries, mostInFlight: () => mostInFlight }
}
