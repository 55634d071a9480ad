import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type RequestListener } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import * as z from 'zod'
import type { RunningAgent } from '../agents/serve.ts'
import { urlHost } from '../agents/url-host.ts'
import { type GatewayConfig, loadConfig } from '../lib/config.ts'
import { embedderFor, localVectorIndexFor } from '../lib/discovery/adapters.ts'
import { reindexAgents } from '../lib/discovery/agent-index.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { readJsonFile } from '../lib/json-file.ts'
import { useLeanTransport } from '../lib/lean-transport.ts'
import { processMetricsRegistry } from '../lib/observability/prometheus-sink.ts'
import { DynamoAgentRegistry } from '../lib/registry/agent-registry.ts'
import { FileSecretStore } from '../lib/secrets/file-secret-store.ts'
import { FileGatewayKey } from '../lib/signing/file-gateway-key.ts'
import { tableName } from '../lib/tables.ts'
import { installAwsLambdaShim } from './awslambda-shim.ts'
import { localDatabaseDir, localTablePrefix, startLocalDatabase } from './database.ts'
import { dropDeveloperCredentials } from './developer-credentials.ts'
import { expireItems } from './expire-items.ts'
import {
  assertPortsFree,
  createGateway,
  listen,
  type RequestLine,
  sendStarting,
} from './gateway.ts'
import { createLocalIdentity, identityFileIn, loadOrCreateSigningKey } from './identity.ts'
import { clientCredentials, seed, seedIdentity, seedPermissions } from './seed.ts'
import { createLocalSignIn } from './sign-in.ts'
import {
  localAwsCredentials,
  type PrivateAgent,
  startSigV4FunctionUrl,
} from './sigv4-function-url.ts'

export interface StackOptions {
  host: string
  port: number
  stateDir: string
  agentPorts: { weather: number; calculator: number }
  authorizerCacheTtlSeconds: number
  /** The handlers' POWERTOOLS_LOG_LEVEL (npm start's, read by loadLocalConfig); else the environment's, or WARN. */
  logLevel?: string
  /**
   * Backend addresses to allow besides loopback (the sample agents'), as BACKEND_ALLOWED_CIDRS
   * allows them on AWS: an agent on the developer's LAN or a Docker network.
   */
  backendAllowedCidrs?: string[]
  /** The handlers' embedder; EMBEDDER's, or the offline model, unless a test needs another. */
  embedder?: GatewayConfig['discovery']['embedder']
  /** How long /route keeps a calibrated threshold (ROUTE_THRESHOLD_CACHE_MS); config's default if unset. */
  routeThresholdCacheMs?: number
  /**
   * Deletes expired items every so often, as DynamoDB's TTL does on AWS (local/expire-items.ts):
   * `npm start` every minute; none unless asked, so no sweep lands in a benchmark or a test.
   */
  expireItemsEveryMs?: number
  /**
   * Whether to start and register the sample agents (the default). Without them the registry
   * and the search index are left as they are and no embedder loads: `npm run invoke` of a
   * handler that reaches no agent (the authorizer, the console) starts in about half the CPU.
   */
  sampleAgents?: boolean
  onRequest?: (line: RequestLine) => void
}

export interface RunningStack {
  url: string
  /** Where the database files and the token signing key live. */
  stateDir: string
  /** The calculator is a PrivateAgent: its `url` is its SigV4 stand-in, `origin` the agent itself. */
  agents: (RunningAgent | PrivateAgent)[]
  /** The embedded database's requests so far, per operation (for the benchmarks). */
  databaseRequests(): Record<string, number>
  /** Stops the embedded database (for tests of an outage); `stop()` still stops the rest. */
  stopDatabase(): Promise<void>
  /** A token from the local token endpoint for a seeded client (with its seed.json secret). */
  token(clientId: string): Promise<string>
  stop(): Promise<void>
}

const tablePrefix = localTablePrefix
/** The app client people sign in to the console with, locally (CONSOLE_CLIENT_ID). */
const consoleClientId = 'switchboard-console'
const scopePrefix = 'switchboard/'
/** local/seed.json's admin scope: its admin-client holds it, and the operators group stands for it. */
const adminScope = 'admin'

/**
 * How each sample agent is registered: the calculator sits behind a local
 * SigV4-verifying "function URL" (startSigV4FunctionUrl) and is an `aws_iam`
 * agent, as the sample agents are on AWS; the weather agent is public.
 */
const sampleAuth: Record<string, unknown> = {
  weather: { type: 'none' },
  calculator: { type: 'aws_iam', service: 'lambda', region: 'us-east-1' },
}

/** Where `npm start` last registered the sample agents (`.switchboard/sample-agents.json`). */
type SampleAddresses = Record<string, { backendUrl: string; agentCardUrl: string }>

const sampleAddressesFile = (stateDir: string) => join(stateDir, 'sample-agents.json')

