import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditedChange } from '../../lib/admin/audit.ts'
import { DynamoAuditLog } from '../../lib/admin/audit-log.ts'
import { fetchAgentCard, fetchKeySet } from '../../lib/backend/fetch-card.ts'
import { guardedFetch } from '../../lib/backend/guarded-fetch.ts'
import { DynamoClientCreations } from '../../lib/callers/client-creations.ts'
import { AgentChangedError } from '../../lib/errors.ts'
import {
  DynamoPushConfigs,
  PushConfigChangedError,
  secretHashOf,
} from '../../lib/push/push-configs.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { parseCidrs } from '../../lib/registry/backend-address.ts'
import {
  type AgentAdminDeps,
  patchAgent,
  registerAgent,
} from '../../lib/registry/register-agent.ts'
import { FileSecretStore } from '../../lib/secrets/file-secret-store.ts'
import { tableName } from '../../lib/tables.ts'
import { startAnswerLostProxy } from '../support/answer-lost-proxy.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

const localPolicy = { mode: 'local' as const, allowed: parseCidrs(['127.0.0.0/8']) }
const cardFetch = guardedFetch(localPolicy)

const dynalite = databaseEngines.find(([engine]) => engine === 'dynalite')
if (!dynalite) throw new Error('no dynalite engine')

/**
 * A registration or a change whose write the table carried out but whose answer was lost (a
 * reset, an attempt cut at AWS_REQUEST_TIMEOUT_MS): the SDK sends it again, and its condition
 * then meets the write itself. The change is done, and is answered so.
 */
