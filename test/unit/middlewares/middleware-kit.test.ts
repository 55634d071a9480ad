import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import middy, { type MiddlewareObj } from '@middy/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../../lib/dynamo.ts'
import { DynamoPermissionStore } from '../../../lib/permissions/permission-store.ts'
import { DynamoRateLimiter } from '../../../lib/ratelimit/rate-limiter.ts'
import { tableName } from '../../../lib/tables.ts'
import { type A2ARequestContext, a2aRequest } from '../../../middlewares/a2a-request.ts'
import { agentGrant } from '../../../middlewares/agent-grant.ts'
import { jwtAuth } from '../../../middlewares/jwt-auth.ts'
import {
  type PermissionLookupContext,
  permissionLookup,
} from '../../../middlewares/permission-lookup.ts'
import { answersWithKeptHeaders, limitFor, rateLimit } from '../../../middlewares/rate-limit.ts'
import { databaseEngines, type TestDatabase } from '../../support/databases.ts'
import { invoke } from '../../support/events.ts'
import { teamAgentEvents as events } from '../../support/kit-events.ts'
import { startTokenIssuer } from '../../support/token-issuer.ts'

type KitContext = PermissionLookupContext & A2ARequestContext

const tablePrefix = 'kit-'
const resourceUrl = 'https://team.example.com'

