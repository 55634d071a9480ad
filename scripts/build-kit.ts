import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type BuildOptions, build } from 'esbuild'

/**
 * The middleware kit (the package's `exports`): one esbuild build of every
 * middleware, ESM, its shared modules split into `chunks/` so each exists once.
 * Bundled one by one, lib/errors.ts was copied into eleven files, and an error
 * thrown by one middleware was no `instanceof SwitchboardError` to the renderer
 * of another (a 400 answered as a 500). Packages stay external: the consumer
 * installs them (package.json's dependencies and peers).
 */
export const buildKit = async (root: string, outdir: string, common: BuildOptions) => {
  const entryPoints = (await readdir(join(root, 'middlewares')))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(root, 'middlewares', file))
  await build({
    ...common,
    entryPoints,
    outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    packages: 'external',
  })
}
