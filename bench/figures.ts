/**
 * Where each benchmark leaves its headline figures, for the one table
 * `npm run bench` ends with (bench/summary.ts). Git-ignored: figures of this
 * machine, this run.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const figuresDir = join(import.meta.dirname, '../.bench')

export type Figures = Record<string, number>

/** The sample below which the share `p` % of `sorted` (ascending) falls. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number

/** The middle value of `values` (the upper of the two middle ones for an even count). */
export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  )

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
