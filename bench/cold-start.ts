/**
 * Cold start: each handler's Lambda bundle (as `npm run build` makes it), its
 * size, and how long a fresh Node 24 process takes to import it, which is the
 * part of a Lambda cold start the code decides. `npm run bench:cold-start`.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { buildAll } from '../scripts/build.ts'

const run = promisify(execFile)
const runs = Number(process.env.BENCH_COLD_STARTS ?? 7)
const shim = pathToFileURL(join(import.meta.dirname, '../local/awslambda-shim.ts')).href

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

const outdir = await mkdtemp(join(tmpdir(), 'switchboard-cold-start-'))
try {
  const bundles = (await buildAll(outdir)).sort((a, b) => a.handler.localeCompare(b.handler))
  console.log(`\nCold start: each handler's bundle imported by a fresh Node process, ${runs} runs`)
  console.log('| handler | bundle KiB | import p50 ms | import max ms |')
  console.log('| --- | --- | --- | --- |')
  for (const { handler, file, bytes } of bundles) {
    const samples: number[] = []
    for (let i = 0; i < runs; i++) samples.push(await importMs(file))
    samples.sort((a, b) => a - b)
    const p50 = samples[Math.floor(samples.length / 2)] as number
    const max = samples.at(-1) as number
    console.log(
      `| ${handler} | ${(bytes / 1024).toFixed(0)} | ${p50.toFixed(1)} | ${max.toFixed(1)} |`,
    )
  }
} finally {
  await rm(outdir, { recursive: true, force: true })
}
