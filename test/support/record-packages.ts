/**
 * Loaded with `node --import` into a process a test runs: records the packages the process
 * resolves (by their folder under node_modules: `express`, `@aws-sdk/client-dynamodb`) and, as
 * its main thread exits, writes them as a JSON array to the file RECORD_PACKAGES_TO names.
 * Resolving is all it watches: the process runs as it would without it.
 */
import { writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { isMainThread } from 'node:worker_threads'

const file = process.env.RECORD_PACKAGES_TO
if (file && isMainThread) {
  const packages = new Set<string>()
  registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context)
      const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)?.[1]
      if (name) packages.add(name)
      return resolved
    },
  })
  process.on('exit', () => writeFileSync(file, JSON.stringify([...packages])))
}
