import { execFile } from 'node:child_process'
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { buildConsole } from './build-console.ts'
import { writeTerraformGatewayResponses } from './terraform-gateway-responses.ts'
import { writeTerraformRoutes } from './terraform-routes.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

// Some dependencies still `require()` at run time; ESM bundles need one to hand.
const requireShim =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

/** The console's JavaScript, gzipped, as the last build wrote it (printed by `npm run build`). */
let consoleJsGzippedBytes = 0

const entries = async (folder: string) =>
  (await readdir(join(root, folder)))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(root, folder, file))

/**
 * Bundles each handler into one self-contained `.mjs` for Lambda (Node 24,
 * arm64), each sample agent's Lambda entry likewise (`dist/agents/`, for
 * terraform/modules/sample-agents), and each middleware into an `.mjs` with its
 * dependencies left to the consumer, for the package's `exports`, with their
 * declarations (`dist/types/`, emitted by tsc from tsconfig.types.json).
 */
export const buildAll = async (outdir = join(root, 'dist')) => {
  await rm(outdir, { recursive: true, force: true })
  // First, since the console's function carries it (lib/console/console-files.ts).
  const built = await buildConsole(join(outdir, 'console'))
  const consoleFiles: Record<string, string> = {}
  for (const file of built.files) {
    consoleFiles[file] = (await readFile(join(outdir, 'console', file))).toString('base64')
  }
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  } as const
  await build({
    ...common,
    entryPoints: await entries('handlers'),
    outdir: join(outdir, 'handlers'),
    minify: true,
    banner: { js: requireShim },
    define: { SWITCHBOARD_CONSOLE_FILES: JSON.stringify(consoleFiles) },
  })
  await build({
    ...common,
    entryPoints: await entries('agents/lambda'),
    outdir: join(outdir, 'agents'),
    minify: true,
    banner: { js: requireShim },
  })
  await build({
    ...common,
    entryPoints: await entries('middlewares'),
    outdir: join(outdir, 'middlewares'),
    packages: 'external',
  })
  await promisify(execFile)(join(root, 'node_modules/.bin/tsc'), [
    '-p',
    join(root, 'tsconfig.types.json'),
    '--outDir',
    join(outdir, 'types'),
  ])
  const handlers = await readdir(join(outdir, 'handlers'))
  consoleJsGzippedBytes = built.gzippedJsBytes
  return Promise.all(
    handlers
      .filter((file) => file.endsWith('.mjs'))
      .map(async (file) => ({
        handler: basename(file, '.mjs'),
        file: join(outdir, 'handlers', file),
        bytes: (await stat(join(outdir, 'handlers', file))).size,
      })),
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bundles = await buildAll()
  // The Terraform stack builds its API from this copy of lib/routes.ts.
  await writeTerraformRoutes(root)
  console.log('terraform/generated/routes.json')
  // ...and its gateway responses from lib/gateway-responses.ts.
  await writeTerraformGatewayResponses(root)
  console.log('terraform/generated/gateway-responses.json')
  for (const { handler, bytes } of bundles) {
    console.log(`dist/handlers/${handler}.mjs  ${(bytes / 1024).toFixed(0)} KiB`)
  }
  console.log(`dist/console  ${(consoleJsGzippedBytes / 1024).toFixed(1)} KiB of JS gzipped`)
}
