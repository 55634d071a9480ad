import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { type AuditEntry, auditedChange } from '../../lib/admin/audit.ts'
import { fetchAgentCard, fetchKeySet } from '../../lib/backend/fetch-card.ts'
import { guardedFetch } from '../../lib/backend/guarded-fetch.ts'
import {
  AgentAlreadyRegisteredError,
  AgentBeingDeletedError,
  AgentCardUnreachableError,
  AgentChangedError,
  AgentDeleteUnfinishedError,
  AgentNotFoundError,
  AgentRegisteredAgainError,
  BackendUrlRejectedError,
  InvalidAgentCardError,
  PreconditionFailedError,
  SecretAccessDeniedError,
  SecretRejectedError,
} from '../../lib/errors.ts'
import { agentETag } from '../../lib/registry/agent-etag.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { parseCidrs } from '../../lib/registry/backend-address.ts'
import {
  type AgentAdminDeps,
  agentIdTag,
  deleteAgent,
  existingAgent,
  patchAgent,
  registerAgent,
  replaceAgent,
  stackTag,
  syncAgent,
} from '../../lib/registry/register-agent.ts'
import { FileSecretStore } from '../../lib/secrets/file-secret-store.ts'
import type { SecretStore } from '../../lib/secrets/secret-store.ts'
import { tableName } from '../../lib/tables.ts'
import { closedPort, startCardServer, validCard } from '../support/card-server.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

const secretArnOf = (record: AgentRecord | undefined): string => {
  const auth = record?.auth
  if (!auth || !('secretArn' in auth)) throw new Error(`${record?.agentId} has no secret`)
  return auth.secretArn
}

const localPolicy = { mode: 'local' as const, allowed: parseCidrs(['127.0.0.0/8']) }
const cardFetch = guardedFetch(localPolicy)

