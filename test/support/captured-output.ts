import { vi } from 'vitest'

/**
 * What this process writes to stdout and stderr from now on, kept rather than printed: the
 * handlers' log lines, as CloudWatch would take them. `vi.restoreAllMocks()` ends it.
 *
 * @example
 * const written = captureOutput() // ... then written.join('') holds every line
 */
export const captureOutput = (): string[] => {
  const written: string[] = []
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
  }
  return written
}