const sampleAddressesSchema = z.record(
  z.string(),
  z.object({ backendUrl: z.string(), agentCardUrl: z.string() }),
)

/**
 * Where `npm start` last registered the sample agents; none before the first start. A damaged
 * file is refused by name: read as none, an operator's record pointed elsewhere with the sample's
 * own auth would be taken back to the sample.
 */
const readSampleAddresses = async (stateDir: string): Promise<SampleAddresses> => {
  const file = sampleAddressesFile(stateDir)
  const refused = (reason: string, cause?: unknown) =>
    new Error(
      `the sample agents' address file ${file} cannot be used (${reason}): remove it, and npm start registers the sample agents where they run now (a weather or calculator record you pointed elsewhere, with the sample's own auth, follows the sample again)`,
      { cause },
    )
  const json = await readJsonFile(file, refused)
  if (json === undefined) return {}
  const addresses = sampleAddressesSchema.safeParse(json)
  if (!addresses.success) throw refused("not the sample agents' addresses")
  return addresses.data
}

/**
 * Whether a record under a sample agent's id is still the sample's, only on other ports: where
 * `npm start` last registered the sample, with the sample's own auth. One an operator pointed
 * elsewhere (another port too) or gave other credentials, or one being deleted, is the
 * operator's and left alone.
 */
const isSampleRegistration = (
  record: { backendUrl: string; agentCardUrl?: string; auth: unknown; status: string },
  agentId: string,
  last: SampleAddresses,
) =>
  record.status !== 'deleting' &&
  // A state folder from before it was kept says nothing of where: the sample's, as it was.
  (last[agentId] === undefined ||
    (record.backendUrl === last[agentId].backendUrl &&
      record.agentCardUrl === last[agentId].agentCardUrl)) &&
  isDeepStrictEqual(record.auth, sampleAuth[agentId])

/**
 * Everything `npm start` runs, in this process: the embedded database (the
 * handlers' Get, Put, Update and Delete reach it over a message channel, the
 * rest over HTTP), the token endpoint and the API Gateway emulator on one port,
 * the sample agents (the calculator behind its SigV4 stand-in). A fresh state folder is seeded
 * first; the agents are registered through the gateway's own admin API.
 */
