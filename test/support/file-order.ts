import { statSync } from 'node:fs'
import { relative } from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The run's files, longest first whatever their project, as one run of a single project orders
 * them: by last run's duration, or by size when a file has none (a fresh clone). Vitest's own
 * order runs one project's files after the other's, which left the `stack` project's files,
 * mostly waiting on servers and browsers, side by side with no `unit` file to fill the waits:
 * the whole run took 512 s, and 415 s with the same files interleaved (2 cores, fresh clone order).
 */
export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx
    const lastDuration = (spec: TestSpecification) =>
      cache.getFileTestResults(`${spec.project.name}:${relative(config.root, spec.moduleId)}`)
        ?.duration
    const durations = files.map(lastDuration)
    const allTimed = durations.every((duration) => duration !== undefined)
    const weights = new Map(
      files.map((spec, i) => [
        spec,
        allTimed ? (durations[i] as number) : statSync(spec.moduleId).size,
      ]),
    )
    return [...files].sort((a, b) => (weights.get(b) as number) - (weights.get(a) as number))
  }
}
