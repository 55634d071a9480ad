import { type ExecFileOptions, execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { DynamoPermissionStore } from '../../lib/permissions/permission-store.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, type TestDatabase } from '../support/databases.ts'
import { teamAgentEvents } from '../support/kit-events.ts'
import { inOneMinute } from '../support/one-minute.ts'
import { codeBlocks, readmeSection, repositoryRoot } from '../support/readme.ts'
import { startTokenIssuer } from '../support/token-issuer.ts'

const execFileAsync = promisify(execFile)

/** Runs a command; a failure names what it printed (tsc reports on stdout). */
const run = async (file: string, args: string[], options: ExecFileOptions = {}) => {
  try {
    return await execFileAsync(file, args, { ...options, encoding: 'utf8' })
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    throw new Error(`${(error as Error).message}\n${stdout}${stderr}`)
  }
}
const example = 'examples/team-agent/handler.ts'
const tablePrefix = 'pkg-'
const resourceUrl = 'https://team.example.com'

/** What the consumer brings: the peer dependencies, the example's logger, and the types its own build reads. */
const peers = [
  '@aws-lambda-powertools/logger',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@middy/core',
  '@types/aws-lambda',
  '@types/node',
]

/** Calls the example's handler once per event, in order, as the Lambda runtime would. */
const driver = `import { readFileSync } from 'node:fs'
import { handler } from './handler.ts'

const events = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const context = (n) => ({
  functionName: 'team-agent',
  awsRequestId: 'request-' + n,
  getRemainingTimeInMillis: () => 30_000,
})
const responses = []
for (const [n, event] of events.entries()) {
  // An error out of the handler is what Lambda reports (API Gateway answers it 502).
  try { responses.push(await handler(event, context(n))) } catch (error) { responses.push({ thrown: error.name }) }
}
console.log(JSON.stringify(responses))
`

/**
 * Errors one kit middleware throws, answered by another: each import is its own bundle entry,
 * so an error class copied into two of them would be no `instanceof` the other's.
 */
const thrownAcross = `import middy from '@middy/core'
import { a2aErrors } from 'switchboard/middlewares/a2a-errors'
import { jsonBody } from 'switchboard/middlewares/json-body'
import { problemDetails } from 'switchboard/middlewares/problem-details'
import { tokenRevocation } from 'switchboard/middlewares/token-revocation'
import { verifiedCaller } from 'switchboard/middlewares/verified-caller'

const logger = { error() {}, warn() {}, info() {} }
const ok = async () => ({ statusCode: 200, body: 'ok' })
// A JSON-RPC call to an agent that no authorizer saw; the caller a chain of one's own verified.
const rpc = { httpMethod: 'POST', path: '/agents/team-agent', headers: {}, body: '{}', requestContext: {} }
const revokedCaller = { before: (request) => { request.context.caller = { clientId: 'team', issuedAt: 1 } } }
const answers = {
  invalidJson: await middy().use(problemDetails({ logger })).use(jsonBody()).handler(ok)({ body: '{not json' }, {}),
  revoked: await middy().use(a2aErrors({ logger })).use(revokedCaller)
    .use(tokenRevocation({ issuedBefore: async () => 2 })).handler(ok)(rpc, {}),
  unverified: await middy().use(a2aErrors({ logger })).use(verifiedCaller()).handler(ok)(rpc, {}),
}
console.log(JSON.stringify(answers))
`

type Response = {
  statusCode: number
  headers: Record<string, string>
  body?: string
  thrown?: string
}

describe('the packed middleware kit in a team’s own Lambda', () => {
  let workspace: string
  let database: TestDatabase
  let issuer: Awaited<ReturnType<typeof startTokenIssuer>>
  let packed: string[]
  let missingKeySet: Server
  const answers: Record<string, Response[]> = {}
  let keySetMissingAnswers: Response[] = []

  beforeAll(async () => {
    // Prepare: the tarball, installed where the source tree is out of reach.
    workspace = await mkdtemp(join(tmpdir(), 'switchboard-package-'))
    const app = join(workspace, 'team-agent')
    // What `prepack` runs, apart, so that the pack's --json report is all its stdout.
    await run('npm', ['run', 'build'], { cwd: repositoryRoot })
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', workspace],
      { cwd: repositoryRoot },
    )
    const [pack] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
    if (!pack) throw new Error('npm pack reported no package')
    packed = pack.files.map((file) => file.path)
    // No registry: npm's cache holds tarballs but not the registry's metadata, so
    // `npm install --offline` cannot resolve a dependency on its own. The package's
    // dependencies are linked in from this repo's node_modules before the install
    // (npm finds them satisfied), its peers one folder above the app, as a monorepo's.
    const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    await mkdir(app)
    const link = async (name: string, into: string) => {
      await mkdir(join(into, 'node_modules', name, '..'), { recursive: true })
      await symlink(join(repositoryRoot, 'node_modules', name), join(into, 'node_modules', name))
    }
    for (const peer of peers) await link(peer, workspace)
    for (const dependency of Object.keys(manifest.dependencies)) await link(dependency, app)
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'team-agent', private: true, type: 'module' }),
    )
    await run(
      'npm',
      [
        'install',
        '--offline',
        '--ignore-scripts',
        '--legacy-peer-deps',
        '--no-audit',
        '--no-fund',
        join(workspace, pack.filename),
      ],
      { cwd: app },
    )
    await cp(join(repositoryRoot, example), join(app, 'handler.ts'))
    await writeFile(join(app, 'invoke.mjs'), driver)
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2024',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['handler.ts'],
      }),
    )

    database = await (
      databaseEngines.find(([name]) => name === 'dynalite')?.[1] ??
      (() => {
        throw new Error('dynalite engine missing')
      })
    )(tablePrefix)
    issuer = await startTokenIssuer()
    const permissions = new DynamoPermissionStore(
      createDocumentClient(
        { region: 'us-east-1', dynamoDbEndpoint: database.endpoint },
        new DynamoDBClient({
          region: 'us-east-1',
          endpoint: database.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }),
      ),
      tableName('permissions', tablePrefix),
    )
    await permissions.put({ scope: 'team:invoke', agents: ['team-agent'], requestsPerMinute: 2 })
    await permissions.put({ scope: 'other:invoke', agents: ['other-agent'] })

    // Act: type-check the example against the installed declarations, then call it.
    await run(join(repositoryRoot, 'node_modules/.bin/tsc'), ['-p', join(app, 'tsconfig.json')])
    const kinds = Object.entries(teamAgentEvents)
    const events = []
    for (const [kind, eventWith] of kinds) {
      // Each event kind signs as its own client: each has its own two calls a minute.
      const granted = await issuer.sign({ scope: 'switchboard/team:invoke', client_id: kind })
      const ungranted = await issuer.sign({ scope: 'switchboard/other:invoke', client_id: kind })
      events.push(
        eventWith(`Bearer ${granted}`),
        eventWith(`Bearer ${ungranted}`),
        eventWith(),
        eventWith(`Bearer ${granted}`),
        eventWith(`Bearer ${granted}`),
      )
    }
    await writeFile(join(app, 'events.json'), JSON.stringify(events))
    // Each kind's calls, the 429 last, in one clock minute (the limit's window): the driver
    // starts a Node, imports the package and calls the handler (a wait of up to 20.5 s).
    await inOneMinute(20_000)
    const called = await run(process.execPath, ['invoke.mjs', 'events.json'], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: database.endpoint,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        TOKEN_ISSUER: issuer.issuer,
        TOKEN_JWKS_URL: issuer.jwksUrl,
        RESOURCE_URL: resourceUrl,
        PERMISSIONS_TABLE: tableName('permissions', tablePrefix),
        RATE_LIMITS_TABLE: tableName('rateLimits', tablePrefix),
      },
    })
    const responses = JSON.parse(called.stdout) as Response[]
    for (const [index, [kind]] of kinds.entries()) {
      answers[kind] = responses.slice(index * 5, index * 5 + 5)
    }

    // The same calls with a valid token while the issuer's JWKS answers 404.
    missingKeySet = createServer((_request, response) => response.writeHead(404).end())
    await new Promise<void>((resolve) => missingKeySet.listen(0, '127.0.0.1', resolve))
    const { port } = missingKeySet.address() as AddressInfo
    const granted = await issuer.sign({ scope: 'switchboard/team:invoke' })
    await writeFile(
      join(app, 'key-set-missing.json'),
      JSON.stringify(kinds.map(([, eventWith]) => eventWith(`Bearer ${granted}`))),
    )
    const keySetMissing = await run(process.execPath, ['invoke.mjs', 'key-set-missing.json'], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        TOKEN_ISSUER: issuer.issuer,
        TOKEN_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        RESOURCE_URL: resourceUrl,
        PERMISSIONS_TABLE: tableName('permissions', tablePrefix),
        RATE_LIMITS_TABLE: tableName('rateLimits', tablePrefix),
      },
    })
    keySetMissingAnswers = JSON.parse(keySetMissing.stdout) as Response[]
  }, 90_000)

  afterAll(async () => {
    await issuer?.stop()
    await new Promise((resolve) => (missingKeySet ? missingKeySet.close(resolve) : resolve(null)))
    await database?.stop()
    if (workspace) await rm(workspace, { recursive: true, force: true })
  })

  it('packs only the built middlewares, their declarations and the package files', () => {
    // Assess
    const stray = packed.filter(
      (path) =>
        !/^dist\/middlewares\/(chunks\/)?[\w-]+\.mjs(\.map)?$/.test(path) &&
        !/^dist\/types\/(middlewares|lib)\/[\w/-]+\.d\.ts$/.test(path) &&
        !['package.json', 'README.md', 'LICENSE'].includes(path),
    )
    expect(stray).toEqual([])
    expect(packed).toContain('dist/middlewares/jwt-auth.mjs')
    expect(packed).toContain('dist/types/middlewares/jwt-auth.d.ts')
  })

  // A team's tooling may set the `source` condition (a monorepo's does), and on Lambda
  // AWS_EXECUTION_ENV is set, which has tracing and traceContext load the optional tracer.
  const setups: [string, string[], Record<string, string>][] = [
    ['in plain Node', [], {}],
    ['with the source condition set', ['--conditions=source'], {}],
    ['on Lambda, without the optional tracer', [], { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' }],
  ]
  for (const [setup, flags, env] of setups) {
    it(`imports every middleware it exports in the team’s app ${setup}, with only what the package declares and its peers`, async () => {
      // Prepare: each built middleware by the name a team imports it by
      const names = packed.flatMap(
        (path) => /^dist\/middlewares\/([\w-]+)\.mjs$/.exec(path)?.[1] ?? [],
      )
      const script = `for (const name of ${JSON.stringify(names)}) {
  try { await import('switchboard/middlewares/' + name) } catch (error) { console.log(name + ': ' + error.message) }
}`

      // Act
      const { stdout } = await run(
        process.execPath,
        [...flags, '--input-type=module', '-e', script],
        {
          cwd: join(workspace, 'team-agent'),
          env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT', ...env },
        },
      )

      // Assess
      expect(names.length).toBeGreaterThan(10)
      expect(stdout.trim().split('\n').filter(Boolean)).toEqual([])
    })
  }

  it('names in its declarations no package it does not declare: a missing one types as any', async () => {
    // Prepare: what the package declares, and every package its shipped declarations import
    const installed = join(workspace, 'team-agent', 'node_modules', 'switchboard')
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
      peerDependencies: Record<string, string>
    }
    const declared = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies),
      'switchboard',
      // Lambda's event types, which a team's TypeScript Lambda brings, as Middy's own leave it to
      'aws-lambda',
    ])
    const named = new Set<string>()
    for (const path of packed.filter((file) => file.endsWith('.d.ts'))) {
      const text = await readFile(join(installed, path), 'utf8')
      for (const [, specifier] of text.matchAll(/(?:from |import\()'([^.'][^']*)'/g)) {
        if (specifier?.startsWith('node:')) continue
        const parts = specifier?.split('/') ?? []
        named.add(parts.slice(0, specifier?.startsWith('@') ? 2 : 1).join('/'))
      }
    }

    // Assess
    expect(named).toContain('@middy/core')
    expect([...named].filter((name) => !declared.has(name))).toEqual([])
  })

  it('exports no path it ships no module for: its helpers’ and chunks’ are refused by name', async () => {
    // Prepare: the declarations without a module beside them, and the shared chunks
    const modules = new Set(
      packed.flatMap((path) => /^dist\/middlewares\/(.+)\.mjs$/.exec(path)?.[1] ?? []),
    )
    const declaredOnly = packed.flatMap((path) => {
      const name = /^dist\/types\/middlewares\/(.+)\.d\.ts$/.exec(path)?.[1]
      return name && !modules.has(name) ? [name] : []
    })
    const internal = [...declaredOnly, ...[...modules].filter((name) => name.includes('/'))]
    const script = `for (const name of ${JSON.stringify(internal)}) {
  try { await import('switchboard/middlewares/' + name); console.log(name + ': imported') } catch (error) { console.log(name + ': ' + error.code) }
}`

    // Act
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(workspace, 'team-agent'),
      env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    })

    // Assess
    expect(internal).toContain('support/requires')
    const outcomes = stdout.trim().split('\n')
    expect(outcomes).toEqual(internal.map((name) => `${name}: ERR_PACKAGE_PATH_NOT_EXPORTED`))
  })

  it('answers an error one middleware throws with another’s renderer: 400, 401 and 403, not 500', async () => {
    // Act
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', thrownAcross], {
      cwd: join(workspace, 'team-agent'),
      env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    })

    // Assess
    const { invalidJson, revoked, unverified } = JSON.parse(stdout) as Record<string, Response>
    expect(invalidJson?.statusCode).toBe(400)
    expect(JSON.parse(invalidJson?.body ?? '{}').type).toMatch(/\/invalid-json$/)
    expect(revoked?.statusCode).toBe(401)
    expect(JSON.parse(revoked?.body ?? '{}').error.code).toBe(-32059)
    expect(unverified?.statusCode).toBe(403)
    expect(JSON.parse(unverified?.body ?? '{}').error.code).toBe(-32051)
  })

  for (const kind of Object.keys(teamAgentEvents)) {
    it(`answers a ${kind} event 200, 403 without the scope, 401 without a token, then 429`, () => {
      // Assess
      const [ok, forbidden, anonymous, , limited] = answers[kind] ?? []
      expect(ok?.statusCode).toBe(200)
      expect(forbidden?.statusCode).toBe(403)
      expect(anonymous?.statusCode).toBe(401)
      expect(anonymous?.headers['www-authenticate']).toBe(
        `Bearer resource_metadata="${resourceUrl}/.well-known/oauth-protected-resource"`,
      )
      expect(limited?.statusCode).toBe(429)
      expect(Number(limited?.headers['Retry-After'])).toBeGreaterThan(0)
    })
  }

  it('answers the JSON-RPC call 503 with Retry-After under its id, for every event kind, while the JWKS answers 404', () => {
    // Assess: an answer, not an error out of the handler (API Gateway's 502)
    expect(keySetMissingAnswers).toHaveLength(Object.keys(teamAgentEvents).length)
    for (const answer of keySetMissingAnswers) {
      expect(answer).toMatchObject({ statusCode: 503 })
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0)
      expect(JSON.parse(answer.body ?? '{}')).toMatchObject({ jsonrpc: '2.0', id: 1 })
    }
  })
})

describe("the README's team agent", () => {
  it(`is ${example}, word for word`, () => {
    // Prepare
    const file = readFileSync(join(repositoryRoot, example), 'utf8')

    // Act
    const snippets = codeBlocks(readmeSection('Use the middlewares in your own Lambda'), 'ts')

    // Assess
    expect(snippets).toContain(file)
  })

  it('points a team at no lib/ file, which the package does not ship', () => {
    // Act
    const section = readmeSection('Use the middlewares in your own Lambda')

    // Assess
    expect(section.match(/`lib\/[^`]+`/g) ?? []).toEqual([])
  })
})
