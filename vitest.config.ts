import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // Resolve this package's own `exports` to the TypeScript sources, as a
    // consumer's bundler would resolve them to the built files.
    conditions: ['source'],
  },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts', 'agents/**/*.test.ts'],
    // One DynamoDB Local and one build for the whole run, started on first use.
    globalSetup: ['test/support/shared-services.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
    coverage: {
      provider: 'v8',
      // What ships or runs for a user; tests, benches and build scripts are not the question.
      include: ['{handlers,middlewares,lib,agents,local}/**/*.ts'],
      reporter: ['text-summary'],
    },
  },
})
