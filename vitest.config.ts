import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // This package's own `switchboard/middlewares/<name>` as the TypeScript sources (tsconfig's
    // `paths` likewise), where a consumer gets the built files. An alias, not an `exports`
    // condition: `exports` names only what the tarball ships.
    alias: [
      {
        find: /^switchboard\/middlewares\/(.+)$/,
        replacement: join(import.meta.dirname, 'middlewares/$1.ts'),
      },
    ],
  },
  test: {
    // Vitest's own order: the projects by name, `stack` then `unit`, each project's files longest
    // first (by last run's duration, or by size in a fresh clone). A shared worker is kept only
    // while the next file in the queue is of its project, so each worker changes project once.
    // Interleaved, longest first whatever the project, each change of project started a worker
    // anew: the whole run with coverage on 2 cores, fresh-clone order, 378 s against 324 s.

    // Each file shares its worker, and the packages the worker has imported (Vitest, zod, the AWS
    // SDK, Middy, Powertools, dynalite), with the files before it (`isolate: false`), where a
    // worker a file imported them for every file. Before each, test/support/fresh-worker.ts puts
    // back the environment, spies, timers and our own modules as a worker of its own gives them.
    isolate: false,
    setupFiles: ['test/support/fresh-worker.ts'],
    projects: [
      {
        extends: true,
        test: {
          // Files that test one module at a time, with no stack, server or browser of their own.
          // These 183 files alone on 2 cores, turn about: 69 and 64 s in a worker each, 29 and
          // 32 s sharing (113 against 45 s of CPU).
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/terraform/**/*.test.ts', 'agents/**/*.test.ts'],
          // It asks the run's shared build (test/support/shared-services.ts) for the bundles.
          exclude: ['test/terraform/bundles.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // Files that start a stack, a server, a build or a browser, each its own. This project
          // alone on 2 cores, fresh-clone order: 308 s in a worker each, 237 s sharing (474
          // against 340 s of CPU).
          name: 'stack',
          // The stacks these files start embed agents with the hashing embedder: the offline
          // model's load and its embeddings cost each stack ~0.5 s of CPU. A file about finding
          // agents by meaning asks its stack for `embedder: 'local'`.
          env: { EMBEDDER: 'hashing' },
          include: [
            'test/e2e/**/*.test.ts',
            'test/integration/**/*.test.ts',
            'test/terraform/bundles.test.ts',
          ],
          // One DynamoDB Local and one build for the whole run, started on first use.
          // And the operator console, built once before any file runs (test/support/console-build.ts).
          globalSetup: ['test/support/console-build.ts', 'test/support/shared-services.ts'],
        },
      },
    ],
    // One test file per core: vitest's default (cores - 1) leaves a 2-core CI runner with a
    // single worker, idle while a file waits on its stack, a subprocess or a browser. Measured
    // on 2 cores, whole run: 1 worker 397 s, 2 workers 212 s, 3 workers 202 s (each file 28 %
    // slower, timing-sensitive files nearer their limits).
    maxWorkers: '100%',
    // Workers are threads rather than child processes: a thread starts and
    // imports sooner. Whole run with coverage, turn about on 2 cores: forks 164 s, threads 154 s.
    // A thread cannot `process.chdir`; no test does.
    pool: 'threads',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // expect.poll's default (1 s) is less than a loaded 2-core runner may take to answer a
    // console action of two admin calls; a poll still ends as soon as it passes.
    expect: { poll: { timeout: 10_000 } },
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // The `node` processes tests spawn (npm start, npm run invoke, built bundles) keep V8's
      // compiled code between runs: a warm re-run of invoke + npm-start 27 s -> 21 s.
      NODE_COMPILE_CACHE:
        process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'switchboard-node-compile-cache'),
    },
    coverage: {
      provider: 'v8',
      // What ships or runs for a user; tests, benches and build scripts are not the question.
      include: ['{handlers,middlewares,lib,agents,local}/**/*.ts'],
      reporter: ['text-summary'],
    },
  },
})
