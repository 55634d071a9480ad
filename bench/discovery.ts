/**
 * Discovery quality and speed: ranks the 36 agents of ../shared/discovery for
 * each of the 150 dev queries with every embedder available offline, and times
 * queries against 100, 1,000 and 10,000 synthetic agents. `npm run bench:discovery`.
 */
import { readFile } from 'node:fs/promises'
import { agentText } from '../lib/discovery/agent-text.ts'
import type { Embedder } from '../lib/discovery/embedder.ts'
import { HashingEmbedder } from '../lib/discovery/hashing-embedder.ts'
import { LocalEmbedder } from '../lib/discovery/local-embedder.ts'
import { LocalVectorIndex } from '../lib/discovery/local-vector-index.ts'

const dataDir = new URL('../../shared/discovery/', import.meta.url)
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

const quality = async (embedder: Embedder, cards: Card[], queries: Query[]) => {
  const index = new LocalVectorIndex()
  await index.put(
    await Promise.all(
      cards.map(async (card) => ({
        key: card.agentId,
        vector: await embedder.embed(agentText(card)),
        metadata: { agentId: card.agentId, status: 'active' as const },
      })),
    ),
  )
  const agentIds = cards.map((card) => card.agentId)
  const best: { score: number; right: boolean }[] = []
  const byCategory = new Map<string, { top1: number; recall3: number; mrr: number; n: number }>()
  for (const { query, expected, category } of queries) {
    const ranked = await index.query(await embedder.embed(query), { topK: cards.length, agentIds })
    const rank = ranked.findIndex((match) => match.key === expected) + 1
    best.push({ score: ranked[0]?.score ?? 0, right: rank === 1 })
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

/** What /route would do at each threshold: send to the right agent, the wrong one, or refuse. */
const calibration = (best: { score: number; right: boolean }[]) =>
  [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5].map((threshold) => {
    const routed = best.filter(({ score }) => score >= threshold)
    return {
      threshold,
      right: routed.filter(({ right }) => right).length / best.length,
      wrong: routed.filter(({ right }) => !right).length / best.length,
      refused: (best.length - routed.length) / best.length,
    }
  })

const latency = async (embedder: Embedder, agents: number) => {
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
  const samples: number[] = []
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now()
    await index.query(await embedder.embed(`find me agent number ${i} for invoices`), {
      topK: 5,
      agentIds,
    })
    samples.push(performance.now() - t0)
  }
  samples.sort((a, b) => a - b)
  return { p50: samples[25] as number, p99: samples[49] as number }
}

const cards = JSON.parse(await readFile(new URL('agents.json', dataDir), 'utf8')) as Card[]
const queries = JSON.parse(await readFile(new URL('queries.dev.json', dataDir), 'utf8')) as Query[]

console.log(`\nDiscovery quality: ${cards.length} agents, ${queries.length} dev queries`)
console.log('| embedder | category | top-1 | recall@3 | MRR |')
console.log('| --- | --- | --- | --- | --- |')
const thresholds: string[] = []
for (const embedder of embedders) {
  const { byCategory: rows, best } = await quality(embedder, cards, queries)
  for (const { threshold, right, wrong, refused } of calibration(best)) {
    thresholds.push(
      `| ${embedder.name} | ${threshold} | ${right.toFixed(2)} | ${wrong.toFixed(2)} | ${refused.toFixed(2)} |`,
    )
  }
  for (const category of ['all', 'keyword', 'paraphrase', 'vague']) {
    const row = rows.get(category)
    if (!row) continue
    const f = (value: number) => (value / row.n).toFixed(2)
    console.log(
      `| ${embedder.name} | ${category} | ${f(row.top1)} | ${f(row.recall3)} | ${f(row.mrr)} |`,
    )
  }
}

console.log(
  '\n/route threshold calibration (share of dev queries: routed right, routed wrong, refused)',
)
console.log('| embedder | ROUTE_MIN_SCORE | right | wrong | refused |')
console.log('| --- | --- | --- | --- | --- |')
for (const line of thresholds) console.log(line)

console.log('\nQuery latency (embed + exact search, top 5), local index')
console.log('| embedder | agents | p50 ms | p99 ms |')
console.log('| --- | --- | --- | --- |')
for (const embedder of embedders) {
  for (const agents of [100, 1_000, 10_000]) {
    const { p50, p99 } = await latency(embedder, agents)
    console.log(`| ${embedder.name} | ${agents} | ${p50.toFixed(2)} | ${p99.toFixed(2)} |`)
  }
}
