import { vi } from 'vitest'

/**
 * The files of both projects share a worker (`isolate: false` in vitest.config.ts), and Vitest
 * keeps the modules one file evaluated for the next. Reset before each file, our
 * own modules are evaluated anew for it, as in a worker of its own: a handler reads the
 * configuration its file set, and no cache or counter carries over. Packages (node_modules)
 * stay loaded, which is the time saved.
 */
vi.resetModules()