export const startStack = async (options: StackOptions): Promise<RunningStack> => {
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => undefined)
  }
  try {
    await assertPortsFree(
      [
        [options.port, 'PORT'],
        [options.agentPorts.weather, 'WEATHER_AGENT_PORT'],
        [options.agentPorts.calculator, 'CALCULATOR_AGENT_PORT'],
      ],
      options.host,
    )
    // Made here to say which setting names it: mkdir's own words name only a path.
    await mkdir(localDatabaseDir(options.stateDir), { recursive: true }).catch((error: Error) => {
      throw new Error(
        `SWITCHBOARD_STATE_DIR=${options.stateDir} cannot be the state folder (${error.message}): set it to a folder this user may write, or unset it (.switchboard).`,
      )
    })
    const database = await startLocalDatabase({
      dir: localDatabaseDir(options.stateDir),
      tablePrefix,
    })
    stops.push(database.stop)
    // The handlers run here, beside the database's thread: their lean requests to it cross a
    // message channel instead of HTTP (docs/architecture.md, "Local database channel").
    const forgetTransport = useLeanTransport(database.endpoint, database.transport)
    stops.push(async () => forgetTransport())
    const identityFile = identityFileIn(options.stateDir)
    const secretsFile = join(options.stateDir, 'secrets.json')
    const cardSigningKeyFile = join(options.stateDir, 'card-signing-key.json')

    // The server answers from its first connection: until the gateway is built
    // (its handlers need this server's URL, known once it listens) with 503
    // "starting"; then the gateway serves, /health saying 503 until the sample
    // agents are registered (through the gateway's own admin API).
    let gateway: RequestListener | undefined
    let ready = false
    const server = createServer((request, response) => {
      if (gateway) return gateway(request, response)
      request.resume()
      sendStarting(response)
    })
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    )
    const port = await listen(server, options.port, options.host, 'PORT')
    const url = `http://${urlHost(options.host)}:${port}`

    // The handlers read their configuration when imported, as on Lambda. A session token the
    // shell holds (and its expiry, scope and account) belongs to the developer's own keys,
    // replaced here: signed beside the local ones, it would go to every local agent the gateway
    // signs for.
    dropDeveloperCredentials()
    Object.assign(process.env, {
      SWITCHBOARD_MODE: 'local',
      AWS_REGION: 'us-east-1',
      // The gateway's own credentials, found by the AWS SDK's default provider chain.
      AWS_ACCESS_KEY_ID: localAwsCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localAwsCredentials.secretAccessKey,
      DYNAMODB_ENDPOINT: database.endpoint,
      TABLE_PREFIX: tablePrefix,
      TOKEN_ISSUER: url,
      SCOPE_PREFIX: scopePrefix,
      ADMIN_SCOPE: adminScope,
      CONSOLE_CLIENT_ID: consoleClientId,
      PUBLIC_BASE_URL: url,
      // The sample agents, any agent a developer runs on this machine, and the developer's own.
      BACKEND_ALLOWED_CIDRS: [
        '127.0.0.0/8',
        '::1/128',
        ...(options.backendAllowedCidrs ?? []),
      ].join(','),
      SECRETS_FILE: secretsFile,
      IDENTITY_FILE: identityFile,
      CARD_SIGNING_KEY_FILE: cardSigningKeyFile,
      // A blank EMBEDDER is unset, as lib/config.ts reads it: this one's default, not the handlers'.
      EMBEDDER: options.embedder ?? (process.env.EMBEDDER?.trim() || 'local'),
      ...(options.routeThresholdCacheMs === undefined
        ? {}
        : { ROUTE_THRESHOLD_CACHE_MS: String(options.routeThresholdCacheMs) }),
      VECTOR_INDEX: 'local',
      VECTOR_INDEX_FILE: join(options.stateDir, 'vectors.json'),
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // Metrics go to GET /metrics (METRICS_SINK=prometheus); were EMF asked for
      // (METRICS_SINK=emf), its lines would only bury the log unless enabled too.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    })
    const documentClient = createDocumentClient({
      region: 'us-east-1',
      dynamoDbEndpoint: database.endpoint,
    })
    stops.push(async () => documentClient.destroy())
    if (options.expireItemsEveryMs) {
      let sweeping: Promise<void> | undefined
      const stopping = new AbortController()
      const sweeps = setInterval(() => {
        // One sweep at a time: a slow one is not joined by the next.
        sweeping ??= expireItems(documentClient, tablePrefix, { signal: stopping.signal })
          .then(
            () => undefined,
            (error: unknown) =>
              console.error(`The local database's expiry sweep failed: ${String(error)}`),
          )
          .finally(() => {
            sweeping = undefined
          })
      }, options.expireItemsEveryMs)
      sweeps.unref()
      stops.push(async () => {
        clearInterval(sweeps)
        stopping.abort()
        await sweeping
      })
    }

    // local/seed.json fills a fresh state folder only (no identity file yet): its permissions,
    // then its scopes and clients, whose file written last marks the seed done. Afterwards the
    // admin API is the source of truth: what it changed or deleted stays so across restarts.
    if (!existsSync(identityFile)) {
      await seedPermissions(documentClient, tablePrefix)
      await seedIdentity(identityFile)
    }

    installAwsLambdaShim()
    const [authorizer, agents, discovery, admin, operatorConsole] = await Promise.all([
      import('../handlers/authorizer.ts'),
      import('../handlers/agents.ts'),
      import('../handlers/discovery.ts'),
      import('../handlers/admin.ts'),
      import('../handlers/console.ts'),
    ])
    const signingKey = await loadOrCreateSigningKey(options.stateDir)
    // The handlers read these two on first use: a damaged one stops the start here, named, with
    // the way out, where the start said it was ready and each card read or agent call was a 500.
    await FileGatewayKey.load(cardSigningKeyFile)
    await new FileSecretStore(secretsFile).check()
    const identity = await createLocalIdentity({
      issuer: url,
      signingKey,
      identityFile,
      scopePrefix,
    })
    const signIn = await createLocalSignIn({
      issuer: url,
      signingKey,
      people: seed.people,
      consoleClientId,
    })
    gateway = createGateway({
      handlers: {
        authorizer: authorizer.handler,
        agents: agents.handler,
        discovery: discovery.handler,
        admin: admin.handler,
        console: operatorConsole.handler,
      },
      identity,
      signIn,
      publicUrl: url,
      authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
      isReady: () => ready,
      // The handlers record into it (METRICS_SINK defaults to prometheus in local mode).
      metrics: processMetricsRegistry,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    })

    const token = async (clientId: string) => {
      const { clientSecret } = clientCredentials(clientId)
      const answer = await identity.issueToken(
        new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        }),
        undefined,
      )
      return answer.body.access_token as string
    }

    const running = (agents: RunningStack['agents']): RunningStack => ({
      url,
      stateDir: options.stateDir,
      agents,
      databaseRequests: database.requests,
      stopDatabase: database.stop,
      token,
      stop,
    })
    if (options.sampleAgents === false) {
      ready = true
      return running([])
    }
    // Imported only here: a stack without them loads none of the agents' server code.
    const [{ startWeatherAgent }, { startCalculatorAgent }] = await Promise.all([
      import('../agents/weather/agent.ts'),
      import('../agents/calculator/agent.ts'),
    ])
    const sampleAgents = [
      await startWeatherAgent({ host: options.host, port: options.agentPorts.weather }).catch(
        (error: Error) => {
          throw new Error(`${error.message}; set WEATHER_AGENT_PORT to another port.`)
        },
      ),
      await startSigV4FunctionUrl(await startCalculatorAgent({ host: options.host, port: 0 }), {
        host: options.host,
        port: options.agentPorts.calculator,
      }).catch((error: Error) => {
        throw new Error(`${error.message}; set CALCULATOR_AGENT_PORT to another port.`)
      }),
    ]
    for (const agent of sampleAgents) stops.push(() => agent.close())

    const registry = new DynamoAgentRegistry(documentClient, tableName('agents', tablePrefix))
    await reembedAgents(registry, loadConfig())
    const adminToken = await token('admin-client')
    const lastSampleAddresses = await readSampleAddresses(options.stateDir)
    for (const agent of sampleAgents) {
      const registered = await registry.get(agent.agentId)
      if (registered && !isSampleRegistration(registered, agent.agentId, lastSampleAddresses)) {
        continue
      }
      if (registered?.backendUrl === agent.url && registered.agentCardUrl === agent.cardUrl)
        continue
      // Registered before on other ports (WEATHER_AGENT_PORT, CALCULATOR_AGENT_PORT moved): the
      // record follows the agent, keeping what an operator set; else the agent is registered.
      const response = await fetch(
        registered ? `${url}/admin/agents/${agent.agentId}` : `${url}/admin/register`,
        {
          method: registered ? 'PUT' : 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            agentId: agent.agentId,
            backendUrl: agent.url,
            agentCardUrl: agent.cardUrl,
            auth: sampleAuth[agent.agentId],
            ...(registered && {
              status: registered.status,
              timeoutMs: registered.timeoutMs,
              cardVisibility: registered.cardVisibility,
              routingExamples: registered.routingExamples,
            }),
          }),
        },
      )
      if (!response.ok) {
        throw new Error(
          `registering ${agent.agentId} failed: ${response.status} ${await response.text()}`,
        )
      }
    }
    await writeFile(
      sampleAddressesFile(options.stateDir),
      JSON.stringify(
        Object.fromEntries(
          sampleAgents.map(({ agentId, url: backendUrl, cardUrl }) => [
            agentId,
            { backendUrl, agentCardUrl: cardUrl },
          ]),
        ),
      ),
    )
    ready = true
    return running(sampleAgents)
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Keeps the search index in one vector space: when it holds vectors another
 * embedder made (EMBEDDER, its model or EMBEDDING_DIMENSION changed since the
 * last start), every registered agent is embedded again; otherwise only those
 * whose record says a change was not indexed. An agent whose embedding fails
 * is left marked not indexed, for the next start or `npm run reindex`.
 */
