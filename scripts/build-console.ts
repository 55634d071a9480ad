import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { consoleIndexHtml } from '../lib/console/static-files.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Where `npm run build` writes the console, and where the local gateway serves it from. */
export const consoleDistDir = join(root, 'dist', 'console')

export interface ConsoleBuild {
  files: string[]
  /** The JavaScript, gzipped, in bytes: the budget is 150 KB. */
  gzippedJsBytes: number
}

/**
 * Bundles the operator console (console/main.tsx, Preact) for the browser:
 * hashed `app-<hash>.js` and `app-<hash>.css`, and an index.html naming them,
 * with no inline script or style (the Content-Security-Policy forbids them).
 */
export const buildConsole = async (target = consoleDistDir): Promise<ConsoleBuild> => {
  // Built aside, then swapped in: a gateway serving the folder (or a second build
  // running at once, as test files and `npm start` may) never sees half a build.
  const outdir = `${target}.building-${process.pid}-${Date.now()}`
  await mkdir(outdir, { recursive: true })
  const result = await build({
    entryPoints: { app: join(root, 'console', 'main.tsx') },
    outdir,
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    minify: true,
    entryNames: '[name]-[hash]',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  })
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file))
  const script = outputs.find((file) => file.endsWith('.js'))
  const style = outputs.find((file) => file.endsWith('.css'))
  if (!script) throw new Error('the console build wrote no script')
  await writeFile(join(outdir, 'index.html'), consoleIndexHtml({ script, style }))
  let gzippedJsBytes = 0
  for (const file of await readdir(outdir)) {
    if (file.endsWith('.js')) gzippedJsBytes += gzipSync(await readFile(join(outdir, file))).length
  }
  const files = await readdir(outdir)
  await rm(target, { recursive: true, force: true })
  try {
    await rename(outdir, target)
  } catch (error) {
    // Another build swapped its copy in first: the same sources, so keep it.
    if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
    await rm(outdir, { recursive: true, force: true })
  }
  return { files, gzippedJsBytes }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { gzippedJsBytes } = await buildConsole()
  console.log(`dist/console  ${(gzippedJsBytes / 1024).toFixed(1)} KiB of JS gzipped`)
}
