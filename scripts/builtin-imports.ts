import type { Plugin } from 'esbuild'

/**
 * Exports of a Node builtin that are getters loading a large part of Node on first read: `http`'s
 * WebSocket classes are undici, Node's fetch, whole.
 */
const heavyGetters: Record<string, readonly string[]> = {
  http: ['WebSocket', 'CloseEvent', 'MessageEvent'],
}

const namespace = 'builtin-without-heavy-getters'

/** What the module exports but its heavy getters, as the names an ES module may export. */
const exportNames = (name: string) =>
  Object.keys(process.getBuiltinModule(`node:${name}`) ?? {}).filter(
    (key) => !heavyGetters[name]?.includes(key) && /^[A-Za-z_$][\w$]*$/.test(key),
  )

/**
 * An ES module's `import … from 'node:http'` reads every export of the builtin once, to build
 * the module's ES view, and so loads undici through `http.WebSocket`'s getter: 40 to 60 ms of
 * the agents function's cold start on a 2-core machine (issue 20), for classes no handler uses
 * (`bench:cold-start`; `docs/architecture.md`, "One-off work at a cold start"). Such an
 * import is served here by `process.getBuiltinModule`, which hands over the module itself, and
 * its exports but those getters; an import of one of them fails the build. `require()` (what
 * CommonJS packages call) never built the view and is left alone.
 */
export const builtinImports: Plugin = {
  name: 'builtin-imports',
  setup(build) {
    const names = Object.keys(heavyGetters).join('|')
    build.onResolve({ filter: new RegExp(`^(node:)?(${names})$`) }, (args) =>
      args.kind === 'import-statement' || args.kind === 'dynamic-import'
        ? { path: args.path.replace(/^node:/, ''), namespace }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace }, ({ path }) => ({
      contents: [
        `const builtin = process.getBuiltinModule('node:${path}')`,
        'export default builtin',
        `export const { ${exportNames(path).join(', ')} } = builtin`,
      ].join('\n'),
      loader: 'js',
    }))
  },
}
