/**
 * Files that share a worker (`isolate: false` in vitest.config.ts) would otherwise share its
 * `process.env` too: a stack writes its configuration there (`local/stack.ts`), and a file may
 * set a variable and not unset it, as `MAX_CONCURRENT_STREAMS` was. Before each file, the
 * environment is put back to what the worker started with, as a worker of its own would give it.
 */
const startedWith = globalThis as { startingEnvironment?: Record<string, string | undefined> }
startedWith.startingEnvironment ??= { ...process.env }
const { startingEnvironment } = startedWith

for (const name of Object.keys(process.env)) {
  if (!Object.hasOwn(startingEnvironment, name)) delete process.env[name]
}
Object.assign(process.env, startingEnvironment)
