import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * Where this project's dynalite is, and a `require` that resolves as its own
 * index.js does: its modules and the packages it depends on (`level`,
 * `buffer-crc32`), the very instances dynalite loads. For the code that changes
 * what dynalite does from outside it (local/dynalite-shortcuts.ts,
 * local/dynalite-direct.ts, local/journaled-store.ts).
 *
 * @example
 * const { dir, require } = dynaliteModules()
 * const db = require('./db') // dynalite's db/index.js
 */
export const dynaliteModules = () => {
  const dir = dirname(createRequire(import.meta.url).resolve('dynalite'))
  return { dir, require: createRequire(join(dir, 'index.js')) }
}
