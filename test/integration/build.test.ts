import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { describe, expect, inject, it } from 'vitest'
import { coldStartBudgetKiB } from '../../bench/budgets.ts'
import { sharedBuild } from '../support/shared-services.ts'

const run = promisify(execFile)

describe('npm run build', () => {
  // Built once for the run (shared with the other files that read a build), read by each test.
  const build = sharedBuild(inject('sharedServices'))
  const outdir = build.then(({ outdir }) => outdir)
  const built = build.then(({ handlers }) => handlers)

  it('bundles each handler into a folder and each sample agent into one .mjs that Node 24 loads with nothing else', async () => {
    // Act
    const bundles = await built
    const agents = (await readdir(join(await outdir, 'agents'))).filter((file) =>
      file.endsWith('.mjs'),
    )

    // Assess
    expect(bundles.map((bundle) => bundle.handler).sort()).toEqual([
      'admin',
      'agents',
      'authorizer',
      'console',
      'discovery',
      'push-delivery',
    ])
    expect(agents.sort()).toEqual(['calculator.mjs', 'weather.mjs'])
    const files = [
      ...bundles.map((bundle) => bundle.file),
      ...agents.map(async (file) => join(await outdir, 'agents', file)),
    ]
    const shim = pathToFileURL(join(import.meta.dirname, '../../local/awslambda-shim.ts')).href
    const script = `
      await import(${JSON.stringify(shim)})
      for (const file of ${JSON.stringify((await Promise.all(files)).map((file) => pathToFileURL(file).href))}) {
        const { handler } = await import(file)
        if (typeof handler !== 'function') throw new Error(file + ' exports no handler')
      }
      console.log('loaded')
      // A sample agent's entry starts its server at import, as Lambda's init phase would.
      process.exit(0)`
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: await outdir,
      env: { ...process.env, TOKEN_ISSUER: 'https://issuer.example.com', NODE_PATH: '' },
    })
    expect(stdout.trim()).toBe('loaded')
    // The whole build (handlers, agents, middlewares, types, the console) runs first.
  }, 120_000)

  it("keeps each handler's source maps out of its folder (the function's zip), in dist/sourcemaps/<name>/, one for each file", async () => {
    // Prepare
    const bundles = await built
    const handlers = bundles.map((bundle) => bundle.handler)

    // Act
    const shipped = await Promise.all(
      handlers.map(async (name) => ({
        name,
        files: (await readdir(join(await outdir, 'handlers', name), { recursive: true }))
          .filter((file) => /\.\w+$/.test(file))
          .sort(),
        maps: (await readdir(join(await outdir, 'sourcemaps', name), { recursive: true }))
          .filter((file) => /\.\w+$/.test(file))
          .sort(),
      })),
    )

    // Assess: only the code runs in the zip; a map for each of its files, under the same name.
    for (const { name, files, maps } of shipped) {
      expect(
        files.filter((file) => !file.endsWith('.mjs')),
        name,
      ).toEqual([])
      expect(maps, name).toEqual(files.map((file) => `${file}.map`))
      expect(files, name).toContain('index.mjs')
      for (const file of files) {
        const code = await readFile(join(await outdir, 'handlers', name, file), 'utf8')
        // The comment still names the map: set beside the code again, Node and debuggers find it.
        expect(code.trimEnd().split('\n').at(-1), `${name}/${file}`).toBe(
          `//# sourceMappingURL=${basename(file)}.map`,
        )
      }
      // Moved at the same depth, the map's sources still resolve to the repository's files.
      const mapFile = join(await outdir, 'sourcemaps', name, 'index.mjs.map')
      const map = JSON.parse(await readFile(mapFile, 'utf8')) as { sources: string[] }
      const entry = map.sources
        .map((source) => resolve(dirname(mapFile), source))
        .find((path) => path === resolve(import.meta.dirname, '../../handlers', `${name}.ts`))
      expect(entry, `${name}: its handler among the map's sources`).toBeDefined()
    }
  }, 120_000)

  it("answers a calculation from the calculator's bundle alone, its math library inside it", async () => {
    // Prepare: a function URL's event for an HTTP+JSON SendMessage, run as Lambda runs the entry
    const bundle = pathToFileURL(join(await outdir, 'agents', 'calculator.mjs')).href
    const shim = pathToFileURL(join(import.meta.dirname, '../../local/awslambda-shim.ts')).href
    const script = `
      import { Writable } from 'node:stream'
      await import(${JSON.stringify(shim)})
      const { handler } = await import(${JSON.stringify(bundle)})
      const chunks = []
      const stream = new Writable({ write(chunk, encoding, done) { chunks.push(Buffer.from(chunk)); done() } })
      await handler({
        rawPath: '/a2a/rest/message:send',
        rawQueryString: '',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
        body: JSON.stringify({ message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: '2+2*3' }] } }),
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST' }, domainName: 'calculator.lambda-url.us-east-1.on.aws' },
      }, stream, { awsRequestId: 'r1' })
      const written = Buffer.concat(chunks)
      // The streamed answer's prelude (status, headers) ends with 8 zero bytes.
      console.log(written.subarray(written.indexOf(Buffer.alloc(8)) + 8).toString())
      process.exit(0)`

    // Act
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tmpdir(),
      env: { ...process.env, NODE_PATH: '' },
    })

    // Assess
    const { task } = JSON.parse(stdout)
    expect(task.status.state).toBe('TASK_STATE_COMPLETED')
    expect(task.artifacts[0].parts.map((part: { text: string }) => part.text).join('')).toBe(
      '2+2*3 = 8',
    )
  }, 60_000)

  it('carries the operator console inside the console function, its JavaScript under 150 KB gzipped', async () => {
    // Prepare
    await built
    const scripts = (await readdir(join(await outdir, 'console'))).filter((file) =>
      file.endsWith('.js'),
    )
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(await outdir, 'handlers', 'console', 'index.mjs')).href)})
      const event = (proxy) => ({ path: '/console', pathParameters: proxy ? { proxy } : null, requestContext: { domainName: 'api.example.com', stage: 'prod' } })
      const context = { functionName: 'switchboard-console', awsRequestId: 'r1' }
      const page = await handler(event(undefined), context)
      const asset = await handler(event(${JSON.stringify(scripts[0])}), context)
      console.log(JSON.stringify({ page, asset }))`

    // Act: the bundle alone, with dist/console out of its reach
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tmpdir(),
      env: { ...process.env, TOKEN_ISSUER: 'https://issuer.example.com', NODE_PATH: '' },
    })
    const { page, asset } = JSON.parse(stdout)
    let gzipped = 0
    for (const file of scripts) {
      gzipped += gzipSync(await readFile(join(await outdir, 'console', file))).length
    }

    // Assess
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain(`src="/prod/console/${scripts[0]}"`)
    expect(page.headers['content-security-policy']).toContain("default-src 'self'")
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toContain('immutable')
    // Text, as API Gateway passes a buffered answer on without binary media types.
    expect([page.isBase64Encoded, asset.isBase64Encoded]).toEqual([false, false])
    expect(asset.body).toBe(
      await readFile(join(await outdir, 'console', scripts[0] as string), 'utf8'),
    )
    expect(gzipped).toBeLessThan(150 * 1024)
  })

  it('has the middleware kit import only the packages package.json declares, and each dependency it declares', async () => {
    // Prepare: every module of the kit (its entries and their shared chunks)
    const kit = join(await outdir, 'middlewares')
    const files = (await readdir(kit, { recursive: true })).filter((file) => file.endsWith('.mjs'))
    const manifest = JSON.parse(
      await readFile(join(import.meta.dirname, '../../package.json'), 'utf8'),
    ) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> }

    // Act: each bare specifier, static or `import()`ed, by its package's name
    const imported = new Set<string>()
    for (const file of files) {
      const code = await readFile(join(kit, file), 'utf8')
      for (const [, from] of code.matchAll(/(?:from|import)\s*\(?\s*["']([^"'.][^"']*)["']/g)) {
        if (from?.startsWith('node:')) continue
        imported.add(
          from
            ?.split('/')
            .slice(0, from.startsWith('@') ? 2 : 1)
            .join('/') as string,
        )
      }
    }

    // Assess
    const declared = [
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies),
    ]
    expect([...imported].filter((name) => !declared.includes(name))).toEqual([])
    expect(Object.keys(manifest.dependencies).filter((name) => !imported.has(name))).toEqual([])
  })

  /** The kit's middlewares whose entry, with the chunks it imports statically, loads `name`. */
  const middlewaresLoading = async (name: string) => {
    const kit = join(await outdir, 'middlewares')
    const entries = (await readdir(kit)).filter((file) => file.endsWith('.mjs'))
    const loading: string[] = []
    for (const entry of entries) {
      const packages = new Set<string>()
      const visit = async (file: string) => {
        const code = await readFile(file, 'utf8')
        for (const [, from] of code.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)) {
          if (from?.startsWith('.')) await visit(resolve(dirname(file), from))
          else packages.add(from as string)
        }
      }
      await visit(join(kit, entry))
      if ([...packages].some((from) => from === name || from.startsWith(`${name}/`)))
        loading.push(entry)
    }
    return loading.sort()
  }

  it('has only idempotentRequest load Powertools idempotency, not jwtAuth or the error renderers', async () => {
    // Act
    const loading = await middlewaresLoading('@aws-lambda-powertools/idempotency')

    // Assess
    expect(loading).toEqual(['idempotent-request.mjs'])
  })

  it('has only jwtAuth load jose: verifiedCaller, tokenRevocation and pushCallbacks need no key', async () => {
    // Act
    const loading = await middlewaresLoading('jose')

    // Assess
    expect(loading).toEqual(['jwt-auth.mjs'])
  })

  it('leaves the HTTP client and sockets out of a middleware bundle that only renders errors', async () => {
    // Prepare
    await built

    // Act: the entry and the shared chunks it imports
    const imports: string[] = []
    const visit = async (file: string) => {
      const code = await readFile(file, 'utf8')
      for (const [, from] of code.matchAll(/from\s+["']([^"']+)["']/g)) {
        if (from?.startsWith('.')) await visit(resolve(dirname(file), from))
        else imports.push(from as string)
      }
    }
    await visit(join(await outdir, 'middlewares', 'agent-grant.mjs'))

    // Assess
    expect(imports).toContain('zod')
    expect(imports).not.toContain('node:http')
    expect(imports).not.toContain('node:net')
  })

  /**
   * The code a handler's function loads at a cold start: its entry and every chunk it imports
   * statically (not those it import()s on first use), joined.
   */
  const loadedAtStart = async (name: string) => {
    const bundle = (await built).find(({ handler }) => handler === name)
    const atStart = new Map<string, string>()
    const visit = async (file: string) => {
      if (atStart.has(file)) return
      const code = await readFile(file, 'utf8')
      atStart.set(file, code)
      for (const [, from] of code.matchAll(/(?:from|import)\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        await visit(resolve(dirname(file), from as string))
      }
    }
    await visit((bundle as { file: string }).file)
    return [...atStart.values()].join('\n')
  }

  it("leaves the offline embedders, the local search index and the laptop's secrets file out of what the agents function loads at a cold start", async () => {
    // Act: on AWS it embeds with Bedrock and searches S3 Vectors (EMBEDDER=local is refused
    // there), each loaded with its first embedding, and keeps secrets in Secrets Manager; the
    // others' code is loaded only where named.
    const loaded = await loadedAtStart('agents')

    // Assess: the marks of each, a message only its code holds.
    expect({
      handler: loaded.includes('x-switchboard-agent'),
      openAiEmbedder: loaded.includes('/v1/embeddings'),
      localModel: loaded.includes('model, got '),
      localIndex: loaded.includes('is not JSON ('),
      secretsFile: loaded.includes('arn:aws:secretsmanager:local:'),
    }).toEqual({
      handler: true,
      openAiEmbedder: false,
      localModel: false,
      localIndex: false,
      secretsFile: false,
    })
  })

  it('leaves the translation between versions and bindings, and the skill call, out of what the agents function loads at a cold start', async () => {
    // Act: most calls go to an agent of their own version and binding, byte for byte, and few
    // name a skill; each is loaded with the first call that needs it (issue 20's budget).
    const loaded = await loadedAtStart('agents')

    // Assess: the marks of each, a message only its code holds; 0.3's values as 1.0's by the
    // flag its wrapped data parts carry.
    expect({
      versionedOrTranslatedCall: loaded.includes('carried to'),
      translatedAnswer: loaded.includes('The agent refused the request'),
      versionValues: loaded.includes('data_part_compat'),
      skillCall: loaded.includes('made a SendMessage for skill'),
    }).toEqual({
      versionedOrTranslatedCall: false,
      translatedAnswer: false,
      versionValues: false,
      skillCall: false,
    })
  })

  it("leaves jose's token verification out of what every function but the authorizer loads at a cold start", async () => {
    // Act: the agents function verifies a token only for a granted card (its other routes sit
    // behind the authorizer), so it imports the verifier, and jose with it, on that first card;
    // admin, discovery and push-delivery verify none, yet load jose for other work: a dynamic
    // import of the verifier they could reach would put its jose files in a chunk they load.
    const functions = ['admin', 'agents', 'authorizer', 'discovery', 'push-delivery']
    const loaded = await Promise.all(functions.map((name) => loadedAtStart(name)))

    // Assess: jose's own error codes for a key set that timed out and a claim that failed.
    const joseMarks = (code: string) => ({
      keySetTimeout: code.includes('ERR_JWKS_TIMEOUT'),
      claimCheck: code.includes('ERR_JWT_CLAIM_VALIDATION_FAILED'),
    })
    const none = { keySetTimeout: false, claimCheck: false }
    expect(
      Object.fromEntries(functions.map((name, i) => [name, joseMarks(loaded[i] as string)])),
    ).toEqual({
      admin: none,
      agents: none,
      authorizer: { keySetTimeout: true, claimCheck: true },
      discovery: none,
      'push-delivery': none,
    })
  })

  it(`keeps what the agents and authorizer functions load at a cold start within issue 20's ${coldStartBudgetKiB} KiB`, async () => {
    // Act
    const bundles = await built
    const kibAtStart = (name: string) =>
      Math.round((bundles.find(({ handler }) => handler === name)?.bytes ?? Infinity) / 1024)

    // Assess: a size, not a time; a function that outgrows it names what else it must load later.
    expect(kibAtStart('agents')).toBeLessThanOrEqual(coldStartBudgetKiB)
    expect(kibAtStart('authorizer')).toBeLessThanOrEqual(coldStartBudgetKiB)
  })

  it("does no one-off work while a function loads: nothing formatted or compared with Intl (ICU's first use, 20 to 80 ms), no zod fast path compiled for a check made once", async () => {
    // Prepare: each of Intl's entry points and Function (what zod compiles with), wrapped to
    // note their callers (zod's probe of whether it may compile, an empty body, is not one),
    // then a bundle imported
    const shim = pathToFileURL(join(import.meta.dirname, '../../local/awslambda-shim.ts')).href
    const script = (bundle: string) => `
      const used = []
      const wrap = (owner, key) => {
        const original = owner[key]
        owner[key] = function (...args) {
          used.push(key + ' ' + new Error().stack.split('\\n')[2]?.trim())
          return new.target ? Reflect.construct(original, args, new.target) : original.apply(this, args)
        }
      }
      wrap(Number.prototype, 'toLocaleString')
      wrap(BigInt.prototype, 'toLocaleString')
      for (const key of ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']) wrap(Date.prototype, key)
      for (const key of ['localeCompare', 'toLocaleUpperCase', 'toLocaleLowerCase']) wrap(String.prototype, key)
      for (const name of ['NumberFormat', 'DateTimeFormat', 'Collator', 'PluralRules', 'ListFormat', 'Segmenter', 'RelativeTimeFormat', 'DisplayNames']) wrap(Intl, name)
      globalThis.Function = new Proxy(Function, {
        construct(target, args) {
          if (args.at(-1)) used.push('new Function ' + new Error().stack.split('\\n')[3]?.trim())
          return Reflect.construct(target, args)
        },
      })
      const { installAwsLambdaShim } = await import(${JSON.stringify(shim)})
      installAwsLambdaShim()
      await import(${JSON.stringify(bundle)})
      console.log(JSON.stringify(used))`
    const bundles = await built

    // Act
    const used = Object.fromEntries(
      await Promise.all(
        bundles.map(async ({ handler, file }) => {
          const { stdout } = await run(
            process.execPath,
            ['--input-type=module', '-e', script(pathToFileURL(file).href)],
            { env: { ...process.env, TOKEN_ISSUER: 'https://issuer.example.com', NODE_PATH: '' } },
          )
          return [handler, JSON.parse(stdout)]
        }),
      ),
    )

    // Assess
    expect(used).toEqual(Object.fromEntries(bundles.map(({ handler }) => [handler, []])))
  }, 60_000)

  it('leaves the DynamoDB client and Powertools Metrics out of what the authorizer loads at a cold start', async () => {
    // Act
    const loaded = await loadedAtStart('authorizer')

    // Assess
    // The handler itself, and the marks of each client: its service name, its EMF key.
    expect({
      handler: loaded.includes('Unauthorized'),
      dynamoDbClient: loaded.includes('DynamoDB_20120810'),
      powertoolsMetrics: loaded.includes('CloudWatchMetrics'),
    }).toEqual({ handler: true, dynamoDbClient: false, powertoolsMetrics: false })
  })
})
