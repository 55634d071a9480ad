import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'

/**
 * Runs `run`, under this thread's CPU profiler when `file` names where to write
 * the profile (for `node bench/profile-summary.ts <file>`); without, it just runs.
 *
 * @example
 * await profiled(process.env.BENCH_PROFILE, () => load(gateway))
 */
export const profiled = async <T>(file: string | undefined, run: () => Promise<T>): Promise<T> => {
  if (!file) return run()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', {
    interval: Number(process.env.BENCH_PROFILE_INTERVAL ?? 1000),
  })
  await session.post('Profiler.start')
  try {
    return await run()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    await writeFile(file, JSON.stringify(profile))
    session.disconnect()
  }
}