describe('agent changes whose write landed but whose answer was lost', () => {
  let database: TestDatabase
  let proxy: Awaited<ReturnType<typeof startAnswerLostProxy>>
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let secretsDir: string
  let registry: DynamoAgentRegistry
  /** The same table, not through the proxy: another request's. */
  let direct: DynamoAgentRegistry
  let deps: AgentAdminDeps

  beforeAll(async () => {
    database = await dynalite[1]('lost-')
    proxy = await startAnswerLostProxy(database.endpoint)
    backend = await startCardServer()
    backend.serve(validCard(backend.url))
    secretsDir = await mkdtemp(join(tmpdir(), 'switchboard-secrets-'))
    // Through the proxy, the way documentClientOn goes to the database itself.
    registry = new DynamoAgentRegistry(
      documentClientOn({ ...database, endpoint: proxy.url }),
      tableName('agents', 'lost-'),
    )
    direct = new DynamoAgentRegistry(documentClientOn(database), tableName('agents', 'lost-'))
    deps = {
      registry,
      secrets: new FileSecretStore(join(secretsDir, 'secrets.json')),
      fetchCard: (url) => fetchAgentCard(url, { timeoutMs: 2_000, fetch: cardFetch }),
      fetchKeys: (url) => fetchKeySet(url, { timeoutMs: 2_000, fetch: cardFetch }),
      addressPolicy: localPolicy,
    }
  })
  afterAll(async () => {
    await backend?.stop()
    await proxy?.stop()
    await database?.stop()
    await rm(secretsDir, { recursive: true, force: true })
  })

  const storedSecrets = async () =>
    Object.keys(JSON.parse(await readFile(join(secretsDir, 'secrets.json'), 'utf8')))

  it('registers an agent with its key, the record keeping a secret that is still there', async () => {
    // Prepare
    proxy.loseNextAnswerTo('PutItem')

    // Act
    const change = await registerAgent(
      {
        agentId: 'relay',
        backendUrl: backend.url,
        agentCardUrl: backend.cardUrl,
        auth: { type: 'api_key', apiKey: 'k-1' },
      },
      deps,
    )

    // Assess
    expect(proxy.lost()).toBe(1)
    expect(change.after).toMatchObject({ agentId: 'relay', status: 'active' })
    const stored = await registry.get('relay')
    expect(stored).toEqual(JSON.parse(JSON.stringify(change.after)))
    const { auth } = stored ?? {}
    expect(auth && 'secretArn' in auth && (await storedSecrets()).includes(auth.secretArn)).toBe(
      true,
    )
  })

  it('changes an agent, answered as changed rather than as changed meanwhile by another', async () => {
    // Prepare
    proxy.loseNextAnswerTo('PutItem')

    // Act
    const change = await patchAgent('relay', { status: 'inactive' }, deps)

    // Assess
    expect(proxy.lost()).toBe(2)
    expect(change.after).toMatchObject({ status: 'inactive' })
    expect(await registry.get('relay')).toMatchObject({ status: 'inactive' })
  })
  it('registers an agent another request noted as indexed before the answer came back', async () => {
    // Prepare: the note an indexing writes on the record (annotate), between the write and its retry
    proxy.loseNextAnswerTo('PutItem', async () => {
      const written = await direct.get('noted')
      if (written) await direct.annotate(written, { indexed: true })
    })

    // Act
    const change = await registerAgent(
      { agentId: 'noted', backendUrl: backend.url, agentCardUrl: backend.cardUrl },
      deps,
    )

    // Assess
    expect(change.after).toMatchObject({ agentId: 'noted', status: 'active' })
    expect(await registry.get('noted')).toMatchObject({ indexed: true })
  })

  /**
   * A client whose every attempt at one operation's write is carried out and then unanswered, as
   * when the SDK gives up after its retries (no condition ever met: each attempt timed out);
   * `readsFail` makes the reads fail too.
   */
  const unansweredWrites = (
    operation: string,
    { readsFail = false, failure = timeout }: { readsFail?: boolean; failure?: () => Error } = {},
  ) => {
    const client = documentClientOn(database)
    return new DynamoAgentRegistry(
      {
        send: async (command: { constructor: { name: string } }) => {
          const name = command.constructor.name
          if (readsFail && name === 'GetCommand') throw timeout()
          const answer = await client.send(command as Parameters<typeof client.send>[0])
          if (name === operation) throw failure()
          return answer
        },
      } as unknown as typeof client,
      tableName('agents', 'lost-'),
    )
  }
  /** The SDK's last word after a first attempt cut (and carried out) and two throttled retries. */
  const throttledRetries = () =>
    Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { attempts: 3, httpStatusCode: 400 },
    })
  const timeout = () =>
    Object.assign(new Error('DynamoDB sent nothing for 3000 ms'), {
      name: 'TimeoutError',
      $metadata: { attempts: 3 },
    })

  it.each([
    ['every attempt went unanswered', 'unanswered', timeout],
    [
      'its first attempt went unanswered and its retries were throttled',
      'throttled',
      throttledRetries,
    ],
  ])(
    'registers an agent whose write landed though %s, its secret kept',
    async (_how, agentId, failure) => {
      // Act
      const change = await registerAgent(
        {
          agentId,
          backendUrl: backend.url,
          agentCardUrl: backend.cardUrl,
          auth: { type: 'api_key', apiKey: `k-${agentId}` },
        },
        { ...deps, registry: unansweredWrites('PutCommand', { failure }) },
      )

      // Assess: answered as registered, and the record's secret is there
      expect(change.after).toMatchObject({ agentId, status: 'active' })
      const { auth } = (await direct.get(agentId)) ?? {}
      expect(auth && 'secretArn' in auth && (await storedSecrets()).includes(auth.secretArn)).toBe(
        true,
      )
    },
  )

  it('keeps the new secret when neither the write nor a read can tell whether the record names it, and says so', async () => {
    // Prepare
    const warnings: unknown[] = []

    // Act
    const change = registerAgent(
      {
        agentId: 'untold',
        backendUrl: backend.url,
        agentCardUrl: backend.cardUrl,
        auth: { type: 'api_key', apiKey: 'k-3' },
      },
      {
        ...deps,
        registry: unansweredWrites('PutCommand', { readsFail: true }),
        warn: (message, details) => void warnings.push({ message, details }),
      },
    )

    // Assess: the error stands, and the secret the landed record names is not deleted
    await expect(change).rejects.toMatchObject({ name: 'TimeoutError' })
    const { auth } = (await direct.get('untold')) ?? {}
    expect(auth && 'secretArn' in auth && (await storedSecrets()).includes(auth.secretArn)).toBe(
      true,
    )
    expect(warnings).toEqual([
      {
        message: expect.stringContaining('secret kept'),
        details: { agentId: 'untold', secretArn: auth && 'secretArn' in auth && auth.secretArn },
      },
    ])
  })

  it('still refuses a change when another request changed the agent before the retry', async () => {
    // Prepare: another change of the record lands between the write and its retry
    proxy.loseNextAnswerTo('PutItem', () =>
      patchAgent('relay', { routingExamples: ['another change'] }, { ...deps, registry: direct }),
    )

    // Act
    const refused = await patchAgent('relay', { status: 'active' }, deps).catch(
      (error: unknown) => error,
    )

    // Assess
    expect(refused).toBeInstanceOf(AgentChangedError)
    expect(await registry.get('relay')).toMatchObject({ routingExamples: ['another change'] })
  })
})

