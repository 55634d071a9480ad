/**
 * The routing-examples gain (issue 16): the dev queries are split in two halves
 * by their position (even, odd); one half's queries become routing examples of
 * their right agents, and /route's outcome on the other half is counted before
 * and after, at the embedder's default threshold; then the halves swap. Part of
 * `npm run bench:discovery`.
 */
import { agentText, routingExampleText } from '../lib/discovery/agent-text.ts'
import { type Embedder, embedTexts } from '../lib/discovery/embedder.ts'
import { LocalVectorIndex } from '../lib/discovery/local-vector-index.ts'
import { leadOf, type RouteThreshold, wouldRoute } from '../lib/discovery/route-threshold.ts'
import { vectorKeysOf } from '../lib/discovery/vector-index.ts'

interface BenchCard {
  agentId: string
  name: string
  description: string
  skills: {
    id: string
    name: string
    description: string
    tags?: string[]
    examples?: string[]
  }[]
}
interface BenchQuery {
  query: string
  expected: string
}

/** Indexes each card, with its routing examples, as the gateway's indexAgent does. */
const indexOf = async (
  embedder: Embedder,
  cards: readonly BenchCard[],
  examples: ReadonlyMap<string, string[]>,
) => {
  const index = new LocalVectorIndex()
  for (const card of cards) {
    const phrases = examples.get(card.agentId) ?? []
    const vectors = await embedTexts(embedder, [
      agentText(card),
      ...phrases.map((phrase) => routingExampleText(phrase, card)),
    ])
    await index.put(
      vectorKeysOf(card.agentId, phrases.length).map((key, i) => ({
        key,
        vector: vectors[i] as number[],
        metadata: { agentId: card.agentId, status: 'active' as const },
      })),
    )
  }
  return index
}

/** What /route does with each query at the threshold: right agent, wrong agent, refused. */
const outcomes = async (
  embedder: Embedder,
  index: LocalVectorIndex,
  agentIds: string[],
  queries: readonly BenchQuery[],
  threshold: RouteThreshold,
) => {
  const counts = { right: 0, wrong: 0, refused: 0 }
  for (const { query, expected } of queries) {
    const [best, next] = await index.query(await embedder.embed(query), { topK: 2, agentIds })
    if (
      !best ||
      !wouldRoute(threshold, { score: best.score, margin: leadOf(best.score, next?.score) })
    )
      counts.refused++
    else if (best.key === expected) counts.right++
    else counts.wrong++
  }
  return counts
}

/** Prints the routing-examples table for one embedder at its default threshold. */
export const printRoutingExamplesGain = async (
  embedder: Embedder,
  cards: readonly BenchCard[],
  queries: readonly BenchQuery[],
  threshold: RouteThreshold,
): Promise<void> => {
  const even = queries.filter((_, i) => i % 2 === 0)
  const odd = queries.filter((_, i) => i % 2 === 1)
  const agentIds = cards.map(({ agentId }) => agentId)
  const cardsOnly = await indexOf(embedder, cards, new Map())
  console.log(
    `\nRouting examples (${embedder.name}, score ${threshold.minScore}, margin ${threshold.minMargin}): one half of the dev queries (by position) as routingExamples of their agents, /route on the other half`,
  )
  console.log('| examples from | routed | index | right | wrong | refused |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const [from, taught, routed, asked] of [
    ['even-numbered (half A)', even, 'odd-numbered (half B)', odd],
    ['odd-numbered (half B)', odd, 'even-numbered (half A)', even],
  ] as const) {
    const examples = new Map<string, string[]>()
    for (const { query, expected } of taught) {
      examples.set(expected, [...(examples.get(expected) ?? []), query])
    }
    const rows = [
      ['cards only', cardsOnly],
      ['cards + routingExamples', await indexOf(embedder, cards, examples)],
    ] as const
    for (const [label, index] of rows) {
      const { right, wrong, refused } = await outcomes(embedder, index, agentIds, asked, threshold)
      const share = (count: number) => `${count} (${((100 * count) / asked.length).toFixed(0)} %)`
      console.log(
        `| ${from} | ${routed} | ${label} | ${share(right)} | ${share(wrong)} | ${share(refused)} |`,
      )
    }
  }
}
