/**
 * Discovery quality and speed: ranks the 36 agents of ../shared/discovery for
 * each of the 150 dev queries with every embedder available offline and the
 * issue's word TF-IDF yardstick, compares compositions of the agent text, times
 * embedding alone, and times searches against 100, 1,000 and 10,000 synthetic
 * agents. `npm run bench:discovery`.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../lib/config.ts'
import { agentText } from '../lib/discovery/agent-text.ts'
import { calibrateFromCatalog } from '../lib/discovery/calibrate.ts'
import type { Embedder } from '../lib/discovery/embedder.ts'
import { HashingEmbedder } from '../lib/discovery/hashing-embedder.ts'
import { stopWords, wordsOf } from '../lib/discovery/local/tokens.ts'
import { LocalEmbedder } from '../lib/discovery/local-embedder.ts'
import { LocalVectorIndex } from '../lib/discovery/local-vector-index.ts'
import {
  chooseThreshold,
  defaultRouteThresholds,
  type RouteSample,
  type RouteThreshold,
  routeRates,
} from '../lib/discovery/route-threshold.ts'
import { recordFigures } from './figures.ts'
import { printRoutingExamplesGain } from './routing-examples.ts'

// Next to the main checkout; DISCOVERY_DATA_DIR elsewhere (a worktree).
const dataDir = process.env.DISCOVERY_DATA_DIR
  ? new URL(`file://${process.env.DISCOVERY_DATA_DIR.replace(/\/?$/, '/')}`)
  : new URL('../../shared/discovery/', import.meta.url)
if (!existsSync(dataDir)) {
  console.error(
    `bench:discovery needs the discovery benchmark's data, looked for at ${fileURLToPath(dataDir)}: set DISCOVERY_DATA_DIR to the folder holding it (../shared/discovery beside the main checkout).`,
  )
  process.exit(1)
}
interface Card {
  agentId: string
  name: string
  description: string
  skills: { id: string; name: string; description: string; tags?: string[]; examples?: string[] }[]
}
interface Query {
  query: string
  expected: string
  category: string
}

const embedders: Embedder[] = [new LocalEmbedder(1024), new HashingEmbedder(1024)]

interface Ranker {
  name: string
  /** Every agent with its score for the query, best first. */
  rank(query: string): Promise<{ key: string; score: number }[]>
}

/** Ranks the cards as /search does: the query's vector against each agent text's, in the local index. */
const embeddingRanker = async (
  embedder: Embedder,
  cards: Card[],
  text: (card: Card) => string = agentText,
): Promise<Ranker> => {
  const index = new LocalVectorIndex()
  await index.put(
    await Promise.all(
      cards.map(async (card) => ({
        key: card.agentId,
        vector: await embedder.embed(text(card)),
        metadata: { agentId: card.agentId, status: 'active' as const },
      })),
    ),
  )
  const agentIds = cards.map((card) => card.agentId)
  return {
    name: embedder.name,
    rank: async (query) =>
      index.query(await embedder.embed(query), { topK: cards.length, agentIds }),
  }
}

/**
 * The issue's yardstick: words (no stems, no stop words) weighted by log term
 * frequency times inverse document frequency over the catalog, ranked by cosine.
 */
const tfIdfRanker = (cards: Card[]): Ranker => {
  const termsOf = (text: string) => {
    const counts = new Map<string, number>()
    for (const word of wordsOf(text)) {
      if (!stopWords.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1)
    }
    return counts
  }
  const documents = cards.map((card) => ({ key: card.agentId, terms: termsOf(agentText(card)) }))
  const documentFrequency = new Map<string, number>()
  for (const { terms } of documents) {
    for (const term of terms.keys())
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1)
  }
  const weighted = (terms: Map<string, number>) => {
    const weights = new Map<string, number>()
    for (const [term, count] of terms) {
      const df = documentFrequency.get(term)
      if (df) weights.set(term, (1 + Math.log(count)) * Math.log(cards.length / df))
    }
    const norm = Math.hypot(...weights.values()) || 1
    for (const [term, weight] of weights) weights.set(term, weight / norm)
    return weights
  }
  const vectors = documents.map(({ key, terms }) => ({ key, weights: weighted(terms) }))
  return {
    name: 'word TF-IDF',
    rank: async (query) => {
      const q = weighted(termsOf(query))
      return vectors
        .map(({ key, weights }) => {
          let score = 0
          for (const [term, weight] of q) score += weight * (weights.get(term) ?? 0)
          return { key, score }
        })
        .sort((a, b) => b.score - a.score)
    },
  }
}