/**
 * The admin API's other writes that a lost answer could fail the same way: an audit entry's
 * intent (its id a fresh UUID) and a client creation's claim on its Idempotency-Key.
 */
describe('admin writes whose put landed but whose answer was lost', () => {
  let database: TestDatabase
  let proxy: Awaited<ReturnType<typeof startAnswerLostProxy>>

  beforeAll(async () => {
    database = await dynalite[1]('lost-admin-')
    proxy = await startAnswerLostProxy(database.endpoint)
  })
  afterAll(async () => {
    await proxy?.stop()
    await database?.stop()
  })

  const throughProxy = () => documentClientOn({ ...database, endpoint: proxy.url })

  it('makes the change and records it applied, not refused as an audit that could not be written', async () => {
    // Prepare
    const trail = new DynamoAuditLog({
      client: throughProxy(),
      tableName: tableName('audit', 'lost-admin-'),
      retentionDays: 1,
    })
    const lostBefore = proxy.lost()
    proxy.loseNextAnswerTo('PutItem')

    // Act
    const made = await auditedChange(
      trail,
      {
        action: 'scope.put',
        target: 'billing:invoke',
        actor: { principal: 'ops', clientId: 'ops' },
      },
      async () => ({ before: null, after: { scope: 'billing:invoke' } }),
    )

    // Assess
    expect(proxy.lost() - lostBefore).toBe(1)
    expect(made.after).toEqual({ scope: 'billing:invoke' })
    const { entries } = await trail.list({ limit: 5 })
    expect(entries).toEqual([
      expect.objectContaining({ target: 'billing:invoke', outcome: 'applied' }),
    ])
  })

  it('sets a push config, not refused as one another request set meanwhile', async () => {
    // Prepare
    const configs = new DynamoPushConfigs({
      client: throughProxy(),
      tableName: tableName('pushConfigs', 'lost-admin-'),
    })
    const setting = {
      configId: 'config-lostanswer0001',
      agentId: 'weather',
      taskId: 't-1',
      principal: 'client-a',
      secretHash: secretHashOf('a secret of its own'),
      webhook: { url: 'https://client.example.com/hook' },
      expiresAt: Math.floor(Date.now() / 1000) + 60,
    }
    const lostBefore = proxy.lost()
    proxy.loseNextAnswerTo('PutItem')

    // Act
    await configs.put(setting)

    // Assess
    expect(proxy.lost() - lostBefore).toBe(1)
    expect(await configs.get(setting.configId)).toMatchObject({ secretHash: setting.secretHash })
    await expect(
      configs.put({ ...setting, secretHash: secretHashOf('another request') }),
    ).rejects.toBeInstanceOf(PushConfigChangedError)
  })

  it('claims an Idempotency-Key for a client creation, not refused as a creation already in progress', async () => {
    // Prepare
    const creations = new DynamoClientCreations(
      throughProxy(),
      tableName('idempotency', 'lost-admin-'),
    )
    const lostBefore = proxy.lost()
    proxy.loseNextAnswerTo('PutItem')

    // Act
    const claimed = await creations.claim('key-1', 'fingerprint-1')

    // Assess: this request's own claim, free to create its client
    expect(proxy.lost() - lostBefore).toBe(1)
    expect(claimed).toEqual({})
    await expect(creations.claim('key-1', 'fingerprint-1')).rejects.toThrow(/being created/)
  })

  it('claims an Idempotency-Key for a client creation whose put landed though no attempt was answered', async () => {
    // Prepare: every attempt at the claim's put carried out, and cut before its answer
    const client = documentClientOn(database)
    const unanswered = {
      send: async (command: { constructor: { name: string } }) => {
        const answer = await client.send(command as Parameters<typeof client.send>[0])
        if (command.constructor.name === 'PutCommand') {
          throw Object.assign(new Error('DynamoDB sent nothing for 3000 ms'), {
            name: 'TimeoutError',
            $metadata: { attempts: 3 },
          })
        }
        return answer
      },
    } as unknown as typeof client
    const creations = new DynamoClientCreations(unanswered, tableName('idempotency', 'lost-admin-'))

    // Act
    const claimed = await creations.claim('key-2', 'fingerprint-2')

    // Assess: this request's own claim, free to create its client
    expect(claimed).toEqual({})
  })
})