describe('the middleware kit without the gateway authorizer', () => {
  let database: TestDatabase
  let issuer: Awaited<ReturnType<typeof startTokenIssuer>>
  let handler: (event: never, context: never) => Promise<unknown>
  let store: DynamoPermissionStore
  let limiter: DynamoRateLimiter

  /** A team's handler behind the kit, as the README wires it, with `checks` of its own last. */
  const kitChain = (...checks: MiddlewareObj[]) =>
    middy<unknown, unknown, Error, KitContext>()
      .use(
        jwtAuth({
          issuer: issuer.issuer,
          jwksUrl: issuer.jwksUrl,
          scopePrefix: 'team/',
          resourceUrl,
        }),
      )
      .use(permissionLookup({ permissions: store, defaultRateLimit: 60 }) as MiddlewareObj)
      .use(a2aRequest() as MiddlewareObj)
      .use(agentGrant() as MiddlewareObj)
      .use(
        rateLimit<unknown, KitContext>({
          limiter,
          subject: ({ context: { caller, a2a } }) => {
            const agentId = a2a.kind === 'call' ? a2a.call.agentId : a2a.agentId
            const limit =
              a2a.kind === 'call'
                ? limitFor(caller.limits, agentId, a2a.call.operation)
                : caller.limits[agentId]
            return { principal: caller.clientId, resource: agentId, limit: limit ?? 60 }
          },
          limitedResponse: () => ({ statusCode: 429, headers: {}, body: 'slow down' }),
        }),
      )
      .use(checks)
      .handler(async () => ({
        statusCode: 200,
        headers: {},
        body: 'hello from the team agent',
      }))

  beforeAll(async () => {
    const midMinute = Math.floor(Date.now() / 60_000) * 60_000 + 30_000
    const start = databaseEngines.find(([name]) => name === 'dynalite')?.[1]
    if (!start) throw new Error('dynalite engine missing')
    database = await start(tablePrefix)
    issuer = await startTokenIssuer()
    const client = createDocumentClient(
      { region: 'us-east-1', dynamoDbEndpoint: database.endpoint },
      new DynamoDBClient({
        region: 'us-east-1',
        endpoint: database.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    )
    const permissions = new DynamoPermissionStore(client, tableName('permissions', tablePrefix))
    store = permissions
    // Each event kind signs as its own client, counted by client id: each has its own two calls.
    await permissions.put({ scope: 'team:invoke', agents: ['team-agent'], requestsPerMinute: 2 })
    await permissions.put({ scope: 'other:invoke', agents: ['other-agent'] })
    // Messages at 1 a minute, and reads at the default: the reads' scope lifts no message limit.
    await permissions.put({
      scope: 'team:send',
      agents: ['team-agent'],
      operations: ['SendMessage'],
      requestsPerMinute: 1,
    })
    await permissions.put({ scope: 'team:read', agents: ['team-agent'], operations: ['GetTask'] })
    limiter = new DynamoRateLimiter({
      client,
      tableName: tableName('rateLimits', tablePrefix),
      windowSeconds: 60,
      // Mid-minute, for good: each test's calls count in one window, however slow.
      now: () => midMinute,
    })
    handler = kitChain() as never
  }, 60_000)

  afterAll(async () => {
    await issuer?.stop()
    await database?.stop()
  })

  for (const [kind, eventWith] of Object.entries(events)) {
    it(`protects a plain handler for a ${kind} event: 200, 403, 401, then 429`, async () => {
      // Prepare
      const client = `client-${kind}`
      const granted = await issuer.sign({
        scope: 'team/team:invoke',
        client_id: client,
      })
      const ungranted = await issuer.sign({
        scope: 'team/other:invoke',
        client_id: client,
      })

      // Act
      const ok = await invoke<{ statusCode: number }>(
        handler as never,
        eventWith(`Bearer ${granted}`),
      )
      const forbidden = await invoke<{ statusCode: number }>(
        handler as never,
        eventWith(`Bearer ${ungranted}`),
      )
      const anonymous = await invoke<{ statusCode: number; headers: Record<string, string> }>(
        handler as never,
        eventWith(),
      )
      await invoke(handler as never, eventWith(`Bearer ${granted}`))
      const limited = await invoke<{ statusCode: number; headers: Record<string, string> }>(
        handler as never,
        eventWith(`Bearer ${granted}`),
      )

      // Assess
      expect(ok.statusCode).toBe(200)
      expect(forbidden.statusCode).toBe(403)
      expect(anonymous.statusCode).toBe(401)
      expect(anonymous.headers['www-authenticate']).toBe(
        `Bearer resource_metadata="${resourceUrl}/.well-known/oauth-protected-resource"`,
      )
      expect(limited.statusCode).toBe(429)
      expect(Number(limited.headers['Retry-After'])).toBeGreaterThan(0)
    })
  }

  it('holds a message to the limit of the scopes granting messages, whatever a read scope allows', async () => {
    // Prepare
    const token = await issuer.sign({
      scope: 'team/team:send team/team:read',
      client_id: 'client-send-and-read',
    })
    const [eventWith] = Object.values(events) as [(authorization?: string) => unknown]

    // Act
    const first = await invoke<{ statusCode: number }>(
      handler as never,
      eventWith(`Bearer ${token}`),
    )
    const second = await invoke<{ statusCode: number }>(
      handler as never,
      eventWith(`Bearer ${token}`),
    )

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 429])
  })

  it('gives an early refusal of the team’s own after the count the RateLimit headers, when wrapped', async () => {
    // Prepare: the team's handler behind the kit, and a check of its own that refuses
    const refusing = { before: () => ({ statusCode: 409, headers: {}, body: 'busy' }) }
    const token = await issuer.sign({ scope: 'team/team:invoke', client_id: 'client-refused' })
    const [eventWith] = Object.values(events) as [(authorization?: string) => unknown]

    // Act
    const bare = await invoke<{ headers: Record<string, string> }>(
      kitChain(refusing) as never,
      eventWith(`Bearer ${token}`),
    )
    const wrapped = await invoke<{ statusCode: number; headers: Record<string, string> }>(
      kitChain(answersWithKeptHeaders(refusing)) as never,
      eventWith(`Bearer ${token}`),
    )

    // Assess: Middy runs no after for an early answer; the wrapper adds what the count kept
    expect(bare.headers.RateLimit).toBeUndefined()
    expect(wrapped.statusCode).toBe(409)
    expect(wrapped.headers.RateLimit).toMatch(/^"per-caller-agent";r=\d+;t=\d+$/)
  })
})