const quality = async (ranker: Ranker, queries: Query[]) => {
  const best: RouteSample[] = []
  const byCategory = new Map<string, { top1: number; recall3: number; mrr: number; n: number }>()
  for (const { query, expected, category } of queries) {
    const ranked = await ranker.rank(query)
    const rank = ranked.findIndex((match) => match.key === expected) + 1
    const [first, second] = ranked
    best.push({
      score: first?.score ?? 0,
      margin: (first?.score ?? 0) - (second?.score ?? 0),
      right: rank === 1,
    })
    for (const key of [category, 'all']) {
      const row = byCategory.get(key) ?? { top1: 0, recall3: 0, mrr: 0, n: 0 }
      row.top1 += rank === 1 ? 1 : 0
      row.recall3 += rank >= 1 && rank <= 3 ? 1 : 0
      row.mrr += rank >= 1 ? 1 / rank : 0
      row.n++
      byCategory.set(key, row)
    }
  }
  return { byCategory, best }
}

/**
 * The agent text with some of the card's fields left out, in agentText's order,
 * so the fields it composes are each measured against leaving them out.
 */
const composed =
  (fields: { names: boolean; tags: boolean; examples: boolean }) =>
  (card: Card): string =>
    [
      fields.names ? card.name : '',
      card.description,
      ...card.skills.flatMap((skill) => [
        fields.names ? skill.name : '',
        skill.description,
        fields.tags ? (skill.tags ?? []).join(', ') : '',
        ...(fields.examples ? (skill.examples ?? []) : []),
      ]),
    ]
      .filter((part) => part && part.trim() !== '')
      .join('\n')

const compositions: [string, (card: Card) => string][] = [
  ['all fields (agentText)', agentText],
  ['without examples', composed({ names: true, tags: true, examples: false })],
  ['without tags', composed({ names: true, tags: false, examples: true })],
  ['names + descriptions only', composed({ names: true, tags: false, examples: false })],
  ['descriptions without names', composed({ names: false, tags: true, examples: true })],
]

/** The sample at or below which the share p of the samples fall. */
const percentile = (samples: number[], p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number
}

/** Embedding alone, the dev queries in turn, after one warm-up pass over them. */
const embedLatency = async (embedder: Embedder, queries: Query[], runs = 1_000) => {
  for (const { query } of queries) await embedder.embed(query)
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const text = (queries[i % queries.length] as Query).query
    const t0 = performance.now()
    await embedder.embed(text)
    samples.push(performance.now() - t0)
  }
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) }
}

/** What /route would do at each threshold: send to the right agent, the wrong one, or refuse. */
const calibration = (best: RouteSample[], margins: readonly number[]) =>
  margins.flatMap((minMargin) =>
    [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5].map((minScore) => ({
      threshold: { minScore, minMargin },
      ...routeRates(best, { minScore, minMargin }),
    })),
  )

const defaultOf = (embedder: Embedder): RouteThreshold =>
  defaultRouteThresholds[embedder.name as keyof typeof defaultRouteThresholds]

/** The margins the bench tries when it lets calibration choose the margin too. */
const marginGrid = [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08]

/**
 * Search as /search does it (embed the query, then the exact top 5) over
 * synthetic agents, the dev queries in turn; the warm-up also pays for the
 * index's first build, which only a change to the vectors repeats.
 */
const latency = async (embedder: Embedder, agents: number, queries: Query[], runs = 200) => {
  const index = new LocalVectorIndex()
  const random = (seed: number) => () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648 - 0.5
  }
  const next = random(agents)
  await index.put(
    Array.from({ length: agents }, (_, i) => ({
      key: `agent-${i}`,
      vector: Array.from({ length: embedder.dimension }, next),
      metadata: { agentId: `agent-${i}`, status: 'active' as const },
    })),
  )
  const agentIds = Array.from({ length: agents }, (_, i) => `agent-${i}`)
  const search = async (i: number) =>
    index.query(await embedder.embed((queries[i % queries.length] as Query).query), {
      topK: 5,
      agentIds,
    })
  for (let i = 0; i < 20; i++) await search(i)
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await search(i)
    samples.push(performance.now() - t0)
  }
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) }
}

const cards = JSON.parse(await readFile(new URL('agents.json', dataDir), 'utf8')) as Card[]
const queries = JSON.parse(await readFile(new URL('queries.dev.json', dataDir), 'utf8')) as Query[]

console.log(`\nDiscovery quality: ${cards.length} agents, ${queries.length} dev queries`)
console.log('| ranker | category | top-1 | recall@3 | MRR |')
console.log('| --- | --- | --- | --- | --- |')
const thresholds: string[] = []
const defaults: string[] = []
const calibrations: string[] = []
const rankers = [
  ...(await Promise.all(embedders.map((embedder) => embeddingRanker(embedder, cards)))),
  tfIdfRanker(cards),
]
const rates = ({ right, wrong, refused }: { right: number; wrong: number; refused: number }) =>
  `${right.toFixed(2)} | ${wrong.toFixed(2)} | ${refused.toFixed(2)}`
const rule = ({ minScore, minMargin }: RouteThreshold) =>
  `${minScore.toFixed(3)} | ${minMargin.toFixed(2)}`
