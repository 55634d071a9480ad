import { execFile } from 'node:child_process'
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type BuildOptions, build } from 'esbuild'
import { buildConsole } from './build-console.ts'
import { buildKit } from './build-kit.ts'
import { builtinImports } from './builtin-imports.ts'
import { writeTerraformGatewayResponses } from './terraform-gateway-responses.ts'
import { writeTerraformRoutes } from './terraform-routes.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

// Some dependencies still `require()` at run time; ESM bundles need one to hand.
const requireShim =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

const entries = async (folder: string) =>
  (await readdir(join(root, folder)))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(root, folder, file))

/** A handler's Lambda code: what its import loads at once, and the chunks it loads on first use. */
export interface HandlerBundle {
  handler: string
  /** `<dir>/index.mjs`, exporting `handler`. */
  file: string
  /** The entry and every chunk it imports statically: what a cold start loads. */
  bytes: number
  /** Chunks loaded by `import()` only when a call needs them. */
  lazyBytes: number
}

/**
 * Moves every source map under `dir` to the same path under `mapsDir`. The maps were 78 % of
 * each zip, and Lambda never reads one: Node decodes traces with maps only under
 * `--enable-source-maps`, which would cost import time at every cold start (issue 20).
 * Each file's `//# sourceMappingURL=<file>.map` comment stays: Node ignores it where the map is
 * missing, and finds it again once the maps are set beside the code.
 */
const moveSourceMaps = async (dir: string, mapsDir: string) => {
  for (const file of await readdir(dir, { recursive: true })) {
    if (!file.endsWith('.map')) continue
    await mkdir(dirname(join(mapsDir, file)), { recursive: true })
    await rename(join(dir, file), join(mapsDir, file))
  }
}

/**
 * One handler into its own folder (the function's zip): `index.mjs` and the
 * chunks esbuild splits off at each `import()`, so code only some calls need
 * (discovery for `/route`, Secrets Manager, KMS, SigV4) is not loaded at a
 * cold start. Its source maps go to `mapsDir`, at the same depth as `dir`
 * (`dist/sourcemaps/<name>/`), so their relative `sources` still resolve.
 */
const buildHandler = async (
  entry: string,
  dir: string,
  mapsDir: string,
  common: BuildOptions,
): Promise<HandlerBundle> => {
  const { metafile } = await build({
    ...common,
    entryPoints: { index: entry },
    outdir: dir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    banner: { js: requireShim },
    metafile: true,
    // A function's `import 'node:http'` without loading Node's fetch (scripts/builtin-imports.ts).
    plugins: [builtinImports],
  })
  const outputs = metafile.outputs
  const file = join(dir, 'index.mjs')
  const key = Object.keys(outputs).find(
    (output) => join(root, output) === file || output.endsWith('/index.mjs'),
  )
  if (!key) throw new Error(`esbuild wrote no index.mjs for ${entry}`)
  await moveSourceMaps(dir, mapsDir)
  const atStart = new Set<string>()
  const visit = (output: string) => {
    if (atStart.has(output)) return
    atStart.add(output)
    for (const imported of outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && outputs[imported.path]) visit(imported.path)
    }
  }
  visit(key)
  const scripts = Object.entries(outputs).filter(([output]) => output.endsWith('.mjs'))
  const size = (loadedAtStart: boolean) =>
    scripts
      .filter(([output]) => atStart.has(output) === loadedAtStart)
      .reduce((sum, [, { bytes }]) => sum + bytes, 0)
  return { handler: basename(entry, '.ts'), file, bytes: size(true), lazyBytes: size(false) }
}

/**
 * Bundles each handler into one self-contained `.mjs` for Lambda (Node 24,
 * arm64), each sample agent's Lambda entry likewise (`dist/agents/`, for
 * terraform/modules/sample-agents), and the middleware kit (scripts/build-kit.ts), with its
 * declarations (`dist/types/`, emitted by tsc from tsconfig.types.json).
 * Returns each handler's sizes and the console's JavaScript gzipped, in bytes.
 */
export const buildAll = async (outdir = join(root, 'dist')) => {
  // Only what this build rewrites whole, so that no stale file stays: not dist/console, which
  // the console's build swaps in at once and a running gateway (npm start, a test's) serves.
  for (const folder of ['handlers', 'sourcemaps', 'agents', 'middlewares', 'types']) {
    await rm(join(outdir, folder), { recursive: true, force: true })
  }
  // First, since the console's function carries it (lib/console/console-files.ts).
  const built = await buildConsole(join(outdir, 'console'))
  const consoleFiles: Record<string, string> = {}
  for (const file of built.files) {
    consoleFiles[file] = (await readFile(join(outdir, 'console', file))).toString('base64')
  }
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    // ES modules first: the AWS SDK's dist-es tree-shakes; its dist-cjs (esbuild's node default) does not.
    mainFields: ['module', 'main'],
  }
  const handlers = await Promise.all(
    (await entries('handlers')).map((entry) =>
      buildHandler(
        entry,
        join(outdir, 'handlers', basename(entry, '.ts')),
        join(outdir, 'sourcemaps', basename(entry, '.ts')),
        {
          ...common,
          // Only the console's function reads them (lib/console/console-files.ts).
          define: { SWITCHBOARD_CONSOLE_FILES: JSON.stringify(consoleFiles) },
        },
      ),
    ),
  )
  await build({
    ...common,
    entryPoints: await entries('agents/lambda'),
    outdir: join(outdir, 'agents'),
    minify: true,
    banner: { js: requireShim },
  })
  await buildKit(root, join(outdir, 'middlewares'), common)
  await promisify(execFile)(join(root, 'node_modules/.bin/tsc'), [
    '-p',
    join(root, 'tsconfig.types.json'),
    '--outDir',
    join(outdir, 'types'),
  ])
  return { handlers, consoleJsGzippedBytes: built.gzippedJsBytes }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { handlers: bundles, consoleJsGzippedBytes } = await buildAll()
  // The Terraform stack builds its API from this copy of lib/routes.ts.
  await writeTerraformRoutes(root)
  console.log('terraform/generated/routes.json')
  // ...and its gateway responses from lib/gateway-responses.ts.
  await writeTerraformGatewayResponses(root)
  console.log('terraform/generated/gateway-responses.json')
  for (const { handler, bytes, lazyBytes } of bundles) {
    console.log(
      `dist/handlers/${handler}/  ${(bytes / 1024).toFixed(0)} KiB at start, ${(lazyBytes / 1024).toFixed(0)} KiB on first use`,
    )
  }
  console.log("dist/sourcemaps/<name>/  each handler's source maps (not in its zip)")
  console.log(`dist/console  ${(consoleJsGzippedBytes / 1024).toFixed(1)} KiB of JS gzipped`)
}
