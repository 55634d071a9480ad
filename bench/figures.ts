/**
 * Where each benchmark leaves its headline figures, for the one table
 * `npm run bench` ends with (bench/summary.ts). Git-ignored: figures of this
 * machine, this run.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

const figuresDir = join(import.meta.dirname, '../.bench')

export type Figures = Record<string, number>

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * Collects this thread's garbage now, so that a measure of single events' delays
 * starts from a settled heap and does not catch the collection the phases before
 * it left due (a 10-20 ms pause, seen with --trace-gc, that lands on one event).
 */
export const collectGarbage = () => gc()

/** The sample below which the share `p` % of `sorted` (ascending) falls. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number

/** The middle value of `values` (the upper of the two middle ones for an even count). */
export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  )

/** `value` seconds as "6 min 05 s", rounded to the second first (359.7 s is 6 min 00 s). */
export const minutesAndSeconds = (value: number) => {
  const whole = Math.round(value)
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`
}

/** Keeps a benchmark's figures of this run (overwriting its last). */
export const recordFigures = async (bench: string, figures: Figures): Promise<void> => {
  await mkdir(figuresDir, { recursive: true })
  await writeFile(
    join(figuresDir, `${bench}.json`),
    `${JSON.stringify({ at: new Date().toISOString(), figures }, null, 2)}\n`,
  )
}

/** A benchmark's last figures, or undefined if it has not run here. */
export const readFigures = async (bench: string): Promise<Figures | undefined> => {
  try {
    return (
      JSON.parse(await readFile(join(figuresDir, `${bench}.json`), 'utf8')) as { figures: Figures }
    ).figures
  } catch {
    return undefined
  }
}
