import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type RequestListener } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCalculatorAgent } from '../agents/calculator/agent.ts'
import type { RunningAgent } from '../agents/serve.ts'
import { startWeatherAgent } from '../agents/weather/agent.ts'
import type { GatewayConfig } from '../lib/config.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { DynamoAgentRegistry } from '../lib/registry/agent-registry.ts'
import { tableName } from '../lib/tables.ts'
import { installAwsLambdaShim } from './awslambda-shim.ts'
import { startLocalDatabase } from './database.ts'
import { createGateway, listen, starting } from './gateway.ts'
import { createLocalIdentity, loadOrCreateSigningKey } from './identity.ts'
import { clientCredentials, seed, seedPermissions } from './seed.ts'
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
  /** The handlers' embedder; the offline model unless a test needs another. */
  embedder?: GatewayConfig['discovery']['embedder']
  onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void
}

export interface RunningStack {
  url: string
  /** Where the database files and the token signing key live. */
  stateDir: string
  /** The calculator is a PrivateAgent: its `url` is its SigV4 stand-in, `origin` the agent itself. */
  agents: (RunningAgent | PrivateAgent)[]
  /** The embedded database's requests so far, per operation (for the benchmarks). */
  databaseRequests(): Record<string, number>
  /** A token from the local token endpoint for a seeded client. */
  token(clientId: string): Promise<string>
  stop(): Promise<void>
}

const tablePrefix = 'switchboard-'
/** The app client people sign in to the console with, locally (CONSOLE_CLIENT_ID). */
const consoleClientId = 'switchboard-console'
const scopePrefix = 'switchboard/'

/**
 * How each sample agent is registered: the calculator sits behind a local
 * SigV4-verifying "function URL" (startSigV4FunctionUrl) and is an `aws_iam`
 * agent, as the sample agents are on AWS; the weather agent is public.
 */
const sampleAuth: Record<string, unknown> = {
  weather: { type: 'none' },
  calculator: { type: 'aws_iam', service: 'lambda', region: 'us-east-1' },
}

/**
 * Everything `npm start` runs, in this process: the embedded database, the
 * token endpoint and the API Gateway emulator on one port, the sample agents
 * (the calculator behind its SigV4 stand-in); then permissions are seeded and
 * the agents registered through the admin API.
 */
export const startStack = async (options: StackOptions): Promise<RunningStack> => {
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => undefined)
  }
  try {
    const database = await startLocalDatabase({ dir: join(options.stateDir, 'db'), tablePrefix })
    stops.push(database.stop)

    // The server answers from its first connection: until the gateway is built
    // (its handlers need this server's URL, known once it listens) with 503
    // "starting"; then the gateway serves, /health saying 503 until the sample
    // agents are registered (through the gateway's own admin API).
    let gateway: RequestListener | undefined
    let ready = false
    const server = createServer((request, response) => {
      if (gateway) return gateway(request, response)
      request.resume()
      response.writeHead(starting.statusCode, {
        'content-type': 'application/json',
        'retry-after': '1',
      })
      response.end(JSON.stringify(starting.body))
    })
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    )
    const port = await listen(server, options.port, options.host, 'PORT')
    const url = `http://${options.host}:${port}`

    // The handlers read their configuration when imported, as on Lambda.
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
      CONSOLE_CLIENT_ID: consoleClientId,
      PUBLIC_BASE_URL: url,
      // The sample agents and any agent a developer runs on this machine.
      BACKEND_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
      SECRETS_FILE: join(options.stateDir, 'secrets.json'),
      CARD_SIGNING_KEY_FILE: join(options.stateDir, 'card-signing-key.json'),
      EMBEDDER: options.embedder ?? 'local',
      VECTOR_INDEX: 'local',
      VECTOR_INDEX_FILE: join(options.stateDir, 'vectors.json'),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // EMF lines are for CloudWatch; on a laptop they would only bury the log.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    })
    installAwsLambdaShim()
    const [authorizer, agents, discovery, admin, operatorConsole] = await Promise.all([
      import('../handlers/authorizer.ts'),
      import('../handlers/agents.ts'),
      import('../handlers/discovery.ts'),
      import('../handlers/admin.ts'),
      import('../handlers/console.ts'),
    ])
    const signingKey = await loadOrCreateSigningKey(options.stateDir)
    const identity = await createLocalIdentity({
      issuer: url,
      signingKey,
      clients: seed.clients,
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
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    })

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

    const documentClient = createDocumentClient({
      region: 'us-east-1',
      dynamoDbEndpoint: database.endpoint,
    })
    stops.push(async () => documentClient.destroy())
    await seedPermissions(documentClient, tablePrefix)
    const registry = new DynamoAgentRegistry(documentClient, tableName('agents', tablePrefix))
    const adminToken = await token('admin-client')
    for (const agent of sampleAgents) {
      if (await registry.get(agent.agentId)) continue
      const response = await fetch(`${url}/admin/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          agentId: agent.agentId,
          backendUrl: agent.url,
          agentCardUrl: agent.cardUrl,
          auth: sampleAuth[agent.agentId],
        }),
      })
      if (!response.ok) {
        throw new Error(
          `registering ${agent.agentId} failed: ${response.status} ${await response.text()}`,
        )
      }
    }
    ready = true
    return {
      url,
      stateDir: options.stateDir,
      agents: sampleAgents,
      databaseRequests: database.requests,
      token,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * A stack for one run (`npm run invoke`, a test file): free ports, a fresh state
 * directory that `stop()` deletes, and no authorizer caching unless asked for.
 */
export const startThrowawayStack = async (
  options: Partial<Pick<StackOptions, 'authorizerCacheTtlSeconds' | 'embedder'>> = {},
): Promise<RunningStack> => {
  const stateDir = await mkdtemp(join(tmpdir(), 'switchboard-'))
  try {
    const stack = await startStack({
      host: '127.0.0.1',
      port: 0,
      stateDir,
      agentPorts: { weather: 0, calculator: 0 },
      authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds ?? 0,
      embedder: options.embedder,
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