for (const ranker of rankers) {
  const { byCategory: rows, best } = await quality(ranker, queries)
  const embedder = embedders.find((one) => one.name === ranker.name)
  if (embedder) {
    const chosen = defaultOf(embedder)
    for (const row of calibration(best, [...new Set([0, chosen.minMargin])])) {
      thresholds.push(`| ${ranker.name} | ${rule(row.threshold)} | ${rates(row)} |`)
    }
    const atDefault = routeRates(best, chosen)
    if (embedder.name === 'local') {
      await recordFigures('discovery', {
        defaultRight: atDefault.right,
        defaultWrong: atDefault.wrong,
        defaultRefused: atDefault.refused,
      })
    }
    defaults.push(
      `| ${ranker.name} | ${rule(chosen)} | ${rates(atDefault)} | ${atDefault.wrong <= 0.1 ? 'yes' : 'NO'} |`,
    )
    // Labelled: the dev set itself. Self: leave-one-out over the cards' own examples.
    const agents = cards.map((card) => ({ agentId: card.agentId, card }))
    for (const [label, margins] of [
      [`lead ${chosen.minMargin} kept`, [chosen.minMargin]],
      ['lead calibrated too', marginGrid],
    ] as const) {
      const labelled = chooseThreshold(best, { margins })
      const self = await calibrateFromCatalog(agents, embedder, {
        maxEmbeddings: 10_000,
        minMargin: chosen.minMargin,
        margins,
      })
      calibrations.push(
        `| ${ranker.name} | ${label} | labelled dev set | ${rule(labelled.threshold)} | ${rates(labelled.rates)} |`,
        `| ${ranker.name} | ${label} | self (${self.examples} card examples, ${self.embeddingCalls} embeddings) | ${rule(self.threshold)} | ${rates(routeRates(best, self.threshold))} |`,
      )
    }
  }
  for (const category of ['all', 'keyword', 'paraphrase', 'vague']) {
    const row = rows.get(category)
    if (!row) continue
    const f = (value: number) => (value / row.n).toFixed(2)
    console.log(
      `| ${ranker.name} | ${category} | ${f(row.top1)} | ${f(row.recall3)} | ${f(row.mrr)} |`,
    )
  }
}

console.log(
  '\n/route threshold sweep (share of dev queries: routed right, routed wrong, refused); a message routes when the best score reaches the minimum and leads the next agent by the minimum lead',
)
console.log('| embedder | min score | min lead | right | wrong | refused |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const line of thresholds) console.log(line)

console.log(
  '\nThe default threshold per embedder (lib/discovery/route-threshold.ts) on the dev set',
)
console.log('| embedder | min score | min lead | right | wrong | refused | wrong ≤ 10 % |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const line of defaults) console.log(line)

console.log(
  '\nCalibrated thresholds (wrong ≤ 10 % of the calibration queries, most routed right), each measured on the dev set',
)
console.log(
  '| embedder | margin | calibrated on | min score | min lead | right | wrong | refused |',
)
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
for (const line of calibrations) console.log(line)

const [local] = embedders as [Embedder]
console.log(`\nWhat the agent text is made of (${local.name} embedder, all dev queries)`)
console.log('| agent text | top-1 | recall@3 | MRR |')
console.log('| --- | --- | --- | --- |')
for (const [label, text] of compositions) {
  const row = (await quality(await embeddingRanker(local, cards, text), queries)).byCategory.get(
    'all',
  )
  if (!row) continue
  const f = (value: number) => (value / row.n).toFixed(2)
  console.log(`| ${label} | ${f(row.top1)} | ${f(row.recall3)} | ${f(row.mrr)} |`)
}

console.log('\nEmbedding latency (one query, 1,000 dev queries in turn, after a warm-up)')
console.log('| embedder | p50 ms | p99 ms |')
console.log('| --- | --- | --- |')
for (const embedder of embedders) {
  const { p50, p99 } = await embedLatency(embedder, queries)
  console.log(`| ${embedder.name} | ${p50.toFixed(3)} | ${p99.toFixed(3)} |`)
}

console.log(
  '\nSearch latency (embed + exact search, top 5, 200 queries after a warm-up), local index',
)
console.log('| embedder | agents | p50 ms | p99 ms |')
console.log('| --- | --- | --- | --- |')
for (const embedder of embedders) {
  for (const agents of [100, 1_000, 10_000]) {
    const { p50, p99 } = await latency(embedder, agents, queries)
    console.log(`| ${embedder.name} | ${agents} | ${p50.toFixed(2)} | ${p99.toFixed(2)} |`)
  }
}

// Issue 16, item 3: what operators' routing examples add, on queries they did not write.
await printRoutingExamplesGain(
  local,
  cards,
  queries,
  loadConfig({ TOKEN_ISSUER: 'http://127.0.0.1', SWITCHBOARD_MODE: 'local', EMBEDDER: 'local' })
    .discovery.routeThreshold,
)
