import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { errorAnswers } from '../../lib/errors.ts'
import { gatewayProblems } from '../../lib/gateway-responses.ts'
import { readmeSection, repositoryRoot } from '../support/readme.ts'

// The docs were written over many sessions while the code moved under them. These checks hold
// what they name (a file, an `npm run` script, a function, a setting, an error's status) to the
// repository as it is, so a rename or a changed status fails here rather than misleading a reader.

const documents = ['README.md', 'docs/architecture.md', 'docs/a2a-conformance.md']

interface Mention {
  /** `README.md:12`, for the failure message. */
  where: string
  text: string
}

/** Each line of each document, numbered. */
const lines = documents.flatMap((document) =>
  readFileSync(join(repositoryRoot, document), 'utf8')
    .split('\n')
    .map((text, index) => ({ where: `${document}:${index + 1}`, text })),
)

/** Each inline code span (`...`) and link target (](...)) of the documents. */
const spans: Mention[] = lines.flatMap(({ where, text }) =>
  [...text.matchAll(/`([^`]+)`|\]\(([^)\s]+)\)/g)].map((match) => ({
    where,
    text: (match[1] ?? match[2]) as string,
  })),
)

/** The repository's files, relative to its root, without what is built, installed or local. */
const repositoryFiles = (() => {
  const skipped = new Set(['node_modules', 'dist', '.git', '.switchboard', 'coverage', '.bench'])
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (skipped.has(entry.name) || entry.name.startsWith('.terraform')) return []
      const path = join(dir, entry.name)
      return entry.isDirectory() ? walk(path) : [relative(repositoryRoot, path)]
    })
  return walk(repositoryRoot)
})()

const topFolders = [
  'agents',
  'bench',
  'console',
  'docs',
  'events',
  'examples',
  'handlers',
  'lib',
  'local',
  'middlewares',
  'scripts',
  'terraform',
  'test',
  '.ci',
]

/**
 * The repository paths a span names: words beginning with a top folder, not a URL path
 * (`/agents/{id}`) nor a package or secret name (`switchboard/middlewares/<name>`,
 * `switchboard/agents/X/`). A placeholder (`<name>`, `{id}`) or glob (`*`) ends the path at
 * the folder before it, which must exist.
 */
const pathsIn = (span: string): string[] =>
  span
    .split(/[\s,;()'"=|]+/)
    .filter(
      (word) => !word.startsWith('/') && !word.startsWith('switchboard/') && !word.includes('://'),
    )
    .map((word) => word.replace(/^(\.\.?\/)+/, '').replace(/(:\d+)?[.:]*$/, ''))
    .filter((word) => topFolders.some((folder) => word.startsWith(`${folder}/`)))
    .map((word) => (word.split(/\/[^/]*[<{*]/)[0] as string).replace(/\/$/, ''))

describe('the docs', () => {
  it('name only repository paths that exist', () => {
    // Act
    const missing = spans.flatMap(({ where, text }) =>
      pathsIn(text)
        .filter((path) => !existsSync(join(repositoryRoot, path)))
        .map((path) => `${where}: ${path}`),
    )

    // Assess
    expect(missing).toEqual([])
  })

  it('name only file names some repository file has', () => {
    // Prepare
    const names = new Set(repositoryFiles.flatMap((path) => [path, path.split('/').at(-1)]))
    /** Files named that are not the repository's own, each with why. */
    const notOurs = new Set([
      // Built by `npm run build` into dist/: a handler's bundle, the console's page.
      'index.mjs',
      'index.html',
      // The console function's answer of its sign-in settings, made per request.
      'config.json',
      // What a reader writes: the README's agent config.
      'agent_config.json',
      // dynalite's own file, which local/database-worker.ts works around.
      'db/index.js',
    ])

    // Act
    const missing = spans
      .filter(({ text }) => /^[\w./-]+\.(ts|tsx|mjs|js|json|tf|md|sh|html)$/.test(text))
      // A URL path (`/.well-known/...`) or a built file
      // (`dist/...`) no repository file is; a path (`lib/...`) is the test above's.
      .filter(({ text }) => !/^[./]|^dist\//.test(text) && !text.includes('..'))
      .filter(({ text }) => !topFolders.some((folder) => text.startsWith(`${folder}/`)))
      .filter(({ text }) => !names.has(text) && !notOurs.has(text))
      .filter(({ text }) => !repositoryFiles.some((path) => path.endsWith(`/${text}`)))
      .map(({ where, text }) => `${where}: ${text}`)

    // Assess
    expect(missing).toEqual([])
  })

  it("name in architecture.md's layout only files there are, each under its folder", () => {
    // Prepare: the first fenced block, a folder at the start of a line, its files after it.
    const architecture = readFileSync(join(repositoryRoot, 'docs/architecture.md'), 'utf8')
    const layout = /^```\n([\s\S]*?)^```$/m.exec(architecture)?.[1] ?? ''
    let folder = ''

    // Act
    const missing = layout.split('\n').flatMap((line) => {
      folder = /^([\w.-]+)\/ /.exec(line)?.[1] ?? folder
      return [...line.matchAll(/(?<![\w./-])([\w-]+(?:\/[\w-]+)*\.(?:ts|tsx|json|tf))\b/g)]
        .map((match) => match[1] as string)
        .filter((file) =>
          // A path from the root (`lib/routes.ts`) is itself; a name is found below the folder.
          topFolders.some((top) => file.startsWith(`${top}/`))
            ? !existsSync(join(repositoryRoot, file))
            : !repositoryFiles.some(
                (path) => path.startsWith(`${folder}/`) && path.endsWith(`/${file}`),
              ),
        )
        .map((file) => `${folder}/ ${file}`)
    })

    // Assess
    expect(layout).not.toBe('')
    expect(missing).toEqual([])
  })

  it('name only npm scripts package.json has', () => {
    // Prepare
    const { scripts } = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8'))

    // Act
    const missing = lines.flatMap(({ where, text }) =>
      [...text.matchAll(/\bnpm run ([\w:-]+)/g)]
        .map((match) => match[1] as string)
        .filter((script) => !Object.hasOwn(scripts, script))
        .map((script) => `${where}: npm run ${script}`),
    )

    // Assess
    expect(missing).toEqual([])
  })

  it('name only functions, classes and settings the code has, or say whose they are', () => {
    // Prepare
    const sourceWords = new Set(
      repositoryFiles
        .filter((path) => /\.(ts|tsx|mjs|js|json|tf|hcl|example|sh|html|css)$|^\.ci\//.test(path))
        .filter((path) => !path.endsWith('package-lock.json'))
        .flatMap((path) => readFileSync(join(repositoryRoot, path), 'utf8').match(/[\w$]+/g) ?? []),
    )
    /** Names from other packages and services the docs discuss, each with whose it is. */
    const theirs = new Set([
      // AWS: the SDK's option, API actions and a field, an IAM policy, the X-Ray annotation.
      'accountIdEndpointMode',
      'DeleteIntegration',
      'UpdateIndexMode',
      'UpdateAgentRuntime',
      'customJWTAuthorizer',
      'AdministratorAccess',
      'ColdStart',
      // Middy's and Powertools' hooks and middlewares.
      'beforeMiddleware',
      'afterMiddleware',
      'addContext',
      'logMetrics',
      // @a2a-js/sdk's helpers and the A2A spec's names (errors, task states, an OAuth flow).
      'canonicalizeAgentCard',
      'generateAgentCardSignature',
      'VersionNotSupported',
      'VersionNotSupportedError',
      'ClientCredentialsOAuthFlow',
      'AUTH_REQUIRED',
      'INPUT_REQUIRED',
      // Node's: an http option, an environment variable, node:module's source map reader.
      'noDelay',
      'NODE_OPTIONS',
      'SourceMap',
      // dynalite's comparison function.
      'valsEqual',
      // Python: the TCK's exception and its test classes.
      'KeyError',
      'TestArtifactInclusion',
      'TestFiltering',
      'TestHistoryLimiting',
      // Vitest's pool: whether a shared worker may take the next file.
      'isEqualRunner',
      // Helpers of ours that were removed; the docs say when and why.
      'checkOption',
      'LongestFirst',
    ])

    // Act
    const missing = spans.flatMap(({ where, text }) => {
      const name = /^([A-Za-z_$][\w$]*)(\(\))?$/.exec(text)?.[1]
      const named =
        name !== undefined &&
        (/^[a-z]+[A-Z]/.test(name) ||
          /^[A-Z][a-z0-9]+[A-Z]/.test(name) ||
          /^[A-Z0-9]+_[A-Z0-9_]+$/.test(name))
      return named && !sourceWords.has(name) && !theirs.has(name) ? [`${where}: ${name}`] : []
    })

    // Assess
    expect(missing).toEqual([])
  })

  it("list every middleware of the kit in the README's Architecture", () => {
    // Prepare
    const kit = readdirSync(join(repositoryRoot, 'middlewares'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.replace(/\.ts$/, ''))
    const entry =
      /^- `middlewares\/` — [\s\S]*?(?=\n- )/m.exec(readmeSection('Architecture'))?.[0] ?? ''

    // Act
    const listed = [...entry.matchAll(/`([a-z0-9-]+)`/g)].map((match) => match[1])

    // Assess
    expect(kit.filter((name) => !listed.includes(name))).toEqual([])
  })

  it("name in terraform commands only the stack's resources and outputs", () => {
    // Prepare: what terraform/*.tf declares (`resource "type" "name"`, `output "name"`).
    const stack = readdirSync(join(repositoryRoot, 'terraform'))
      .filter((name) => name.endsWith('.tf'))
      .map((name) => readFileSync(join(repositoryRoot, 'terraform', name), 'utf8'))
      .join('\n')
    const resources = new Set(
      [...stack.matchAll(/^resource "([\w-]+)" "([\w-]+)"/gm)].map(
        ([, type, name]) => `${type}.${name}`,
      ),
    )
    const outputs = new Set([...stack.matchAll(/^output "([\w-]+)"/gm)].map(([, name]) => name))

    // Act: an operator's `-target=` (an instance's index stripped) and `terraform output` names.
    const missing = lines.flatMap(({ where, text }) => [
      ...[...text.matchAll(/-target='?((?:aws|terraform)_\w+\.\w+)/g)]
        .filter(([, address]) => !resources.has(address as string))
        .map(([, address]) => `${where}: -target=${address}`),
      ...[...text.matchAll(/terraform (?:-chdir=\S+ )?output (?:-raw |-json )?(\w+)/g)]
        .filter(([, name]) => !outputs.has(name as string))
        .map(([, name]) => `${where}: terraform output ${name}`),
    ])

    // Assess
    expect(missing).toEqual([])
  })

  it('give an error code the status the code answers it with (`404 `agent-not-found``)', () => {
    // Prepare
    const statusOf = new Map<string, number>([
      ...Object.entries(errorAnswers).map(([code, { status }]) => [code, status] as const),
      ...Object.values(gatewayProblems).map(
        ({ type, statusCode }) => [type.split('/').at(-1) as string, statusCode] as const,
      ),
      // Powertools idempotency's refusals, rendered by lib/http/problem.ts.
      ['request-in-progress', 409],
      ['idempotency-key-reused', 422],
    ])

    // Act
    const wrong = lines.flatMap(({ where, text }) =>
      [...text.matchAll(/\b([1-5]\d\d) `([a-z0-9]+(?:-[a-z0-9]+)+)`/g)]
        .filter(([, status, code]) => statusOf.get(code as string) !== Number(status))
        .map(
          ([, status, code]) =>
            `${where}: ${status} ${code} (the code: ${statusOf.get(code as string) ?? 'no such code'})`,
        ),
    )

    // Assess
    expect(wrong).toEqual([])
  })
})
