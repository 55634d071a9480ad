import { vi } from 'vitest'

/**
 * Run before each test file. Both projects' files share a worker (`isolate: false` in
 * vitest.config.ts), which keeps the packages it has loaded: that is the time saved. Anything
 * else one file leaves is undone here, so each file starts as in a worker of its own.
 */

// The environment the worker started with. A stack writes its configuration into
// `process.env` (`local/stack.ts`), and a file may set a variable and not unset it, as one did
// `MAX_CONCURRENT_STREAMS`.
const startedWith = globalThis as { startingEnvironment?: Record<string, string | undefined> }
startedWith.startingEnvironment ??= { ...process.env }
const { startingEnvironment } = startedWith
for (const name of Object.keys(process.env)) {
  if (!Object.hasOwn(startingEnvironment, name)) delete process.env[name]
}
Object.assign(process.env, startingEnvironment)

// Spies on shared objects (`process.stdout.write`, `Date.now`) and fake timers a file left on.
vi.restoreAllMocks()
vi.useRealTimers()

// Our own modules, evaluated anew: Vitest keeps those one file evaluated for the next, and a
// handler must read the configuration its file set, with no cache or counter carried over.
vi.resetModules()
