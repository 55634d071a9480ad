/**
 * Where a CPU profile's time went, by part of the stack: each sample is put
 * down to the nearest frame (itself or a caller) that belongs to a known part
 * (the emulator, the handlers, the AWS SDK, dynalite, …), then the top
 * functions by self time. For `BENCH_PROFILE=<file> npm run bench:gateway`, or
 * any `node --cpu-prof` output:
 *
 *   node bench/profile-summary.ts <file.cpuprofile> [how many functions]
 */
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
export interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The profiler's own frames (starting and stopping it): the measurement, not the measured. */
export const profilerPart = 'the profiler (the measurement itself)'

const root = dirname(import.meta.dirname)
const ours = (folders: string) => new RegExp(`${root}/(${folders})/`)
const parts: [string, RegExp][] = [
  [
    'dynalite (database)',
    /node_modules\/(dynalite|abstract-level|classic-level|memory-level|level)/,
  ],
  ['AWS SDK clients', /node_modules\/(@aws-sdk|@smithy|@aws-crypto)/],
  ['emulator: authorizer cache (cached policy checked)', new RegExp(`${root}/local/policy-`)],
  ['emulator', ours('local')],
  ['handlers (own code)', ours('handlers|middlewares|lib')],
  ['zod', /node_modules\/zod/],
  ['middy', /node_modules\/@middy/],
  ['Powertools', /node_modules\/@aws-lambda-powertools/],
  ['jose (token checks)', /node_modules\/jose/],
  ['sample agents', ours('agents')],
  ['benchmark (callers, agents)', ours('bench')],
  ['fetch (undici)', /undici/],
  [profilerPart, /^node:inspector/],
]
const engine = new Set(['(idle)', '(program)', '(garbage collector)'])

/**
 * A profile's sampled time (µs) by part of the stack, and by function (`part | name file:line`),
 * idle included under `(idle)`.
 *
 * @example
 * const { byPart } = timeByPart(JSON.parse(readFileSync(file, 'utf8')))
 */
export const timeByPart = (profile: Profile) => {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id)

  const selfTime = new Map<number, number>()
  profile.samples.forEach((id, at) => {
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[at] ?? 0))
  })

  const partOf = (id: number): string => {
    const own = (nodes.get(id) as ProfileNode).callFrame.functionName
    if (engine.has(own)) return own
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const { url } = (nodes.get(at) as ProfileNode).callFrame
      const part = parts.find(([, pattern]) => pattern.test(url))
      if (part) return part[0]
    }
    return 'Node (sockets, HTTP parsing, timers)'
  }

  const byPart = new Map<string, number>()
  const byFunction = new Map<string, number>()
  for (const [id, micros] of selfTime) {
    const part = partOf(id)
    byPart.set(part, (byPart.get(part) ?? 0) + micros)
    const { functionName, url, lineNumber } = (nodes.get(id) as ProfileNode).callFrame
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${lineNumber + 1}`
    const key = `${part} | ${where}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros)
  }
  const busy = [...byPart].filter(([part]) => part !== '(idle)').reduce((sum, [, v]) => sum + v, 0)
  return { byPart, byFunction, busy }
}

const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1])

if (import.meta.main) {
  const [file, count = '30'] = process.argv.slice(2)
  if (!file) {
    console.error('Usage: node bench/profile-summary.ts <file.cpuprofile> [how many functions]')
    process.exit(2)
  }
  const { byPart, byFunction, busy } = timeByPart(JSON.parse(readFileSync(file, 'utf8')))
  console.log(`\nBusy ${(busy / 1000).toFixed(0)} ms, by part`)
  console.log('| part | ms | share of busy |')
  console.log('| --- | --- | --- |')
  for (const [part, micros] of sorted(byPart)) {
    const share = part === '(idle)' ? '' : `${((100 * micros) / busy).toFixed(1)} %`
    console.log(`| ${part} | ${(micros / 1000).toFixed(0)} | ${share} |`)
  }
  console.log('\n| self ms | part | function |')
  console.log('| --- | --- | --- |')
  for (const [key, micros] of sorted(byFunction).slice(0, Number(count))) {
    const [part, where] = key.split(' | ')
    console.log(`| ${(micros / 1000).toFixed(0)} | ${part} | ${where} |`)
  }
}
