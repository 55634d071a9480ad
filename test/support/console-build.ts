import type { TestProject } from 'vitest/node'
import { buildConsole } from '../../scripts/build-console.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The operator console's files, built once for the run into dist/console. */
    consoleFiles: string[]
  }
}

/**
 * Builds the operator console once, before any test file runs: every local
 * stack serves it from dist/console, and a file that built it for itself would
 * swap the folder under another file's stack (a fresh clone has none).
 */
export default async function setup(project: TestProject) {
  const built = await buildConsole()
  project.provide('consoleFiles', built.files)
}
