/**
 * The test run's duration, before and after: issue 20's check that `bash .ci/run` on a fresh
 * clone grows by no more than 20 %. This machine's speed drifts (the same commit's run has taken
 * 3 min 12 s one day and 6 min 31 s another), so a duration recorded on another day is no share
 * of today's: the before commit is cloned and run here, turn about with the after commit, as
 * `bench:cold-start` imports the before bundles in the same run.
 *
 * Each run is what CI does: a fresh clone beside this repository (so `../shared` is the same),
 * checked out at the commit, then `bash .ci/run` (npm ci, then the README's `npm test`), timed
 * from the outside, with a temporary folder of its own (so no run finds another's compile cache)
 * and none of npm's own variables. A run that fails is no duration: its log is kept and the
 * benchmark stops.
 *
 * The first run of all is the after commit's: whatever the machine has not yet warmed (npm's
 * cache, the file cache, Chromium's install) is paid by the side the check is about, so an
 * uneven round can only make the check harder to pass. Rounds then alternate which goes first.
 *
 * `npm run bench:ci`: not part of `npm run bench`, since each round is two whole runs (about 15
 * minutes on 2 cores; run nothing else beside it). BENCH_CI_BEFORE (bench/baseline/before.json's
 * commit), BENCH_CI_AFTER (HEAD), BENCH_CI_ROUNDS (1). Each run's log is left in
 * .bench/ci-<commit>-<round>.log; an interrupted run's clone and temporary folder are removed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { median, minutesAndSeconds, recordFigures } from './figures.ts'

const exec = promisify(execFile)
const root = join(import.meta.dirname, '..')
const figuresDir = join(root, '.bench')
const beside = dirname(root)

const baselineCommit = (
  JSON.parse(await readFile(join(import.meta.dirname, 'baseline/before.json'), 'utf8')) as {
    commit: string
  }
).commit
const resolve = async (revision: string) =>
  (await exec('git', ['rev-parse', '--short', `${revision}^{commit}`], { cwd: root })).stdout.trim()
const before = await resolve(process.env.BENCH_CI_BEFORE ?? baselineCommit)
const after = await resolve(process.env.BENCH_CI_AFTER ?? 'HEAD')
const rounds = Number(process.env.BENCH_CI_ROUNDS ?? 1)
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error('BENCH_CI_ROUNDS: a whole number, at least 1')

/** The environment a fresh CI machine gives `.ci/run`: this one's, without npm's own variables. */
const ciEnvironment = (temporary: string) => {
  const environment: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(name) && name !== 'NODE_COMPILE_CACHE') {
      environment[name] = value
    }
  }
  return { ...environment, TMPDIR: temporary }
}

/** The run under way, and what it leaves behind: removed at its end, or stopped and removed on Ctrl-C. */
let running: ChildProcess | undefined
let leftBehind: string[] = []
const removeLeftBehind = () =>
  Promise.all(leftBehind.map((path) => rm(path, { recursive: true, force: true })))
process.once('SIGINT', () => {
  running?.kill('SIGINT')
  void removeLeftBehind().finally(() => process.exit(130))
})

/** One whole CI run of `commit` on a fresh clone: its wall time in seconds. */
const ciSeconds = async (commit: string, round: number): Promise<number> => {
  const clone = join(beside, `ci-duration-${commit}`)
  const temporary = await mkdtemp(join(tmpdir(), `ci-duration-${commit}-`))
  const logFile = join(figuresDir, `ci-${commit}-${round}.log`)
  leftBehind = [clone, temporary]
  try {
    await rm(clone, { recursive: true, force: true })
    await exec('git', ['clone', '-q', root, clone])
    await exec('git', ['checkout', '-q', commit], { cwd: clone })
    await mkdir(figuresDir, { recursive: true })
    const log = createWriteStream(logFile)
    const started = performance.now()
    const child = spawn('bash', ['.ci/run'], { cwd: clone, env: ciEnvironment(temporary) })
    running = child
    child.stdout.pipe(log)
    child.stderr.pipe(log)
    const code = await new Promise<number | null>((done) => child.on('close', done))
    const seconds = (performance.now() - started) / 1000
    await new Promise((done) => log.end(done))
    if (code !== 0) {
      throw new Error(`bash .ci/run failed at ${commit} (exit ${code}): see ${logFile}`)
    }
    console.log(`${commit} (round ${round}): ${seconds.toFixed(0)} s, log ${basename(logFile)}`)
    return seconds
  } finally {
    await removeLeftBehind()
    leftBehind = []
  }
}

const seconds: Record<'before' | 'after', number[]> = { before: [], after: [] }
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? (['after', 'before'] as const) : (['before', 'after'] as const)
  for (const side of order) {
    seconds[side].push(await ciSeconds(side === 'before' ? before : after, round))
  }
}

const beforeSeconds = median(seconds.before)
const afterSeconds = median(seconds.after)
const share = afterSeconds / beforeSeconds
console.log(`\n\`bash .ci/run\` on a fresh clone, turn about, ${rounds} round(s)`)
console.log('| commit | runs | median |')
console.log('| --- | --- | --- |')
console.log(
  `| before (${before}) | ${seconds.before.map(minutesAndSeconds).join(', ')} | ${minutesAndSeconds(beforeSeconds)} |`,
)
console.log(
  `| after (${after}) | ${seconds.after.map(minutesAndSeconds).join(', ')} | ${minutesAndSeconds(afterSeconds)} |`,
)
console.log(`\nafter / before: ${(share * 100).toFixed(0)} % (issue 20: at most 120 %)`)
await recordFigures('ci', { beforeSeconds, afterSeconds, durationShare: share })
