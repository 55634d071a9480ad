/**
 * Cold start: each handler's Lambda code (as `npm run build` makes it), what
 * its import loads (the entry and its static chunks) and what it leaves for
 * first use, and how long a fresh Node 24 process takes to import it, which is
 * the part of a Lambda cold start the code decides. `npm run bench:cold-start`.
 *
 * Before/after: the bundles of the baseline commit (bench/baseline/cold-start.json
 * names it) are imported in the same run, turn about with today's, when
 * BENCH_BASELINE_BUNDLES names a folder holding them (`<handler>.mjs`); otherwise
 * the baseline's recorded figures are printed beside today's, for a look only: import times of
 * another day on another machine's load are no share of today's, so the import share (issue 20's
 * measure, "in the same run") is left to a run that has the old bundles.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { buildAll } from '../scripts/build.ts'
import { type Figures, recordFigures } from './figures.ts'

const run = promisify(execFile)
const runs = Number(process.env.BENCH_COLD_STARTS ?? 7)
const shim = pathToFileURL(join(import.meta.dirname, '../local/awslambda-shim.ts')).href

interface Baseline {
  commit: string
  note: string
  handlers: Record<string, { kib: number; importMs: number }>
}
const baseline = JSON.parse(
  await readFile(join(import.meta.dirname, 'baseline/cold-start.json'), 'utf8'),
) as Baseline
const baselineBundles = process.env.BENCH_BASELINE_BUNDLES

/** One fresh process: the Lambda globals, then the bundle, timed from inside. */
const importMs = async (bundle: string): Promise<number> => {
  const script = `
    await import(${JSON.stringify(shim)})
    const started = performance.now()
    await import(${JSON.stringify(pathToFileURL(bundle).href)})
    console.log(performance.now() - started)`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    // What a handler reads at import; the values are never used to call anything.
    env: { ...process.env, TOKEN_ISSUER: 'https://issuer.example.com', NODE_PATH: '' },
  })
  return Number(stdout.trim())
}

const median = (samples: number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number

const kib = (bytes: number) => (bytes / 1024).toFixed(0)

const outdir = await mkdtemp(join(tmpdir(), 'switchboard-cold-start-'))
try {
  const bundles = (await buildAll(outdir)).handlers.sort((a, b) =>
    a.handler.localeCompare(b.handler),
  )
  const sameRun = baselineBundles !== undefined
  console.log(
    `\nCold start: each handler's code imported by a fresh Node process, ${runs} runs; before = ${baseline.commit}${sameRun ? ', imported in this run' : ' (recorded figures)'}`,
  )
  console.log(
    '| handler | before KiB | after KiB at start | after KiB on first use | before import p50 ms | after import p50 ms | after / before |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  const figures: Figures = {}
  for (const { handler, file, bytes, lazyBytes } of bundles) {
    const old = join(baselineBundles ?? '', `${handler}.mjs`)
    const compareHere = sameRun && existsSync(old)
    const before: number[] = []
    const after: number[] = []
    for (let i = 0; i < runs; i++) {
      if (compareHere) before.push(await importMs(old))
      after.push(await importMs(file))
    }
    const recorded = baseline.handlers[handler]
    const beforeKib = compareHere ? kib((await stat(old)).size) : String(recorded?.kib ?? '–')
    const beforeMs = compareHere ? median(before) : recorded?.importMs
    const afterMs = median(after)
    figures[`${handler}KiB`] = bytes / 1024
    if (beforeMs && compareHere) figures[`${handler}ImportShare`] = afterMs / beforeMs
    console.log(
      `| ${handler} | ${beforeKib} | ${kib(bytes)} | ${kib(lazyBytes)} | ${beforeMs?.toFixed(1) ?? '–'} | ${afterMs.toFixed(1)} | ${beforeMs ? `${((afterMs / beforeMs) * 100).toFixed(0)} %` : '–'} |`,
    )
  }
  if (!sameRun) {
    console.log(
      `(before: ${baseline.commit}'s figures recorded on another day, for a look only; the import shares in the summary need its bundles imported in this run: BENCH_BASELINE_BUNDLES=<folder of its ${Object.keys(
        baseline.handlers,
      )
        .map((handler) => `${handler}.mjs`)
        .join(', ')}>)`,
    )
  }
  await recordFigures('cold-start', figures)
} finally {
  await rm(outdir, { recursive: true, force: true })
}