const reembedAgents = async (registry: DynamoAgentRegistry, config: GatewayConfig) => {
  const index = await localVectorIndexFor(config)
  const all = await index.holdsOtherEmbedders()
  const { failed } = await reindexAgents(
    registry,
    { embedder: embedderFor(config), index },
    (record) => all || record.indexed === false,
    ({ agentId, error }) => {
      if (error)
        console.warn(`could not index ${agentId} (${error.message}); it stays unsearchable`)
    },
  )
  if (all) {
    console.log(
      `Search index re-embedded with ${config.discovery.embedder} (${config.discovery.dimension} dimensions)${failed > 0 ? `; ${failed} agent(s) not indexed` : ''}.`,
    )
  }
}

/**
 * A stack for one run (`npm run invoke`, a test file): free ports, a fresh state
 * directory that `stop()` deletes, and no authorizer or route-threshold caching unless asked for.
 */
export const startThrowawayStack = async (
  options: Partial<
    Pick<
      StackOptions,
      | 'authorizerCacheTtlSeconds'
      | 'backendAllowedCidrs'
      | 'embedder'
      | 'routeThresholdCacheMs'
      | 'expireItemsEveryMs'
      | 'sampleAgents'
      | 'onRequest'
    >
  > = {},
): Promise<RunningStack> => {
  const stateDir = await mkdtemp(join(tmpdir(), 'switchboard-'))
  try {
    const stack = await startStack({
      host: '127.0.0.1',
      port: 0,
      stateDir,
      agentPorts: { weather: 0, calculator: 0 },
      authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds ?? 0,
      backendAllowedCidrs: options.backendAllowedCidrs,
      embedder: options.embedder,
      routeThresholdCacheMs: options.routeThresholdCacheMs ?? 0,
      expireItemsEveryMs: options.expireItemsEveryMs,
      sampleAgents: options.sampleAgents,
      onRequest: options.onRequest,
    })
    return {
      ...stack,
      stop: async () => {
        await stack.stop()
        await rm(stateDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(stateDir, { recursive: true, force: true })
    throw error
  }
}