describe.each(databaseEngines)('agent administration on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let registry: DynamoAgentRegistry
  let secretsDir: string
  let secrets: FileSecretStore
  let deps: AgentAdminDeps

  beforeAll(async () => {
    database = await startDatabase('it-')
    backend = await startCardServer()
    const client = documentClientOn(database)
    registry = new DynamoAgentRegistry(client, tableName('agents', 'it-'))
    secretsDir = await mkdtemp(join(tmpdir(), 'switchboard-secrets-'))
    secrets = new FileSecretStore(join(secretsDir, 'secrets.json'))
    deps = {
      registry,
      secrets,
      fetchCard: (url) => fetchAgentCard(url, { timeoutMs: 2_000, fetch: cardFetch }),
      fetchKeys: (url) => fetchKeySet(url, { timeoutMs: 2_000, fetch: cardFetch }),
      addressPolicy: localPolicy,
    }
  })
  afterAll(async () => {
    await backend.stop()
    await database.stop()
    await rm(secretsDir, { recursive: true, force: true })
  })
  beforeEach(() => backend.serve(validCard(backend.url)))

  const config = (agentId: string, overrides: Record<string, unknown> = {}) => ({
    agentId,
    backendUrl: backend.url,
    agentCardUrl: backend.cardUrl,
    ...overrides,
  })
  const storedSecrets = async () => {
    try {
      return Object.keys(JSON.parse(await readFile(join(secretsDir, 'secrets.json'), 'utf8')))
    } catch {
      return []
    }
  }
  const failure = (promise: Promise<unknown>) => promise.catch((caught: unknown) => caught)

  it('stores the agent with its card and the endpoints of its bindings', async () => {
    // Act
    await registerAgent(config('echo'), deps)

    // Assess
    expect(await registry.get('echo')).toMatchObject({
      agentId: 'echo',
      status: 'active',
      protocolVersion: '1.0',
      endpoints: { JSONRPC: `${backend.url}/a2a/jsonrpc` },
      card: { name: 'Echo Agent' },
    })
  })

  it('refuses a second agent with the same id and keeps the first', async () => {
    // Prepare
    backend.serve({ ...validCard(backend.url), name: 'Impostor' })

    // Act
    const error = await failure(registerAgent(config('echo'), deps))

    // Assess
    expect(error).toBeInstanceOf(AgentAlreadyRegisteredError)
    expect((await registry.get('echo'))?.card.name).toBe('Echo Agent')
  })

  it('stores nothing when the card is not a valid A2A card, and says what is wrong', async () => {
    // Prepare
    backend.serve({ name: 'Half a card' })

    // Act
    const error = await failure(registerAgent(config('half'), deps))

    // Assess
    expect(error).toBeInstanceOf(InvalidAgentCardError)
    expect((error as InvalidAgentCardError).problems.join(' ')).toMatch(/description/)
    expect(await registry.get('half')).toBeUndefined()
  })

  it('stores nothing when the card URL answers with an error status', async () => {
    // Prepare
    backend.serve('not found', 404)

    // Act
    const error = await failure(registerAgent(config('missing'), deps))

    // Assess
    expect((error as Error).message).toMatch(/answered HTTP 404/)
    expect(await registry.get('missing')).toBeUndefined()
  })

  it('stores nothing when nothing answers at the card URL', async () => {
    // Prepare
    const port = await closedPort()

    // Act
    const error = await failure(
      registerAgent(
        config('nowhere', { agentCardUrl: `http://127.0.0.1:${port}/card.json` }),
        deps,
      ),
    )

    // Assess
    expect(error).toBeInstanceOf(AgentCardUnreachableError)
    expect((error as Error).message).toMatch(/ECONNREFUSED/)
    expect(await registry.get('nowhere')).toBeUndefined()
  })

  it('refuses plain-http backends outside local mode before fetching anything', async () => {
    // Prepare
    const before = backend.requests()

    // Act
    const error = await failure(
      registerAgent(config('plain'), { ...deps, addressPolicy: { ...localPolicy, mode: 'aws' } }),
    )

    // Assess
    expect(error).toBeInstanceOf(BackendUrlRejectedError)
    expect(backend.requests()).toBe(before)
  })

  it.each([
    [
      'another host',
      'backendUrl',
      {
        backendUrl: 'https://agents.example.com/a2a',
        agentCardUrl: 'https://agents.example.com/card.json',
        auth: { type: 'aws_iam', service: 'lambda', region: 'us-east-1' },
      },
    ],
    [
      'an AgentCore invocation path on another host',
      'backendUrl',
      {
        backendUrl:
          'https://agents.example.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fbilling/invocations/',
        auth: { type: 'aws_iam' },
      },
    ],
    [
      "a function URL whose card is another function URL's",
      'agentCardUrl',
      {
        backendUrl: 'https://abcdefghij.lambda-url.us-east-1.on.aws/',
        agentCardUrl: 'https://attackerfn.lambda-url.us-east-1.on.aws/card.json',
        auth: { type: 'aws_iam' },
      },
    ],
    [
      'a function URL whose card is on another host',
      'agentCardUrl',
      {
        backendUrl: 'https://abcdefghij.lambda-url.us-east-1.on.aws/',
        agentCardUrl: 'https://cdn.example.com/card.json',
        auth: { type: 'aws_iam' },
      },
    ],
  ])(
    'refuses, on AWS, an aws_iam agent on %s, before anything is signed or sent',
    async (_case, field, address) => {
      // Prepare
      const before = backend.requests()

      // Act
      const error = await failure(
        registerAgent(
          { agentId: 'signed', ...address },
          { ...deps, addressPolicy: { ...localPolicy, mode: 'aws' } },
        ),
      )

      // Assess
      expect(error).toBeInstanceOf(BackendUrlRejectedError)
      expect(error).toMatchObject({ field, message: expect.stringContaining('session token') })
      expect(backend.requests()).toBe(before)
      expect(await registry.get('signed')).toBeUndefined()
    },
  )

  it("refuses, on AWS, to sync an aws_iam record registered before its card's origin was checked", async () => {
    // Prepare: stored as it could be before, its card on another function URL of the region
    const at = new Date().toISOString()
    await registry.create({
      agentId: 'older',
      backendUrl: 'https://abcdefghij.lambda-url.us-east-1.on.aws/',
      agentCardUrl: 'https://attackerfn.lambda-url.us-east-1.on.aws/card.json',
      auth: { type: 'aws_iam', service: 'lambda', region: 'us-east-1' },
      status: 'active',
      card: validCard(backend.url),
      protocolVersion: '1.0',
      endpoints: {},
      createdAt: at,
      updatedAt: at,
    } as AgentRecord)

    // Act
    const error = await failure(
      syncAgent('older', { ...deps, addressPolicy: { ...localPolicy, mode: 'aws' } }),
    )

    // Assess
    expect(error).toBeInstanceOf(BackendUrlRejectedError)
    expect(error).toMatchObject({ field: 'agentCardUrl' })
  })

  describe('backend secrets', () => {
    const oauth = (clientSecret: string) => ({
      type: 'oauth2_client_credentials',
      tokenUrl: 'http://127.0.0.1:9/oauth2/token',
      clientId: 'gateway',
      clientSecret,
    })
    /**
     * Two changes that really race: each is held at its card fetch (after its read, and its
     * If-Match check) until both are, so only the write's condition can tell them apart.
     */
    const raced = async <T>(...changes: [() => Promise<T>, () => Promise<T>]) => {
      backend.hold()
      const racing = Promise.allSettled(changes.map((change) => change()))
      await vi
        .waitFor(() => expect(backend.held()).toBe(2), { timeout: 10_000 })
        .finally(() => backend.release())
      const outcomes = await racing
      return {
        won: outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : [])),
        lost: outcomes.flatMap((outcome) =>
          outcome.status === 'rejected' ? [outcome.reason] : [],
        ),
      }
    }

    it('stores an inline secret in the secret store and only its ARN on the record', async () => {
      // Act
      const { after } = await registerAgent(config('billing', { auth: oauth('s3cret-1') }), deps)

      // Assess
      const record = await registry.get('billing')
      expect(record?.auth).toMatchObject({ type: 'oauth2_client_credentials', secretOwned: true })
      expect(JSON.stringify(record)).not.toContain('s3cret-1')
      const arn = secretArnOf(after)
      expect(await secrets.read(arn)).toBe('s3cret-1')
    })

    it('deletes the secret it stored when the record cannot be written', async () => {
      // Prepare
      const before = await storedSecrets()

      // Act
      const error = await failure(
        registerAgent(config('billing', { auth: oauth('s3cret-2') }), deps),
      )

      // Assess
      expect(error).toBeInstanceOf(AgentAlreadyRegisteredError)
      expect(await storedSecrets()).toEqual(before)
    })

    it('stores no record when the secret cannot be written', async () => {
      // Prepare
      const broken: SecretStore = {
        create: async () => {
          throw new Error('Secrets Manager is down')
        },
        delete: async () => undefined,
        read: secrets.read.bind(secrets),
        describe: secrets.describe.bind(secrets),
      }

      // Act
      const error = await failure(
        registerAgent(config('payroll', { auth: oauth('x') }), { ...deps, secrets: broken }),
      )

      // Assess
      expect((error as Error).message).toBe('Secrets Manager is down')
      expect(await registry.get('payroll')).toBeUndefined()
    })

    it('replaces the secret on PUT and deletes the one it replaced', async () => {
      // Prepare
      const original = await registry.get('billing')
      const oldArn = secretArnOf(original)

      // Act
      const { after } = await replaceAgent(
        'billing',
        config('billing', { auth: oauth('s3cret-3') }),
        deps,
      )

      // Assess
      const newArn = secretArnOf(after)
      expect(newArn).not.toBe(oldArn)
      expect(await secrets.has(oldArn)).toBe(false)
      expect(await secrets.read(newArn)).toBe('s3cret-3')
      expect(after?.createdAt).toBe(original?.createdAt)
    })

    it('lets one of two PUTs at once win and refuses the other with 409, orphaning no secret', async () => {
      // Prepare
      await registerAgent(config('racing', { auth: oauth('s3cret-r0') }), deps)
      const before = new Set(await storedSecrets())

      // Act: both have read the record before either writes (each is held at its card fetch,
      // which comes after the read), so the two really race; unheld, one could finish first.
      const { won, lost } = await raced(
        () => replaceAgent('racing', config('racing', { auth: oauth('s3cret-r1') }), deps),
        () => replaceAgent('racing', config('racing', { auth: oauth('s3cret-r2') }), deps),
      )

      // Assess
      expect([won.length, lost.length]).toEqual([1, 1])
      expect(lost[0]).toBeInstanceOf(AgentChangedError)
      const stored = await registry.get('racing')
      expect(secretArnOf(stored)).toBe(secretArnOf(won[0]?.after))
      const added = (await storedSecrets()).filter((arn) => !before.has(arn))
      expect(added).toEqual([secretArnOf(stored)])
    })

    it('makes two PUTs sent with the ETag both read the one version: one is made, the other a 412 naming the winner, its secret deleted and nothing of it stored', async () => {
      // Prepare: both admins read the agent, and send its ETag back
      await registerAgent(config('edited', { auth: oauth('s3cret-e0') }), deps)
      const read = await existingAgent('edited', deps)
      const ifMatch = { tags: [agentETag(read)] }
      const before = new Set(await storedSecrets())

      // Act: both If-Match checks pass, each change held after its own
      const { won, lost } = await raced(
        () => replaceAgent('edited', config('edited', { auth: oauth('s3cret-e1') }), deps, ifMatch),
        () => replaceAgent('edited', config('edited', { auth: oauth('s3cret-e2') }), deps, ifMatch),
      )

      // Assess
      expect([won.length, lost.length]).toEqual([1, 1])
      const stored = await registry.get('edited')
      expect(stored).toEqual(won[0]?.after)
      expect(lost[0]).toBeInstanceOf(PreconditionFailedError)
      expect(lost[0].currentEtag).toBe(agentETag(stored as AgentRecord))
      const added = (await storedSecrets()).filter((arn) => !before.has(arn))
      expect(added).toEqual([secretArnOf(stored)])
    })

    it('deletes the record and its secret', async () => {
      // Prepare
      const arn = secretArnOf(await registry.get('billing'))

      // Act
      await deleteAgent('billing', deps)

      // Assess
      expect(await registry.get('billing')).toBeUndefined()
      expect(await secrets.has(arn)).toBe(false)
    })

    it('finishes a delete that failed half-way when it is retried, serving nothing meanwhile', async () => {
      // Prepare
      const { after } = await registerAgent(config('flaky', { auth: oauth('s3cret-4') }), deps)
      const arn = secretArnOf(after)
      const failingOnce: SecretStore = {
        create: secrets.create.bind(secrets),
        delete: async () => {
          throw new Error('throttled')
        },
        read: secrets.read.bind(secrets),
        describe: secrets.describe.bind(secrets),
      }

      // Act
      const first = await failure(deleteAgent('flaky', { ...deps, secrets: failingOnce }))
      const midway = await registry.get('flaky')
      await deleteAgent('flaky', deps)

      // Assess
      expect(first).toBeInstanceOf(AgentDeleteUnfinishedError)
      expect(((first as Error).cause as Error).message).toBe('throttled')
      expect(midway?.status).toBe('deleting')
      expect(await registry.get('flaky')).toBeUndefined()
      expect(await secrets.has(arn)).toBe(false)
    })

    /** The file store, except that deleting fails until `healed` is set. */
    const deleteFailing = () => {
      const store = {
        healed: false,
        create: secrets.create.bind(secrets),
        read: secrets.read.bind(secrets),
        describe: secrets.describe.bind(secrets),
        delete: async (arn: string) => {
          if (!store.healed) throw new Error('Secrets Manager throttled')
          await secrets.delete(arn)
        },
      }
      return store
    }

    it('stops a delete whose vectors cannot be removed before its secret goes, records it, and says how to finish', async () => {
      // Prepare
      const { after: registered } = await registerAgent(
        config('halfway', { auth: oauth('s3cret-h') }),
        deps,
      )
      const arn = secretArnOf(registered)
      const entries: AuditEntry[] = []
      const trail = {
        intend: async () => undefined,
        record: async (entry: AuditEntry) => void entries.push(entry),
        withdraw: async () => undefined,
      }
      const actor = { principal: 'admin-client', clientId: 'admin-client' }
      const auditedDelete = (admin: AgentAdminDeps) =>
        auditedChange(trail, { action: 'agent.delete', actor, target: 'halfway' }, () =>
          deleteAgent('halfway', admin),
        )
      const indexDown: AgentAdminDeps = {
        ...deps,
        removeVector: async () => {
          throw new Error('ServiceUnavailableException')
        },
      }

      // Act
      const first = await failure(auditedDelete(indexDown))
      const midway = await registry.get('halfway')
      const secretKept = await secrets.has(arn)
      const refusals = await Promise.all([
        failure(existingAgent('halfway', deps)),
        failure(replaceAgent('halfway', config('halfway'), deps)),
        failure(patchAgent('halfway', { status: 'inactive' }, deps)),
        failure(syncAgent('halfway', deps)),
        failure(registerAgent(config('halfway'), deps)),
      ])
      await auditedDelete(deps)

      // Assess
      expect(first).toBeInstanceOf(AgentDeleteUnfinishedError)
      expect((first as Error).message).toBe(
        "Agent 'halfway' is only partly deleted: removing its search vectors failed. It is no longer served; run DELETE /admin/agents/halfway again to finish deleting it.",
      )
      expect([midway?.status, secretKept]).toEqual(['deleting', true])
      for (const refusal of refusals) {
        expect(refusal).toBeInstanceOf(AgentBeingDeletedError)
        expect((refusal as Error).message).toMatch(
          /is being deleted.*Run DELETE \/admin\/agents\/halfway again to finish it/,
        )
      }
      expect(await registry.get('halfway')).toBeUndefined()
      expect(await secrets.has(arn)).toBe(false)
      expect(
        entries.map(({ before, after }) => [
          (before as AgentRecord | null)?.status,
          (after as AgentRecord | null)?.status ?? null,
        ]),
      ).toEqual([
        ['active', 'deleting'],
        ['deleting', null],
      ])
    })

    it('keeps a PUT whose replaced secret cannot be deleted, and deletes it on the next PUT', async () => {
      // Prepare
      const { after: original } = await registerAgent(
        config('rotating', { auth: oauth('s3cret-5') }),
        deps,
      )
      const firstArn = secretArnOf(original)
      const flaky = deleteFailing()
      const warnings: string[] = []

      // Act
      const { after: replaced } = await replaceAgent(
        'rotating',
        config('rotating', { auth: oauth('s3cret-6') }),
        { ...deps, secrets: flaky, warn: (message) => warnings.push(message) },
      )
      const midway = await registry.get('rotating')
      flaky.healed = true
      const { after: again } = await replaceAgent(
        'rotating',
        config('rotating', { auth: oauth('s3cret-7') }),
        { ...deps, secrets: flaky },
      )

      // Assess
      expect(secretArnOf(replaced)).not.toBe(firstArn)
      expect(midway?.retiredSecretArns).toEqual([firstArn])
      expect(warnings).toEqual([expect.stringMatching(/retired secret not deleted/)])
      expect(await secrets.has(firstArn)).toBe(false)
      expect(await secrets.has(secretArnOf(replaced))).toBe(false)
      expect(await secrets.read(secretArnOf(again))).toBe('s3cret-7')
      expect((await registry.get('rotating'))?.retiredSecretArns).toBeUndefined()
    })

    it('deletes retired secrets with the agent', async () => {
      // Prepare
      const { after: original } = await registerAgent(
        config('retiring', { auth: oauth('s3cret-8') }),
        deps,
      )
      await replaceAgent('retiring', config('retiring', { auth: oauth('s3cret-9') }), {
        ...deps,
        secrets: deleteFailing(),
      })

      // Act
      await deleteAgent('retiring', deps)

      // Assess
      expect(await secrets.has(secretArnOf(original))).toBe(false)
      expect(await registry.get('retiring')).toBeUndefined()
    })

    it('says why a registration failed even when the secret it stored cannot be deleted', async () => {
      // Prepare: 'rotating' is taken, and deleting secrets fails.
      const warnings: Record<string, unknown>[] = []
      const before = await storedSecrets()

      // Act
      const error = await failure(
        registerAgent(config('rotating', { auth: oauth('s3cret-10') }), {
          ...deps,
          secrets: deleteFailing(),
          warn: (_message, details) => warnings.push(details),
        }),
      )

      // Assess: the operator is told which secret is left over.
      expect(error).toBeInstanceOf(AgentAlreadyRegisteredError)
      const leftOver = (await storedSecrets()).filter((arn) => !before.includes(arn))
      expect(warnings).toEqual([expect.objectContaining({ secretArn: leftOver[0] })])
    })

    describe('a secret named by ARN', () => {
      const apiKeyArn = (arn: string) => ({ type: 'api_key', apiKeyArn: arn })

      it('names the secret it stores below the agent and tags it with the agent id', async () => {
        // Act
        const { after } = await registerAgent(config('tagged', { auth: oauth('s3cret-t') }), deps)

        // Assess
        const described = await secrets.describe(secretArnOf(after))
        expect(described?.name).toMatch(/^switchboard\/agents\/tagged\//)
        expect(described?.tags).toEqual({ [agentIdTag]: 'tagged' })
      })

      it("names the secret it stores below the stack's own prefix and tags it with the stack, when the stack is named", async () => {
        // Act
        const { after } = await registerAgent(config('stacked', { auth: oauth('s3cret-s') }), {
          ...deps,
          stackName: 'prod',
        })

        // Assess: two stacks in one account no longer share a prefix (terraform/iam.tf).
        const described = await secrets.describe(secretArnOf(after))
        expect(described?.name).toMatch(/^switchboard\/prod\/agents\/stacked\//)
        expect(described?.tags).toEqual({ [agentIdTag]: 'stacked', [stackTag]: 'prod' })
      })

      it('takes, in a named stack, a secret an earlier release stored under the legacy prefix, but none tagged for another stack', async () => {
        // Prepare: a secret as the gateway stored it before stacks had prefixes, and another
        // stack's own secret for an agent of the same id.
        const earlier = await secrets.create('switchboard/agents/carried/1-earlier', 'c-1', {
          [agentIdTag]: 'carried',
        })
        const { after: theirs } = await registerAgent(
          config('shared-id', { auth: oauth('s3cret-b') }),
          { ...deps, stackName: 'beta' },
        )

        // Act
        const { after: carried } = await registerAgent(
          config('carried', { auth: apiKeyArn(earlier) }),
          { ...deps, stackName: 'alpha' },
        )
        const error = await failure(
          registerAgent(config('shared-id-2', { auth: apiKeyArn(secretArnOf(theirs)) }), {
            ...deps,
            stackName: 'alpha',
          }),
        )

        // Assess
        expect(carried?.auth).toMatchObject({ secretArn: earlier, secretOwned: false })
        expect(error).toBeInstanceOf(SecretRejectedError)
        expect((error as Error).message).toBe(
          `auth.apiKeyArn: secret ${secretArnOf(theirs)} belongs to stack 'beta' (its 'switchboard:stack' tag), not this one ('alpha').`,
        )
      })

      it("refuses, storing nothing, an ARN of another agent's secret on register and on PUT", async () => {
        // Prepare
        const { after: owner } = await registerAgent(
          config('owner', { auth: oauth('s3cret-o') }),
          deps,
        )
        const stolen = apiKeyArn(secretArnOf(owner))

        // Act
        const onRegister = await failure(registerAgent(config('thief', { auth: stolen }), deps))
        const onReplace = await failure(
          replaceAgent('echo', config('echo', { auth: stolen }), deps),
        )

        // Assess
        for (const error of [onRegister, onReplace]) {
          expect(error).toBeInstanceOf(SecretRejectedError)
          expect((error as SecretRejectedError).field).toBe('auth.apiKeyArn')
          expect((error as Error).message).toMatch(/does not belong to agent '(thief|echo)'/)
        }
        expect(await registry.get('thief')).toBeUndefined()
        expect((await registry.get('echo'))?.auth).toEqual({ type: 'none' })
      })

      it('uses a secret the operator tagged for the agent, or named below it, and never deletes it', async () => {
        // Prepare
        const tagged = await secrets.create('ops/payments-key', 'p-1', { [agentIdTag]: 'payments' })
        const named = await secrets.create('switchboard/agents/ledger/ops-key', 'l-1')

        // Act
        const { after: payments } = await registerAgent(
          config('payments', { auth: apiKeyArn(tagged) }),
          deps,
        )
        const { after: ledger } = await registerAgent(
          config('ledger', { auth: apiKeyArn(named) }),
          deps,
        )
        await deleteAgent('payments', deps)

        // Assess
        expect(payments?.auth).toMatchObject({ secretArn: tagged, secretOwned: false })
        expect(ledger?.auth).toMatchObject({ secretArn: named, secretOwned: false })
        expect(await secrets.has(tagged)).toBe(true)
      })

      it('refuses a secret named below another agent whose id starts the same', async () => {
        // Prepare
        const sibling = await secrets.create('switchboard/agents/ledger-2/key', 'l-2')

        // Act
        const error = await failure(
          registerAgent(config('ledger-x', { auth: apiKeyArn(sibling) }), deps),
        )

        // Assess
        expect(error).toBeInstanceOf(SecretRejectedError)
      })

      it('refuses an ARN naming no secret, and an agent made active whose secret is gone', async () => {
        // Prepare
        const missing = 'arn:aws:secretsmanager:local:000000000000:secret:nothing-abcdef'
        await patchAgent('ledger', { status: 'inactive' }, deps)
        await secrets.delete(secretArnOf(await registry.get('ledger')))

        // Act
        const onRegister = await failure(
          registerAgent(config('absent', { auth: apiKeyArn(missing) }), deps),
        )
        const onActivate = await failure(patchAgent('ledger', { status: 'active' }, deps))

        // Assess
        expect((onRegister as Error).message).toBe(`auth.apiKeyArn: no secret ${missing} exists.`)
        expect(onActivate).toBeInstanceOf(SecretRejectedError)
        expect((onActivate as Error).message).toMatch(/^auth\.apiKeyArn: no secret .+ exists\.$/)
        expect((await registry.get('ledger'))?.status).toBe('inactive')
      })

      it("refuses with a 422, storing nothing, a secret the gateway may not see (IAM denies it: no agent's)", async () => {
        // Prepare
        const deniedArn = 'arn:aws:secretsmanager:eu-west-1:1:secret:payroll/db-AbCdEf'
        const denying = {
          ...deps,
          secrets: Object.assign(Object.create(secrets), {
            describe: async (arn: string) => {
              throw new SecretAccessDeniedError(arn)
            },
          }),
        }

        // Act
        const error = await failure(
          registerAgent(config('nosy', { auth: apiKeyArn(deniedArn) }), denying),
        )

        // Assess
        expect(error).toBeInstanceOf(SecretRejectedError)
        expect((error as Error).message).toBe(
          `auth.apiKeyArn: the gateway may not read secret ${deniedArn}: a secret an agent uses is named 'switchboard/agents/nosy/...' or tagged 'switchboard:agent-id' = 'nosy'.`,
        )
        expect(await registry.get('nosy')).toBeUndefined()
      })
    })
  })

  it('finishes a delete whose grants could not be revoked when it is retried', async () => {
    // Prepare
    await registerAgent(config('granted'), deps)
    const revoked: string[] = []
    const revokeFailing = async () => {
      throw new Error('permissions table throttled')
    }

    // Act
    const first = await failure(deleteAgent('granted', { ...deps, revokeGrants: revokeFailing }))
    const midway = await registry.get('granted')
    await deleteAgent('granted', {
      ...deps,
      revokeGrants: async (agentId) => {
        revoked.push(agentId)
      },
    })

    // Assess
    expect(first).toBeInstanceOf(AgentDeleteUnfinishedError)
    expect(((first as Error).cause as Error).message).toBe('permissions table throttled')
    expect(midway?.status).toBe('deleting')
    expect(revoked).toEqual(['granted'])
    expect(await registry.get('granted')).toBeUndefined()
  })

  describe('a delete retried while the first still runs', () => {
    /** A promise and the function that settles it, to hold a step until the test lets it go. */
    const gate = () => {
      let open = () => {}
      const opened = new Promise<void>((resolve) => {
        open = resolve
      })
      return { open, opened }
    }
    /** The file store, except that each secret delete waits for `release` once it has begun. */
    const heldDeletes = (release: Promise<void>, reached: () => void): SecretStore => ({
      create: secrets.create.bind(secrets),
      read: secrets.read.bind(secrets),
      describe: secrets.describe.bind(secrets),
      delete: async (arn) => {
        reached()
        await release
        await secrets.delete(arn)
      },
    })

    it('leaves alone an agent registered again under the id before the retry ends, and says so', async () => {
      // Prepare: both deletes read the agent, then wait on its secret's delete.
      const keyed = (apiKey: string) => config('relay', { auth: { type: 'api_key', apiKey } })
      await registerAgent(keyed('old-key'), deps)
      const steps: string[] = []
      const counted: AgentAdminDeps = {
        ...deps,
        removeVector: async (agentId) => void steps.push(`vector ${agentId}`),
        revokeGrants: async (agentId) => void steps.push(`grants ${agentId}`),
      }
      const [first, retry] = [
        { reached: gate(), release: gate() },
        { reached: gate(), release: gate() },
      ]
      const deleting = deleteAgent('relay', {
        ...counted,
        secrets: heldDeletes(first.release.opened, first.reached.open),
      })
      await first.reached.opened
      const retrying = failure(
        deleteAgent('relay', {
          ...counted,
          secrets: heldDeletes(retry.release.opened, retry.reached.open),
        }),
      )
      await retry.reached.opened
      first.release.open()
      await deleting

      // Act: the id is registered again, then the retry goes on.
      const { after: again } = await registerAgent(keyed('new-key'), deps)
      steps.length = 0
      retry.release.open()
      const stopped = await retrying

      // Assess
      expect(stopped).toBeInstanceOf(AgentRegisteredAgainError)
      expect((stopped as Error).message).toContain(`registered again at ${again?.createdAt}`)
      expect((stopped as AgentRegisteredAgainError).made).toBeUndefined()
      expect(await registry.get('relay')).toEqual(again)
      expect(await secrets.read(secretArnOf(again))).toBe('new-key')
      expect(steps).toEqual([])
    })

    it('says the agent is gone when another request finished deleting it meanwhile', async () => {
      // Prepare
      await registerAgent(config('twice'), deps)
      const reached = gate()
      const release = gate()
      const deleting = deleteAgent('twice', {
        ...deps,
        removeVector: async () => {
          reached.open()
          await release.opened
        },
      })
      await reached.opened

      // Act
      await deleteAgent('twice', deps)
      release.open()
      const stopped = await failure(deleting)

      // Assess
      expect(stopped).toBeInstanceOf(AgentNotFoundError)
      expect((stopped as Error).message).toMatch(/another request finished deleting it meanwhile/)
      // Its own mark is its own change, for the audit trail.
      expect((stopped as AgentNotFoundError).made).toMatchObject({
        before: { status: 'active' },
        after: { status: 'deleting' },
      })
      expect(await registry.get('twice')).toBeUndefined()
    })
  })

  it('notes bookkeeping only on the record as it was written, never on a newer one', async () => {
    // Prepare
    const { after: registered } = await registerAgent(config('noted'), deps)
    const { after: patched } = await patchAgent(
      'noted',
      { status: 'inactive' },
      {
        ...deps,
        now: () => new Date(Date.now() + 1_000),
      },
    )

    // Act
    const stale = await registry.annotate(registered as AgentRecord, { indexed: true })
    const current = await registry.annotate(patched as AgentRecord, { indexed: true })

    // Assess
    expect([stale, current]).toEqual([false, true])
    expect(await registry.get('noted')).toMatchObject({ status: 'inactive', indexed: true })
  })

  it('refuses the second of two changes that read the agent before the first was written, within one millisecond too', async () => {
    // Prepare: every write in the same millisecond (two instances whose clocks agree to the ms, or a
    // change written in the millisecond of the write it read), and both changes read the agent
    // before either writes.
    const at = new Date()
    const sameMillisecond = { ...deps, now: () => at }
    await registerAgent(config('crossed'), sameMillisecond)
    let reads = 0
    let bothRead: () => void = () => {}
    const read = new Promise<void>((resolve) => {
      bothRead = resolve
    })
    const crossing: AgentAdminDeps = {
      ...sameMillisecond,
      registry: {
        ...registry,
        get: async (agentId) => {
          const record = await registry.get(agentId)
          if (++reads === 2) bothRead()
          return record
        },
        replace: async (record, before) => {
          await read
          return registry.replace(record, before)
        },
        create: (record) => registry.create(record),
        delete: (record) => registry.delete(record),
        annotate: (record, fields) => registry.annotate(record, fields),
        list: () => registry.list(),
      },
    }

    // Act
    const outcomes = await Promise.allSettled([
      patchAgent('crossed', { status: 'inactive' }, crossing),
      patchAgent('crossed', { cardVisibility: 'public' }, crossing),
    ])

    // Assess: one change made, the other told the agent changed meanwhile, none lost unsaid
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(refused).toHaveLength(1)
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(AgentChangedError)
    const stored = await registry.get('crossed')
    const made = outcomes.find((outcome) => outcome.status === 'fulfilled')
    expect(stored).toMatchObject(
      outcomes[0] === made
        ? { status: 'inactive', cardVisibility: 'granted' }
        : { status: 'active', cardVisibility: 'public' },
    )
  })

  describe('a change sent with If-Match', () => {
    it('is made on the version its ETag names; one naming an older version is a 412, the agent left as the other change made it', async () => {
      // Prepare: two admins read the agent; the first changes it
      await registerAgent(config('shared'), deps)
      const read = await existingAgent('shared', deps)
      const first = await patchAgent('shared', { status: 'inactive' }, deps, {
        tags: [agentETag(read)],
      })

      // Act: the second sends the ETag it read, now stale, by every change it could make
      const stale = { tags: [agentETag(read)] }
      const refusals = await Promise.all([
        failure(patchAgent('shared', { cardVisibility: 'public' }, deps, stale)),
        failure(replaceAgent('shared', config('shared', { timeoutMs: 5_000 }), deps, stale)),
        failure(syncAgent('shared', deps, stale)),
        failure(deleteAgent('shared', deps, stale)),
      ])

      // Assess
      const now = agentETag(first.after as AgentRecord)
      for (const refusal of refusals) {
        expect(refusal).toBeInstanceOf(PreconditionFailedError)
        expect((refusal as PreconditionFailedError).currentEtag).toBe(now)
      }
      expect(await registry.get('shared')).toEqual(first.after)
    })

    it.each([
      ['its ETag', 'tags', PreconditionFailedError],
      // `*` asks only that the agent exist, which it still does: the 409 of any change that met another.
      ['If-Match: *', 'any', AgentChangedError],
    ] as const)(
      'refuses a change sent with %s that another lands between its read and its write, the other change kept',
      async (_case, kind, refusal) => {
        // Prepare: another change lands after this one read the agent (and its ETag passed)
        const agentId = `overtaken-${kind}`
        await registerAgent(config(agentId), deps)
        const read = await existingAgent(agentId, deps)
        let overtaken: AgentRecord | undefined
        const overtaking: AgentAdminDeps = {
          ...deps,
          registry: {
            ...registry,
            get: (id) => registry.get(id),
            replace: async (record, before) => {
              overtaken ??= (await patchAgent(agentId, { status: 'inactive' }, deps)).after
              return registry.replace(record, before)
            },
            create: (record) => registry.create(record),
            delete: (record) => registry.delete(record),
            annotate: (record, fields) => registry.annotate(record, fields),
            list: () => registry.list(),
          },
        }

        // Act
        const ifMatch = kind === 'tags' ? { tags: [agentETag(read)] } : { any: true as const }
        const error = await failure(
          patchAgent(agentId, { cardVisibility: 'public' }, overtaking, ifMatch),
        )

        // Assess
        expect(error).toBeInstanceOf(refusal)
        if (error instanceof PreconditionFailedError) {
          expect(error.currentEtag).toBe(agentETag(overtaken as AgentRecord))
        }
        expect(await registry.get(agentId)).toEqual(overtaken)
      },
    )

    it('deletes with If-Match: * or its ETag, and leaves the agent served when its delete names an older version', async () => {
      // Prepare
      await registerAgent(config('kept'), deps)
      const read = await existingAgent('kept', deps)
      const changed = (await patchAgent('kept', { cardVisibility: 'public' }, deps)).after

      // Act
      const refused = await failure(deleteAgent('kept', deps, { tags: [agentETag(read)] }))
      const standing = await registry.get('kept')
      await deleteAgent('kept', deps, { any: true })

      // Assess: no `deleting` mark was written by the refused delete
      expect(refused).toBeInstanceOf(PreconditionFailedError)
      expect(standing).toEqual(changed)
      expect(await registry.get('kept')).toBeUndefined()
    })
  })

  it('changes only the status on PATCH, and refuses other fields', async () => {
    // Act
    const { after } = await patchAgent('echo', { status: 'inactive' }, deps)
    const error = await failure(patchAgent('echo', { backendUrl: 'https://x.example.com' }, deps))

    // Assess
    expect(after).toMatchObject({ status: 'inactive', card: { name: 'Echo Agent' } })
    expect((error as Error).message).toMatch(/backendUrl/)
  })

  it('reads the card again on sync', async () => {
    // Prepare
    backend.serve({ ...validCard(backend.url), description: 'Now repeats twice.' })

    // Act
    const { after } = await syncAgent('echo', deps)

    // Assess
    expect(after?.card.description).toBe('Now repeats twice.')
  })

  it('says which agent is missing for every change to an unknown one', async () => {
    // Assess
    for (const change of [
      () => patchAgent('ghost', { status: 'active' }, deps),
      () => syncAgent('ghost', deps),
      () => deleteAgent('ghost', deps),
      () => replaceAgent('ghost', config('ghost'), deps),
    ]) {
      expect(await failure(change())).toBeInstanceOf(AgentNotFoundError)
    }
  })

  it('refuses a PUT whose body names another agent', async () => {
    // Act
    const error = await failure(replaceAgent('echo', config('other'), deps))

    // Assess
    expect((error as Error).message).toMatch(/must be 'echo', the agent in the path/)
  })
})
