/**
 * The one table `npm run bench` ends with: each goal of issue 20 (and the
 * routing default of issue 16), its figure before (bench/baseline/before.json)
 * and after (this run's, left by each benchmark in .bench/), and whether the
 * goal is met. Run the benchmarks first; a figure they did not leave shows "–".
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { coldStartBudgetKiB } from './budgets.ts'
import { type Figures, readFigures } from './figures.ts'

interface Goal {
  label: string
  /** `bench.figure` */
  figure: string
  goal: string
  /** Whether the goal is met; no goal (a figure shown for what it explains): '–'. */
  met?: (after: number) => boolean
  format: (value: number) => string
}

const ms =
  (digits = 2) =>
  (value: number) =>
    `${value.toFixed(digits)} ms`
const percent = (value: number) => `${(value * 100).toFixed(0)} %`
const count = (value: number) => value.toFixed(2)
/** A warm call's requests, plus the agent record's read when its 750 ms cache runs out (a few hundredths a call). */
const atMostTwoWarm = (value: number) => value <= 2.05
const kib = (value: number) => `${value.toFixed(0)} KiB`

const goals: Goal[] = [
  {
    label: 'Handler CPU per unary call, p50',
    figure: 'handler.unaryCpuMsP50',
    goal: '≤ 0.5 ms',
    met: (v) => v <= 0.5,
    format: ms(),
  },
  {
    label: "Node's floor under it: the same three exchanges, bare node:http, p50",
    figure: 'handler.unaryFloorCpuMsP50',
    goal: '(no goal: no handler making them with node:http goes below it)',
    format: ms(),
  },
  {
    label: 'DynamoDB requests per unary SendMessage',
    figure: 'handler.unaryDbRequests',
    goal: '≤ 2 per warm call',
    met: atMostTwoWarm,
    format: count,
  },
  {
    label: 'DynamoDB requests per streamed call',
    figure: 'handler.streamDbRequests',
    goal: '≤ 2 per warm call',
    met: atMostTwoWarm,
    format: count,
  },
  {
    label: 'DynamoDB requests per GetTask',
    figure: 'handler.getTaskDbRequests',
    goal: '≤ 2 per warm call',
    met: atMostTwoWarm,
    format: count,
  },
  {
    label: 'Agents bundle loaded at a cold start',
    figure: 'cold-start.agentsKiB',
    goal: `≤ ${coldStartBudgetKiB} KiB`,
    met: (v) => v <= coldStartBudgetKiB,
    format: kib,
  },
  {
    label: 'Authorizer bundle loaded at a cold start',
    figure: 'cold-start.authorizerKiB',
    goal: `≤ ${coldStartBudgetKiB} KiB`,
    met: (v) => v <= coldStartBudgetKiB,
    format: kib,
  },
  {
    label: 'Agents import time, share of before (same run)',
    figure: 'cold-start.agentsImportShare',
    goal: '≤ 60 %',
    met: (v) => v <= 0.6,
    format: percent,
  },
  {
    label: 'Authorizer import time, share of before (same run)',
    figure: 'cold-start.authorizerImportShare',
    goal: '≤ 60 %',
    met: (v) => v <= 0.6,
    format: percent,
  },
  {
    label: 'Local gateway overhead, unary p50, one caller at a time',
    figure: 'gateway.overheadP50',
    goal: '≤ +1.5 ms',
    met: (v) => v <= 1.5,
    format: ms(),
  },
  {
    label: 'Local gateway throughput, 16 callers, share of direct',
    figure: 'gateway.throughputShare',
    goal: '≥ 35 %',
    met: (v) => v >= 0.35,
    format: percent,
  },
  {
    label: "Node's floor under it: a bare node:http relay's share, in the gateway's place",
    figure: 'gateway.relayThroughputShare',
    goal: '(no goal: a proxy that does nothing else)',
    format: percent,
  },
  {
    label: "Local gateway's CPU per unary call, main thread, one caller at a time",
    figure: 'gateway.mainThreadCpuMs',
    goal: '(no goal: its throughput follows it)',
    format: ms(),
  },
  {
    label:
      "Local gateway's CPU per unary call, its other threads (the database's), one caller at a time",
    figure: 'gateway.otherThreadsCpuMs',
    goal: '(no goal)',
    format: ms(),
  },
  {
    label: 'First streamed event, gateway − direct, p50, one stream at a time',
    figure: 'gateway.firstEventOverheadP50',
    goal: '≤ 2 ms',
    met: (v) => v <= 2,
    format: ms(),
  },
  {
    label: 'Delay each streamed event gains, p99, one stream at a time',
    figure: 'gateway.perEventDelayP99',
    goal: '≤ 0.5 ms',
    met: (v) => v <= 0.5,
    format: ms(),
  },
  {
    label: "Node's floor under it: a bare node:http relay's, p99",
    figure: 'gateway.relayPerEventDelayP99',
    goal: '(no goal: the extra hop alone)',
    format: ms(),
  },
  {
    label: 'Rate limit, 16 shards: passes of a limit of 600',
    figure: 'rate-limit.shards16Passed',
    goal: 'exactly 600',
    met: (v) => v === 600,
    format: (v) => v.toFixed(0),
  },
  {
    label: 'Rate limit, 16 shards: writes per allowed call',
    figure: 'rate-limit.shards16WritesPerAllowed',
    goal: 'near 1',
    met: (v) => v <= 1.25,
    format: count,
  },
  {
    label: '`bash .ci/run` on a fresh clone, duration, share of before (same machine, turn about)',
    figure: 'ci.durationShare',
    goal: '≤ 120 % (`npm run bench:ci`)',
    met: (v) => v <= 1.2,
    format: percent,
  },
  {
    label: '/route wrong routes on the dev set, local embedder default',
    figure: 'discovery.defaultWrong',
    goal: '≤ 10 %',
    met: (v) => v <= 0.1,
    format: percent,
  },
  {
    label: '/route right routes on the dev set, local embedder default',
    figure: 'discovery.defaultRight',
    goal: '(as many as precision allows)',
    format: percent,
  },
]

const baseline = JSON.parse(
  await readFile(join(import.meta.dirname, 'baseline/before.json'), 'utf8'),
) as {
  commit: string
  figures: Figures
  /** Issue 20's own before-figures, taken with its own method: shown beside the table, as such. */
  issue?: { note: string; figures: Record<string, { label: string; value: string }> }
}

const after: Figures = {}
for (const bench of ['handler', 'gateway', 'cold-start', 'rate-limit', 'discovery', 'ci']) {
  for (const [name, value] of Object.entries((await readFigures(bench)) ?? {})) {
    after[`${bench}.${name}`] = value
  }
}

console.log(
  `\nIssue 20's goals: before (${baseline.commit}, bench/baseline/before.json) and after (this run)`,
)
console.log('| measure | goal | before | after | met |')
console.log('| --- | --- | --- | --- | --- |')
for (const { label, figure, goal, met, format } of goals) {
  const before = baseline.figures[figure]
  const now = after[figure]
  console.log(
    `| ${label} | ${goal} | ${before === undefined ? '–' : format(before)} | ${now === undefined ? '–' : format(now)} | ${now === undefined || !met ? '–' : met(now) ? 'yes' : 'no'} |`,
  )
}
if (baseline.issue) {
  console.log(`\nIssue 20's own before-figures (${baseline.issue.note}):`)
  for (const { label, value } of Object.values(baseline.issue.figures)) {
    console.log(`- ${label}: ${value}`)
  }
}
