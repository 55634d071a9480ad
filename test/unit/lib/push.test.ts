import { generateKeyPairSync, sign } from 'node:crypto'
import { exportJWK, importJWK, jwtVerify } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { OperationName } from '../../../lib/a2a/operations.ts'
import type { A2ACall } from '../../../lib/a2a/request.ts'
import { longestSettingSeconds } from '../../../lib/auth/token-revocations.ts'
import { maxKeptNumbers } from '../../../lib/json-kept-numbers.ts'
import type { Permission } from '../../../lib/permissions/permission.ts'
import type { PermissionStore } from '../../../lib/permissions/permission-store.ts'
import { acceptPush } from '../../../lib/push/callback.ts'
import type { DeadLetter } from '../../../lib/push/dead-letters.ts'
import { deliverPush, type PushDelivery, retryAfterMs } from '../../../lib/push/delivery.ts'
import {
  configIdFor,
  PushConfigChangedError,
  type PushConfigRecord,
  pushConfigTtlSeconds,
  type SettingToken,
  secretHashOf,
  secretMatches,
  settingRevoked,
  settingUngranted,
} from '../../../lib/push/push-configs.ts'
import { configDeletedBy, deleteConfig, refuseSetting } from '../../../lib/push/set-push-config.ts'
import { queuedMessage } from '../../../lib/push/sqs-delivery-queue.ts'
import {
  pushConfigsIn,
  withCallback,
  withClientWebhooks,
} from '../../../lib/push/webhook-config.ts'
import type { AgentRecord } from '../../../lib/registry/agent-record.ts'
import { ReservedAddressError } from '../../../lib/registry/backend-address.ts'
import type { GatewayKey } from '../../../lib/signing/gateway-key.ts'
import type { PushCallbacksOptions } from '../../../middlewares/push-callbacks.ts'

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const gatewayKey: GatewayKey = {
  kid: 'gw-1',
  alg: 'ES256',
  sign: async (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  publicJwk: async () => ({ ...(await exportJWK(publicKey)), kid: 'gw-1', alg: 'ES256' }),
}

const configId = 'AAAAAAAAAAAAAAAAAAAAAA'
const record: PushConfigRecord = {
  configId,
  agentId: 'pusher',
  taskId: 'task-1',
  principal: 'client-a',
  secretHash: secretHashOf('the-secret'),
  webhook: { url: 'https://client.example.com/hook', token: 'client-token' },
  expiresAt: Number.MAX_SAFE_INTEGER,
}

const callbackUrl = `https://gw.example.com/push/${configId}`

/** The permissions of each scope as they stand now, and the scope sets asked for. */
const permissionsNow = (permissions: Permission[]) => {
  const asked: string[][] = []
  return {
    asked,
    store: {
      forScopes: async (scopes: readonly string[]) => {
        asked.push([...scopes])
        return permissions.filter(({ scope }) => scopes.includes(scope))
      },
    },
  }
}
/** A setting made by a Create with a token carrying `scopes`. */
const grantedBy = (
  scopes: string[],
  operation: OperationName = 'CreateTaskPushNotificationConfig',
) => ({
  clientId: 'app-a',
  issuedAt: 1000,
  scopes,
  operation,
})

describe('refuseSetting', () => {
  /**
   * A kit user's store written before `delete` took `only`: it deletes whatever stands, and
   * answers it. Its `put` is conditional, as the interface asks.
   */
  const storeBeforeOnly = () => {
    const stored = new Map<string, PushConfigRecord>()
    return {
      stored,
      put: async (written: PushConfigRecord, replacing?: PushConfigRecord) => {
        if (stored.get(written.configId)?.secretHash !== replacing?.secretHash) {
          throw new PushConfigChangedError(written.configId)
        }
        stored.set(written.configId, written)
      },
      delete: async (configId: string) => {
        const found = stored.get(configId)
        stored.delete(configId)
        return found
      },
    }
  }

  it('deletes a refused setting with none before it', async () => {
    // Prepare
    const configs = storeBeforeOnly()
    await configs.put(record)

    // Act
    await refuseSetting(record, configs)

    // Assess
    expect(configs.stored.get(configId)).toBeUndefined()
  })

  it('leaves a setting made while the agent refused the one before, in a store that deletes whatever stands', async () => {
    // Prepare: A written; B written over it while A's Create was at the agent
    const configs = storeBeforeOnly()
    await configs.put(record)
    const since: PushConfigRecord = {
      ...record,
      secretHash: secretHashOf('the-next-secret'),
      webhook: { url: 'https://client.example.com/next' },
      previous: { secretHash: record.secretHash, webhook: record.webhook },
    }
    await configs.put(since, record)

    // Act: the agent's refusal of A comes back
    await refuseSetting(record, configs)

    // Assess: B, which the agent may hold, still takes its pushes
    expect(configs.stored.get(configId)).toEqual(since)
  })
})

describe('withCallback', () => {
  it("replaces the client's webhook with the callback in a JSON-RPC call's params and body alike", () => {
    // Prepare
    const params = {
      taskId: 'task-1',
      url: 'https://client.example.com/hook',
      token: 'client-token',
      authentication: { scheme: 'Bearer', credentials: 'x' },
    }
    const call: A2ACall = {
      agentId: 'pusher',
      operation: 'CreateTaskPushNotificationConfig',
      version: '1.0',
      params,
      stream: false,
      binding: 'JSONRPC',
      jsonRpcId: 1,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params }),
    }

    // Act
    const safe = withCallback(call, { url: callbackUrl, secret: 'the-secret' })

    // Assess
    const expected = { taskId: 'task-1', url: callbackUrl, token: 'the-secret' }
    expect(safe.params).toEqual(expected)
    expect(JSON.parse(safe.body as string).params).toEqual(expected)
    expect(safe.body).not.toContain('client.example.com')
    expect(params.url).toBe('https://client.example.com/hook')
  })

  it("rewrites 0.3's pushNotificationConfig and a SendMessage's inline config", () => {
    // Prepare
    const legacy = { taskId: 't', pushNotificationConfig: { url: 'https://c.example/h' } }
    const send = {
      message: {},
      configuration: { taskPushNotificationConfig: { url: 'https://c.example/h' } },
    }
    const base = { agentId: 'a', version: '1.0', stream: false, binding: 'HTTP+JSON' } as const

    // Act
    const rewritten = [
      withCallback(
        { ...base, operation: 'CreateTaskPushNotificationConfig', params: legacy },
        { url: callbackUrl, secret: 's' },
      ),
      withCallback(
        { ...base, operation: 'SendMessage', params: send, body: JSON.stringify(send) },
        { url: callbackUrl, secret: 's' },
      ),
    ]

    // Assess
    for (const call of rewritten) {
      expect(JSON.stringify(call.params)).toContain(callbackUrl)
      expect(JSON.stringify(call.params)).not.toContain('c.example')
    }
    expect(rewritten[1]?.body).toContain(callbackUrl)
  })

  it("keeps the caller's numbers as they were written when it rewrites a message's inline config", () => {
    // Prepare: a message whose data holds an integer past 2^53 and as many `1e20` as are kept
    // (`maxKeptNumbers`), which a number read and written back turns into 12345678901234567000
    // and 21 digits each
    const data = `{"n":12345678901234567890,"x":[${Array(maxKeptNumbers - 1)
      .fill('1e20')
      .join(',')}]}`
    const body = `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"data":${data}}]},"configuration":{"taskPushNotificationConfig":{"url":"https://c.example/h"}}}}`
    const call: A2ACall = {
      agentId: 'a',
      operation: 'SendMessage',
      version: '1.0',
      stream: false,
      binding: 'JSONRPC',
      jsonRpcId: 1,
      params: JSON.parse(body).params,
      body,
    }

    // Act
    const safe = withCallback(call, { url: callbackUrl, secret: 's' })

    // Assess: the agent gets the caller's data as sent (not 2.2 MB of it), the config rewritten
    expect(safe.body).toContain(`"data":${data}`)
    expect(Buffer.byteLength(safe.body ?? '')).toBeLessThan(Buffer.byteLength(body) + 100)
    expect(JSON.parse(safe.body ?? '').params.configuration.taskPushNotificationConfig).toEqual({
      url: callbackUrl,
      token: 's',
    })
  })
})

describe('pushConfigsIn', () => {
  it.each([
    [
      '0.3’s, under its pushNotificationConfig',
      { pushNotificationConfig: { url: 'https://c.example/h' } },
    ],
    ['a flat one', { url: 'https://c.example/h' }],
  ])(
    'finds a config set wrapped as { config }, as 0.3’s specification text shows it: %s',
    (_, config) => {
      // Act
      const found = pushConfigsIn('CreateTaskPushNotificationConfig', { config })

      // Assess
      expect(found).toEqual([{ url: 'https://c.example/h' }])
    },
  )

  it('finds an inline config under its proto name, as the agent will read it', () => {
    // Prepare
    const params = {
      message: {},
      configuration: { task_push_notification_config: { url: 'https://c.example/h' } },
    }

    // Act
    const found = pushConfigsIn('SendMessage', params)

    // Assess
    expect(found).toEqual([{ url: 'https://c.example/h' }])
  })

  it.each([
    [
      'a flat 1.0 config beside a nested one',
      'CreateTaskPushNotificationConfig',
      {
        taskId: 't',
        url: 'http://169.254.169.254/latest',
        pushNotificationConfig: { url: 'https://ok.example/hook' },
      },
      2,
    ],
    [
      "0.3 proto's pushNotification",
      'SendMessage',
      { message: {}, configuration: { pushNotification: { url: 'http://169.254.169.254/' } } },
      1,
    ],
    [
      'a config whose url is no string',
      'SendMessage',
      {
        message: {},
        configuration: { pushNotificationConfig: { url: ['http://169.254.169.254/'] } },
      },
      1,
    ],
  ])('finds %s, as an agent may read it', (_case, operation, params, count) => {
    // Act
    const found = pushConfigsIn(operation as OperationName, params)

    // Assess
    expect(found).toHaveLength(count)
  })

  it('finds every config a message gives, so that two are refused rather than one left unchecked', () => {
    // Prepare
    const params = {
      message: {},
      configuration: {
        taskPushNotificationConfig: { url: 'https://allowed.example/h' },
        push_notification_config: { url: 'http://169.254.169.254/latest' },
      },
    }

    // Act
    const found = pushConfigsIn('SendStreamingMessage', params)

    // Assess
    expect(found.map((config) => config.url)).toEqual([
      'https://allowed.example/h',
      'http://169.254.169.254/latest',
    ])
  })
})

describe('configDeletedBy', () => {
  it('finds the record a Delete names, over JSON-RPC 1.0 and 0.3 and over HTTP+JSON', () => {
    // Prepare
    const base = {
      agentId: 'a',
      stream: false,
      operation: 'DeleteTaskPushNotificationConfig',
    } as const
    const calls: A2ACall[] = [
      { ...base, version: '1.0', binding: 'JSONRPC', params: { taskId: 't-1', id: 'hook' } },
      {
        ...base,
        version: '0.3',
        binding: 'JSONRPC',
        params: { id: 't-1', pushNotificationConfigId: 'hook' },
      },
      // A 0.3 agent's models take the snake_case name too.
      {
        ...base,
        version: '0.3',
        binding: 'JSONRPC',
        params: { id: 't-1', push_notification_config_id: 'hook' },
      },
      {
        ...base,
        version: '1.0',
        binding: 'HTTP+JSON',
        params: undefined,
        restPath: '/tasks/t-1/pushNotificationConfigs/hook',
      },
    ]

    // Act
    const found = calls.map((call) => configDeletedBy(call, 'client-a'))

    // Assess
    expect(found).toEqual(
      Array(4).fill({ configId: configIdFor('a', 'client-a', 't-1', 'hook'), taskId: 't-1' }),
    )
  })
})

describe('withClientWebhooks', () => {
  it("shows configs pointing at a known callback as the client set them, and never another callback's secret", async () => {
    // Prepare: the second points at a callback of another caller's (or a deleted) config, the
    // third at no callback, the fourth at the caller's own, spelled with a trailing slash.
    const answer = {
      configs: [
        { id: 'hook', taskId: 'task-1', url: callbackUrl, token: 'the-secret' },
        {
          id: 'other',
          taskId: 'task-1',
          url: 'https://gw.example.com/push/BBBBBBBBBBBBBBBBBBBBBB',
          token: 'another-callers-secret',
          authentication: { scheme: 'Bearer', credentials: 'theirs' },
        },
        { id: 'elsewhere', taskId: 'task-1', url: 'https://hooks.example.com/in', token: 't' },
        { id: 'spelled-otherwise', taskId: 'task-1', url: `${callbackUrl}/`, token: 'the-secret' },
      ],
    }

    // Act
    const shown = await withClientWebhooks(answer, async (id) =>
      id === configId ? record.webhook : undefined,
    )

    // Assess: a callback's secret authenticates pushes to it, so only the gateway holds it.
    expect(shown).toEqual({
      configs: [
        { id: 'hook', taskId: 'task-1', url: record.webhook.url, token: 'client-token' },
        {
          id: 'other',
          taskId: 'task-1',
          url: 'https://gw.example.com/push/BBBBBBBBBBBBBBBBBBBBBB',
        },
        { id: 'elsewhere', taskId: 'task-1', url: 'https://hooks.example.com/in' },
        { id: 'spelled-otherwise', taskId: 'task-1', url: `${callbackUrl}/` },
      ],
    })
  })
})

describe('secretMatches', () => {
  it('accepts the secret and refuses any other, whatever its length', () => {
    // Assess
    expect(secretMatches(record, 'the-secret')).toBe(true)
    expect(secretMatches(record, 'the-secreT')).toBe(false)
    expect(secretMatches(record, '')).toBe(false)
    expect(secretMatches(record, 'x'.repeat(10_000))).toBe(false)
  })
})

describe('acceptPush', () => {
  const push = (taskId: string) => JSON.stringify({ statusUpdate: { taskId, status: {} } })
  const registered = { status: 'active', createdAt: '2026-12-01T00:00:00.000Z' } as const
  const depsWith = (
    owner = 'client-a',
    /** null: no agent registered under its id. */
    agent: { status: 'active' | 'inactive' | 'deleting'; createdAt: string } | null = registered,
  ) => {
    const queued: PushDelivery[] = []
    return {
      queued,
      deps: {
        configs: {
          get: async (id: string): Promise<PushConfigRecord | undefined> =>
            id === configId ? { ...record, agentCreatedAt: registered.createdAt } : undefined,
          bindTask: async (): Promise<'bound' | 'elsewhere' | 'gone'> => {
            throw new Error('a config set for its task is never bound')
          },
          link: async (): Promise<'linked' | 'deleted'> => {
            throw new Error('a config set for its task is never linked')
          },
          deleteInline: async (): Promise<void> => {
            throw new Error('a config set for its task is deleted by its own id')
          },
        },
        agents: {
          get: async (agentId: string) => (agentId === 'pusher' ? (agent ?? undefined) : undefined),
        },
        owners: {
          ownerOf: async () => owner,
          record: async () => {
            throw new Error('a config set for its task records no owner')
          },
        },
        issuedBefore: async (_clientId: string): Promise<number | undefined> => undefined,
        permissions: { forScopes: async (_scopes: readonly string[]): Promise<Permission[]> => [] },
        queue: { enqueue: async (delivery: PushDelivery) => void queued.push(delivery) },
        issuer: 'https://gw.example.com',
        callLimits: {
          backendTimeoutMs: 30_000,
          streamIdleTimeoutMs: 270_000,
          streamKeepAliveMs: 15_000,
        },
      },
    }
  }
  const secret = { 'X-A2A-Notification-Token': 'the-secret' }

  it('queues a push with the right secret about the config task its setter owns', async () => {
    // Prepare
    const { deps, queued } = depsWith()

    // Act
    const outcome = await acceptPush(
      configId,
      { ...secret, 'Content-Type': 'application/a2a+json' },
      push('task-1'),
      deps,
    )

    // Assess
    expect(outcome.accepted).toBe(true)
    expect(queued).toMatchObject([
      { configId, body: push('task-1'), taskId: 'task-1', contentType: 'application/a2a+json' },
    ])
  })

  it.each([
    ['application/json; charset=utf-8', 'application/json; charset=utf-8'],
    ['application/a2a+json;charset="UTF-8"', 'application/a2a+json;charset="UTF-8"'],
    // A webhook on express.json() decodes by the charset: in UTF-7 `+ACI-` is a quote, and the
    // task it read was not the one the gateway checked
    ['application/json; charset=utf-7', 'application/json'],
    ['application/a2a+json; charset=iso-8859-1', 'application/json'],
    ['text/html; q=json', 'application/json'],
    ['application/jsonx', 'application/json'],
    [undefined, 'application/json'],
  ])('passes a push sent as %s on as %s', async (sent, passed) => {
    // Prepare
    const { deps, queued } = depsWith()
    const headers = sent === undefined ? secret : { ...secret, 'content-type': sent }

    // Act
    await acceptPush(configId, headers, push('task-1'), deps)

    // Assess
    expect(queued.map((delivery) => delivery.contentType)).toEqual([passed])
  })

  it.each([
    ['a missing secret', configId, {}, push('task-1'), 'client-a', 401],
    [
      'a wrong secret',
      configId,
      { 'x-a2a-notification-token': 'guess' },
      push('task-1'),
      'client-a',
      401,
    ],
    ['an unknown config', 'CCCCCCCCCCCCCCCCCCCCCC', secret, push('task-1'), 'client-a', 404],
    [
      'another task',
      configId,
      secret,
      push('task-2'),
      'client-a',
      403,
      'not the task this push config was set for',
    ],
    [
      'a task another caller owns',
      configId,
      secret,
      push('task-1'),
      'client-b',
      403,
      'not known as a task of whoever set',
    ],
    ['a body naming no task', configId, secret, '{}', 'client-a', 400],
    [
      'a body naming its task by an id that is no string',
      configId,
      secret,
      '{"statusUpdate":{"taskId":["task-1"]}}',
      'client-a',
      400,
    ],
    [
      'a body spelling its task id in another case, which a client reading as Go does reads',
      configId,
      secret,
      '{"statusUpdate":{"taskId":"task-1","TaskId":"task-2"}}',
      'client-a',
      400,
      "The body spells a field otherwise than A2A ('taskId' spelled 'TaskId'): send it as A2A spells it.",
    ],
    ['a body over the size limit', configId, secret, ' '.repeat(200 * 1024), 'client-a', 413],
  ] as const)(
    'refuses %s, queueing nothing',
    async (_case, id, headers, body, owner, status, detail?: string) => {
      // Prepare
      const { deps, queued } = depsWith(owner)

      // Act
      const outcome = await acceptPush(id, headers, body, deps)

      // Assess
      expect(outcome).toMatchObject({
        accepted: false,
        status,
        detail: expect.stringContaining(detail ?? ''),
      })
      expect(queued).toEqual([])
    },
  )

  it.each([
    // Each is two bytes in the push and, escaped again, four (a line break's `\n` three) in SQS's.
    ['backslashes (a Windows path, a regular expression)', '\\', [true, true, false, false]],
    ['quotes (a JSON document quoted as text)', '"', [true, true, false, false]],
    ['line breaks (a log)', '\n', [true, true, true, true]],
  ] as const)(
    'takes a push within its bytes only when its SQS message (the body escaped as a JSON string) fits 256 KiB: %s',
    async (_case, character, taken) => {
      // Prepare: an artifact's text of that character, the push 80,000 to 160 KiB in all
      const sizes = [40_000, 60_000, 70_000, 81_000]
      const pushOf = (n: number) =>
        JSON.stringify({
          statusUpdate: { taskId: 'task-1', status: {}, metadata: { text: character.repeat(n) } },
        })

      // Act
      const outcomes = []
      for (const n of sizes) {
        const { deps, queued } = depsWith()
        const outcome = await acceptPush(configId, secret, pushOf(n), deps)
        // As SQS measures a message: the body SendMessage sends, with the attempts a requeue adds.
        const message = queued.map((delivery) =>
          Buffer.byteLength(queuedMessage({ ...delivery, attemptsMade: 5 })),
        )
        outcomes.push({ bytes: Buffer.byteLength(pushOf(n)), accepted: outcome.accepted, message })
      }

      // Assess: every push within 160 KiB, each taken one fitting SQS's 256 KiB, the rest a 413
      for (const { bytes, accepted, message } of outcomes) {
        expect(bytes).toBeLessThanOrEqual(160 * 1024)
        if (accepted) expect(message[0]).toBeLessThanOrEqual(256 * 1024)
        else expect(message).toEqual([])
      }
      expect(outcomes.map(({ accepted }) => accepted)).toEqual(taken)
    },
  )

  it('counts a U+FFFF of a push as SQS gets it, escaped (six bytes, not three): 150 KB of them a 413', async () => {
    // Prepare: U+FFFF is outside SQS's characters, so the queue sends each as `\uffff`
    const pushOf = (n: number) =>
      JSON.stringify({
        statusUpdate: { taskId: 'task-1', status: {}, metadata: { text: '\uFFFF'.repeat(n) } },
      })

    // Act
    const taken = await acceptPush(configId, secret, pushOf(20_000), depsWith().deps)
    const refused = await acceptPush(configId, secret, pushOf(50_000), depsWith().deps)

    // Assess: both within 160 KiB as sent; the second's SQS message would be about 300 KB
    expect(Buffer.byteLength(pushOf(50_000))).toBeLessThanOrEqual(160 * 1024)
    expect(taken).toMatchObject({ accepted: true })
    expect(refused).toMatchObject({ accepted: false, status: 413, title: 'Push too large' })
  })

  it('refuses a push too large to queue with 413 saying why, its bytes within 160 KiB', async () => {
    // Prepare
    const { deps } = depsWith()
    const body = JSON.stringify({
      statusUpdate: { taskId: 'task-1', status: {}, metadata: { text: '"'.repeat(80_000) } },
    })

    // Act
    const outcome = await acceptPush(configId, secret, body, deps)

    // Assess
    expect(outcome).toMatchObject({
      accepted: false,
      status: 413,
      title: 'Push too large',
      detail: expect.stringMatching(/queued as a JSON string, at most \d+ bytes .*escaped again/),
    })
  })

  it.each([
    ['deactivated', { ...registered, status: 'inactive' }, "Agent 'pusher' is inactive"],
    ['being deleted', { ...registered, status: 'deleting' }, "Agent 'pusher' is being deleted"],
    ['deleted', null, "Agent 'pusher' is no longer registered"],
    [
      'deleted and registered again under its id',
      { status: 'active', createdAt: '2026-12-03T00:00:00.000Z' },
      "Agent 'pusher' was registered again",
    ],
  ] as const)(
    'refuses the pushes of an agent %s since the config was set, with 403 saying so',
    async (_case, agent, detail) => {
      // Prepare
      const { deps, queued } = depsWith('client-a', agent)

      // Act
      const outcome = await acceptPush(configId, secret, push('task-1'), deps)

      // Assess
      expect(outcome).toMatchObject({
        accepted: false,
        status: 403,
        detail: expect.stringContaining(detail),
      })
      expect(queued).toEqual([])
    },
  )

  it('takes a config set before configs named their registration while its agent is active', async () => {
    // Prepare
    const { deps, queued } = depsWith()
    deps.configs.get = async () => record

    // Act
    const outcome = await acceptPush(configId, secret, push('task-1'), deps)

    // Assess
    expect(outcome.accepted).toBe(true)
    expect(queued).toHaveLength(1)
  })

  it("takes a push with the secret of the config as it stood before it was last set, for that config's webhook", async () => {
    // Prepare: the agent never took the config's last setting (it failed, or its answer was lost).
    const { deps, queued } = depsWith()
    const previous = {
      secretHash: secretHashOf('the-old-secret'),
      webhook: { url: 'https://old.example.com/h' },
    }
    deps.configs.get = async () => ({ ...record, agentCreatedAt: registered.createdAt, previous })

    // Act
    const old = await acceptPush(
      configId,
      { 'x-a2a-notification-token': 'the-old-secret' },
      push('task-1'),
      deps,
    )
    const current = await acceptPush(configId, secret, push('task-1'), deps)

    // Assess
    expect(old.accepted).toBe(true)
    expect(current.accepted).toBe(true)
    expect(queued.map((delivery) => delivery.secretHash)).toEqual([
      previous.secretHash,
      record.secretHash,
    ])
  })

  describe("once the config's client had its tokens revoked (deleted, a scope taken, or revoked)", () => {
    /** A config set at second 1000 with client app-a's token; its previous setting at 900. */
    const setAt = (issuedAt: number) => ({ clientId: 'app-a', issuedAt })
    const previous = {
      secretHash: secretHashOf('the-old-secret'),
      webhook: { url: 'https://old.example.com/h' },
      setWith: setAt(900),
    }
    const configured = (
      revokedBefore: number | undefined,
      shape: Partial<PushConfigRecord> = {},
    ) => {
      const { deps, queued } = depsWith()
      const asked: string[] = []
      deps.configs.get = async () => ({
        ...record,
        agentCreatedAt: registered.createdAt,
        setWith: setAt(1000),
        previous,
        ...shape,
      })
      deps.issuedBefore = async (clientId) => {
        asked.push(clientId)
        return revokedBefore
      }
      return { deps, queued, asked }
    }
    const old = { 'x-a2a-notification-token': 'the-old-secret' }

    it('refuses its pushes with 403 saying why, queueing nothing', async () => {
      // Prepare
      const { deps, queued, asked } = configured(1001)

      // Act
      const outcome = await acceptPush(configId, secret, push('task-1'), deps)

      // Assess
      expect(outcome).toMatchObject({
        accepted: false,
        status: 403,
        title: 'Push config revoked',
        detail: expect.stringContaining('until the client sets it again'),
      })
      expect(queued).toEqual([])
      expect(asked).toEqual(['app-a'])
    })

    it('takes the pushes of a setting made with a token issued after the revocation, not of the setting before it', async () => {
      // Prepare: revoked at 950, between the two settings.
      const { deps, queued } = configured(950)

      // Act
      const current = await acceptPush(configId, secret, push('task-1'), deps)
      const earlier = await acceptPush(configId, old, push('task-1'), deps)

      // Assess
      expect(current.accepted).toBe(true)
      expect(earlier).toMatchObject({ accepted: false, status: 403, title: 'Push config revoked' })
      expect(queued).toHaveLength(1)
    })

    it("takes a setting made before settings kept their token while its principal's tokens were never revoked, and refuses it once they were", async () => {
      // Prepare: as written before, by principal client-a.
      const legacy = { setWith: undefined, previous: undefined }
      const never = configured(undefined, legacy)
      const revoked = configured(1, legacy)

      // Act
      const taken = await acceptPush(configId, secret, push('task-1'), never.deps)
      const refused = await acceptPush(configId, secret, push('task-1'), revoked.deps)

      // Assess
      expect(taken.accepted).toBe(true)
      expect(refused).toMatchObject({ accepted: false, status: 403 })
      expect(revoked.asked).toEqual(['client-a'])
    })

    it('reads no revocation before the secret is right', async () => {
      // Prepare
      const { deps, asked } = configured(1001)

      // Act
      await acceptPush(configId, { 'x-a2a-notification-token': 'guess' }, push('task-1'), deps)

      // Assess
      expect(asked).toEqual([])
    })
  })

  describe('once the scopes a config was set with no longer grant the call that set it', () => {
    const configured = (permissions: Permission[], shape: Partial<PushConfigRecord> = {}) => {
      const { deps, queued } = depsWith()
      const { store, asked } = permissionsNow(permissions)
      deps.configs.get = async () => ({
        ...record,
        agentCreatedAt: registered.createdAt,
        setWith: grantedBy(['pusher:push']),
        ...shape,
      })
      deps.permissions = store
      return { deps, queued, asked }
    }

    it('refuses its pushes with 403 naming the call and the agent, queueing nothing', async () => {
      // Prepare: the scope's permission now grants only GetTask on the agent.
      const { deps, queued, asked } = configured([
        { scope: 'pusher:push', agents: ['pusher'], operations: ['GetTask'] },
      ])

      // Act
      const outcome = await acceptPush(configId, secret, push('task-1'), deps)

      // Assess
      expect(outcome).toEqual({
        accepted: false,
        status: 403,
        title: 'Push config no longer granted',
        detail:
          "The scopes this push config was set with no longer grant CreateTaskPushNotificationConfig on agent 'pusher': the config takes no more pushes until they are granted it again, or a client granted it sets the config again.",
      })
      expect(queued).toEqual([])
      expect(asked).toEqual([['pusher:push']])
    })

    it('refuses them once the permission is deleted or the agent taken out of it', async () => {
      // Prepare
      const deleted = configured([])
      const elsewhere = configured([{ scope: 'pusher:push', agents: ['weather'] }])

      // Act
      const outcomes = [
        await acceptPush(configId, secret, push('task-1'), deleted.deps),
        await acceptPush(configId, secret, push('task-1'), elsewhere.deps),
      ]

      // Assess
      expect(outcomes).toMatchObject([
        { accepted: false, status: 403, title: 'Push config no longer granted' },
        { accepted: false, status: 403, title: 'Push config no longer granted' },
      ])
    })

    it('takes them while any of its scopes grants the call, by name or with every operation', async () => {
      // Prepare
      const named = configured(
        [
          { scope: 'pusher:read', agents: ['pusher'], operations: ['GetTask'] },
          {
            scope: 'pusher:push',
            agents: ['pusher'],
            operations: ['CreateTaskPushNotificationConfig'],
          },
        ],
        { setWith: grantedBy(['pusher:read', 'pusher:push']) },
      )
      const everything = configured([{ scope: 'pusher:push', agents: ['pusher'] }])

      // Act
      const outcomes = [
        await acceptPush(configId, secret, push('task-1'), named.deps),
        await acceptPush(configId, secret, push('task-1'), everything.deps),
      ]

      // Assess
      expect(outcomes.map(({ accepted }) => accepted)).toEqual([true, true])
      expect(named.queued).toHaveLength(1)
    })

    it('holds a config given with a SendMessage to the SendMessage grant', async () => {
      // Prepare: the permission grants SendMessage only, then Create only.
      const sendOnly = { scope: 'pusher:push', agents: ['pusher'], operations: ['SendMessage'] }
      const kept = configured([sendOnly as Permission], {
        setWith: grantedBy(['pusher:push'], 'SendMessage'),
      })
      const narrowed = configured(
        [{ ...sendOnly, operations: ['CreateTaskPushNotificationConfig'] } as Permission],
        { setWith: grantedBy(['pusher:push'], 'SendMessage') },
      )

      // Act
      const taken = await acceptPush(configId, secret, push('task-1'), kept.deps)
      const refused = await acceptPush(configId, secret, push('task-1'), narrowed.deps)

      // Assess
      expect(taken.accepted).toBe(true)
      expect(refused).toMatchObject({
        accepted: false,
        detail: expect.stringContaining('no longer grant SendMessage on'),
      })
    })

    it('checks each setting with its own scopes: the previous one stands or falls apart from the current', async () => {
      // Prepare: the current setting made with a scope still granted, the previous with one taken away.
      const { deps } = configured([{ scope: 'pusher:push', agents: ['pusher'] }], {
        previous: {
          secretHash: secretHashOf('the-old-secret'),
          webhook: { url: 'https://old.example.com/h' },
          setWith: grantedBy(['pusher:old']),
        },
      })

      // Act
      const current = await acceptPush(configId, secret, push('task-1'), deps)
      const earlier = await acceptPush(
        configId,
        { 'x-a2a-notification-token': 'the-old-secret' },
        push('task-1'),
        deps,
      )

      // Assess
      expect(current.accepted).toBe(true)
      expect(earlier).toMatchObject({ accepted: false, title: 'Push config no longer granted' })
    })

    it('says an agent deleted or inactive first: its permissions lost it too', async () => {
      // Prepare
      const { deps } = configured([])
      deps.agents.get = async () => ({ ...registered, status: 'inactive' })

      // Act
      const outcome = await acceptPush(configId, secret, push('task-1'), deps)

      // Assess
      expect(outcome).toMatchObject({ status: 403, title: 'Agent not served' })
    })

    it('says a refusal another read made when the permission read fails, and throws its failure only when nothing refuses', async () => {
      // Prepare: the permissions table does not answer; the setting's client was revoked.
      const revoked = configured([])
      const unrefused = configured([])
      const unavailable = new Error('DynamoDB throttled the permission read')
      for (const { deps } of [revoked, unrefused]) {
        deps.permissions = {
          forScopes: async () => {
            throw unavailable
          },
        }
      }
      revoked.deps.issuedBefore = async () => 1001

      // Act
      const outcome = await acceptPush(configId, secret, push('task-1'), revoked.deps)
      const thrown = acceptPush(configId, secret, push('task-1'), unrefused.deps)

      // Assess
      expect(outcome).toMatchObject({ status: 403, title: 'Push config revoked' })
      await expect(thrown).rejects.toBe(unavailable)
      expect(unrefused.queued).toEqual([])
    })

    it('reads no permission before the secret is right', async () => {
      // Prepare
      const { deps, asked } = configured([])

      // Act
      await acceptPush(configId, { 'x-a2a-notification-token': 'guess' }, push('task-1'), deps)

      // Assess
      expect(asked).toEqual([])
    })
  })

  it('asks nothing of the registry before the secret is right', async () => {
    // Prepare
    const { deps } = depsWith()
    let asked = 0
    deps.agents.get = async () => {
      asked++
      return registered
    }

    // Act
    await acceptPush(configId, { 'x-a2a-notification-token': 'guess' }, push('task-1'), deps)

    // Assess
    expect(asked).toBe(0)
  })
})

describe('acceptPush for a config given with the SendMessage that starts its task', () => {
  const push = (taskId: string) => JSON.stringify({ statusUpdate: { taskId, status: {} } })
  const secret = { 'X-A2A-Notification-Token': 'the-secret' }
  const createdAt = '2026-12-01T00:00:00.000Z'
  const nowMs = 1_800_000_000_000
  const nowSeconds = nowMs / 1000
  /** The settings' defaults (lib/config.ts): a unary call 30 s, a stream's quiet 270 s, its ticks 15 s. */
  const callLimits = {
    backendTimeoutMs: 30_000,
    streamIdleTimeoutMs: 270_000,
    streamKeepAliveMs: 15_000,
  }

  /**
   * A config as a SendMessage sets it (no task, a random id), made `age` seconds ago, with the
   * task owners and the config store behaving as their DynamoDB conditions do.
   */
  const inline = (
    options: {
      age?: number
      operation?: OperationName
      shape?: Partial<PushConfigRecord>
      agent?: Pick<AgentRecord, 'status' | 'createdAt' | 'timeoutMs'>
      owners?: Record<string, string>
    } = {},
  ) => {
    const { taskId: _none, ...unbound } = record
    const stored: PushConfigRecord = {
      ...unbound,
      agentCreatedAt: createdAt,
      setWith: grantedBy(['pusher:push'], options.operation ?? 'SendMessage'),
      setAt: nowSeconds - (options.age ?? 5),
      inline: { id: 'hook' },
      ...options.shape,
    }
    /** The configs the store holds (this one until deleted), and its links by derived id. */
    const configs = new Map([[configId, stored]])
    const links = new Map<string, { linked: Set<string>; deleted?: true }>()
    const owners = new Map(Object.entries(options.owners ?? {}))
    const queued: PushDelivery[] = []
    const { store } = permissionsNow([{ scope: 'pusher:push', agents: ['pusher'] }])
    const deps = {
      configs: {
        get: async (id: string) => {
          const found = configs.get(id)
          return found && { ...found }
        },
        // As its condition: bound where no task is, or the same one is.
        bindTask: async (id: string, taskId: string) => {
          if (!configs.has(id)) return 'gone' as const
          stored.taskId ??= taskId
          return stored.taskId === taskId ? ('bound' as const) : ('elsewhere' as const)
        },
        // As DynamoPushConfigs' conditions: refused once marked; a mark keeps what was linked.
        link: async (derivedId: string, id: string) => {
          const link = links.get(derivedId) ?? { linked: new Set<string>() }
          if (link.deleted) return 'deleted' as const
          links.set(derivedId, { linked: link.linked.add(id) })
          return 'linked' as const
        },
        markDeleted: async (derivedId: string) => {
          const link = links.get(derivedId) ?? { linked: new Set<string>() }
          links.set(derivedId, { ...link, deleted: true })
          return [...link.linked]
        },
        deleteInline: async (id: string, taskId: string) => {
          const found = configs.get(id)
          if (found?.taskId === undefined || found.taskId === taskId) configs.delete(id)
        },
        delete: async (id: string) => {
          const found = configs.get(id)
          configs.delete(id)
          return found
        },
      },
      agents: { get: async () => options.agent ?? { status: 'active' as const, createdAt } },
      owners: {
        ownerOf: async (_agentId: string, taskId: string) => owners.get(taskId),
      },
      issuedBefore: async (_clientId: string): Promise<number | undefined> => undefined,
      permissions: store,
      queue: { enqueue: async (delivery: PushDelivery) => void queued.push(delivery) },
      issuer: 'https://gw.example.com',
      callLimits,
      now: () => nowMs,
    }
    return { deps, stored, configs, links, owners, queued }
  }

  it("holds the agent's first push for the task before its answer names it: queued with the claim, nothing written", async () => {
    // Prepare: the agent pushes the submitted task before it answers the SendMessage, set 5 s ago.
    const { deps, stored, owners, queued } = inline()

    // Act
    const outcome = await acceptPush(configId, secret, push('task-9'), deps)

    // Assess: delivered once the answer records the task as the setter's, by the call's 90 s
    expect(outcome.accepted).toBe(true)
    expect(queued).toMatchObject([
      {
        configId,
        taskId: 'task-9',
        body: push('task-9'),
        claim: { taskId: 'task-9', until: nowMs - 5_000 + 90_000 },
      },
    ])
    expect(owners.has('task-9')).toBe(false)
    expect(stored.taskId).toBeUndefined()
  })
  it('holds the later pushes before the answer too; once the answer recorded the task, a push binds the config and goes unheld', async () => {
    // Prepare
    const { deps, stored, owners, queued } = inline()
    await acceptPush(configId, secret, push('task-9'), deps)

    // Act: a second push before the answer, the answer, a third push
    const before = await acceptPush(configId, secret, push('task-9'), deps)
    owners.set('task-9', 'client-a')
    const after = await acceptPush(configId, secret, push('task-9'), deps)

    // Assess
    expect([before.accepted, after.accepted]).toEqual([true, true])
    expect(queued.map(({ claim }) => claim?.taskId)).toEqual(['task-9', 'task-9', undefined])
    expect(stored.taskId).toBe('task-9')
  })
  it('binds a config whose answer recorded its task first to that task at its first push', async () => {
    // Prepare: the answer came first (the usual order), long after the setting was made.
    const { deps, stored } = inline({
      age: 3600,
      owners: { 'task-9': 'client-a', 'task-8': 'client-a' },
    })

    // Act
    const first = await acceptPush(configId, secret, push('task-9'), deps)
    const other = await acceptPush(configId, secret, push('task-8'), deps)

    // Assess: a config given with a SendMessage is for the one task that message started.
    expect(first.accepted).toBe(true)
    expect(stored.taskId).toBe('task-9')
    expect(other).toMatchObject({
      accepted: false,
      status: 403,
      detail: "Task 'task-8' is not the task this push config was set for.",
    })
  })

  it('refuses a push for another task once the config is bound', async () => {
    // Prepare
    const { deps, owners, queued } = inline({ owners: { 'task-9': 'client-a' } })
    await acceptPush(configId, secret, push('task-9'), deps)

    // Act
    const outcome = await acceptPush(configId, secret, push('task-10'), deps)

    // Assess
    expect(outcome).toMatchObject({
      accepted: false,
      status: 403,
      title: 'Push for another task',
      detail: "Task 'task-10' is not the task this push config was set for.",
    })
    expect(owners.has('task-10')).toBe(false)
    expect(queued).toHaveLength(1)
  })
  it("refuses a push for another caller's task, leaving the config unbound and the task its owner's", async () => {
    // Prepare
    const { deps, stored, owners, queued } = inline({ owners: { 'task-9': 'client-b' } })

    // Act
    const outcome = await acceptPush(configId, secret, push('task-9'), deps)

    // Assess
    expect(outcome).toMatchObject({
      accepted: false,
      status: 403,
      detail: "Task 'task-9' is not known as a task of whoever set this push config.",
    })
    expect(stored.taskId).toBeUndefined()
    expect(owners.get('task-9')).toBe('client-b')
    expect(queued).toEqual([])
  })

  it('refuses a push naming two tasks through an unbound config, recording neither', async () => {
    // Prepare
    const { deps, stored, owners } = inline()
    const two = JSON.stringify({ task: { id: 'task-9' }, statusUpdate: { taskId: 'task-10' } })

    // Act
    const outcome = await acceptPush(configId, secret, two, deps)

    // Assess
    expect(outcome).toMatchObject({ accepted: false, status: 403, title: 'Push for another task' })
    expect(owners.size).toBe(0)
    expect(stored.taskId).toBeUndefined()
  })

  it('leaves a config set by CreateTaskPushNotificationConfig as it was: its task named, another refused, nothing recorded', async () => {
    // Prepare
    const { deps, owners } = inline({
      operation: 'CreateTaskPushNotificationConfig',
      shape: { taskId: 'task-1' },
    })

    // Act
    const outcome = await acceptPush(configId, secret, push('task-1'), deps)

    // Assess: task-1 is on no record, as a Create's task always is once its call went on.
    expect(outcome).toMatchObject({
      accepted: false,
      detail: "Task 'task-1' is not known as a task of whoever set this push config.",
    })
    expect(owners.size).toBe(0)
  })

  it.each([
    ['SendMessage', 89, true],
    ['SendMessage', 91, false],
    ['SendStreamingMessage', 374, true],
    ['SendStreamingMessage', 376, false],
  ] as const)(
    'lets a %s setting made %i s ago claim its task: %s (the call, 30 s, a stream quiet for up to 270 s and one 15 s tick more, then 60 s)',
    async (operation, age, accepted) => {
      // Prepare
      const { deps, owners, stored } = inline({ age, operation })

      // Act
      const outcome = await acceptPush(configId, secret, push('task-9'), deps)

      // Assess: past what the call can last, its answer has named its task or never will.
      expect(outcome.accepted).toBe(accepted)
      if (!accepted) {
        expect(outcome).toMatchObject({
          status: 403,
          detail: "Task 'task-9' is not known as a task of whoever set this push config.",
        })
        expect(owners.size).toBe(0)
        expect(stored.taskId).toBeUndefined()
      }
    },
  )

  it("holds the bound to the agent's own timeoutMs when it has one", async () => {
    // Prepare: an agent given 600 s; a SendMessage setting made 620 s ago.
    const long = inline({ age: 620, agent: { status: 'active', createdAt, timeoutMs: 600_000 } })
    const short = inline({ age: 620 })

    // Act
    const outcomes = [
      await acceptPush(configId, secret, push('task-9'), long.deps),
      await acceptPush(configId, secret, push('task-9'), short.deps),
    ]

    // Assess
    expect(outcomes.map(({ accepted }) => accepted)).toEqual([true, false])
  })

  it('refuses a setting made before settings kept their time to claim a task, as before', async () => {
    // Prepare
    const { deps, owners } = inline({ shape: { setAt: undefined } })

    // Act
    const outcome = await acceptPush(configId, secret, push('task-9'), deps)

    // Assess
    expect(outcome).toMatchObject({ accepted: false, status: 403 })
    expect(owners.size).toBe(0)
  })

  it('holds the same push twice at once (a retry, or two racing): both queued, nothing written', async () => {
    // Prepare
    const { deps, stored, owners, queued } = inline()

    // Act
    const outcomes = await Promise.all([
      acceptPush(configId, secret, push('task-9'), deps),
      acceptPush(configId, secret, push('task-9'), deps),
    ])

    // Assess
    expect(outcomes.map(({ accepted }) => accepted)).toEqual([true, true])
    expect(queued.map(({ claim }) => claim?.taskId)).toEqual(['task-9', 'task-9'])
    expect(stored.taskId).toBeUndefined()
    expect(owners.size).toBe(0)
  })
  it('binds a config to exactly one of two tasks its setter holds, pushed at once', async () => {
    // Prepare: both on record as the setter's (an agent that made two tasks of one message)
    const { deps, stored, queued } = inline({
      owners: { 'task-9': 'client-a', 'task-10': 'client-a' },
    })

    // Act
    const outcomes = await Promise.all([
      acceptPush(configId, secret, push('task-9'), deps),
      acceptPush(configId, secret, push('task-10'), deps),
    ])

    // Assess
    expect(outcomes.filter(({ accepted }) => accepted)).toHaveLength(1)
    expect(queued.map(({ taskId }) => taskId)).toEqual([stored.taskId])
    expect(outcomes.find(({ accepted }) => !accepted)).toMatchObject({
      status: 403,
      detail: expect.stringContaining('is not the task this push config was set for'),
    })
  })
  it('binds a config whose binding failed when the agent sends the push again', async () => {
    // Prepare: the task on record as the setter's; the binding's write fails once.
    const { deps, stored } = inline({ owners: { 'task-9': 'client-a' } })
    const bindTask = deps.configs.bindTask
    let failures = 1
    deps.configs.bindTask = async (id, taskId) => {
      if (failures-- > 0) throw new Error('DynamoDB did not answer')
      return bindTask(id, taskId)
    }

    // Act
    const failed = acceptPush(configId, secret, push('task-9'), deps)
    await expect(failed).rejects.toThrow('DynamoDB did not answer')
    const retried = await acceptPush(configId, secret, push('task-9'), deps)

    // Assess
    expect(retried.accepted).toBe(true)
    expect(stored.taskId).toBe('task-9')
  })
  it('says the config is gone when it lapses or is deleted while the push binds it', async () => {
    // Prepare
    const { deps, queued } = inline({ owners: { 'task-9': 'client-a' } })
    deps.configs.bindTask = async () => 'gone' as const

    // Act
    const outcome = await acceptPush(configId, secret, push('task-9'), deps)

    // Assess
    expect(outcome).toMatchObject({ accepted: false, status: 404 })
    expect(queued).toEqual([])
  })

  describe("and its task's Delete (the agent deleted it: the task and the config's `id`)", () => {
    const derived = (id = 'hook', taskId = 'task-9') =>
      configIdFor('pusher', 'client-a', taskId, id)
    const deleted = (id = 'hook', taskId = 'task-9') => ({ configId: derived(id, taskId), taskId })
    /** The call's answer has recorded task-9 as the setter's: a push binds the config at once. */
    const answered = { owners: { 'task-9': 'client-a' } }

    it('deletes the config after its first push: its callback then answers 404', async () => {
      // Prepare
      const { deps, configs, queued } = inline(answered)
      const first = await acceptPush(configId, secret, push('task-9'), deps)

      // Act
      await deleteConfig(deleted(), deps.configs)
      const after = await acceptPush(configId, secret, push('task-9'), deps)

      // Assess
      expect(first.accepted).toBe(true)
      expect(configs.has(configId)).toBe(false)
      expect(after).toMatchObject({ accepted: false, status: 404 })
      expect(queued).toHaveLength(1)
    })

    it('refuses the first push after a Delete that came before it, deleting the config then', async () => {
      // Prepare: the answer recorded the task; the client deletes the config; the agent pushes.
      const { deps, configs, stored, queued } = inline({ owners: { 'task-9': 'client-a' } })
      await deleteConfig(deleted(), deps.configs)

      // Act
      const outcome = await acceptPush(configId, secret, push('task-9'), deps)
      const again = await acceptPush(configId, secret, push('task-9'), deps)

      // Assess
      expect(outcome).toMatchObject({
        accepted: false,
        status: 404,
        title: 'Unknown push callback',
      })
      expect(again).toMatchObject({ accepted: false, status: 404 })
      expect(configs.has(configId)).toBe(false)
      expect(stored.taskId).toBeUndefined()
      expect(queued).toEqual([])
    })

    it('refuses the push a Delete overtakes between the link and the binding', async () => {
      // Prepare: the Delete lands once the push has linked the config, before it binds it.
      const { deps, configs, queued } = inline(answered)
      const link = deps.configs.link
      deps.configs.link = async (derivedId, id) => {
        const linked = await link(derivedId, id)
        await deleteConfig(deleted(), deps.configs)
        return linked
      }

      // Act
      const outcome = await acceptPush(configId, secret, push('task-9'), deps)

      // Assess
      expect(outcome).toMatchObject({ accepted: false, status: 404 })
      expect(configs.has(configId)).toBe(false)
      expect(queued).toEqual([])
    })

    it('refuses the push a Delete overtakes between the task found the setter’s and the link', async () => {
      // Prepare: the Delete lands once the push has found the task, before it links the config.
      const { deps, configs, queued } = inline(answered)
      const ownerOf = deps.owners.ownerOf
      deps.owners.ownerOf = async (agentId, taskId) => {
        const owner = await ownerOf(agentId, taskId)
        await deleteConfig(deleted(), deps.configs)
        return owner
      }

      // Act
      const outcome = await acceptPush(configId, secret, push('task-9'), deps)

      // Assess
      expect(outcome).toMatchObject({ accepted: false, status: 404 })
      expect(configs.has(configId)).toBe(false)
      expect(queued).toEqual([])
    })

    it('marks and deletes it through a kit store whose delete answers nothing, as one written before it answered the record', async () => {
      // Prepare: the config bound by its first push; the store typed as the kit's option takes it
      const { deps, configs } = inline(answered)
      await acceptPush(configId, secret, push('task-9'), deps)
      const written: PushCallbacksOptions['configs'] = {
        ...deps.configs,
        put: async () => undefined,
        delete: async (id: string): Promise<void> => {
          await deps.configs.delete(id)
        },
      }

      // Act
      await deleteConfig(deleted(), written)

      // Assess
      expect(configs.has(configId)).toBe(false)
    })

    it("finds a config set without an id by its task's id, as an agent names it", async () => {
      // Prepare
      const { deps, configs } = inline({ ...answered, shape: { inline: {} } })
      await acceptPush(configId, secret, push('task-9'), deps)

      // Act
      await deleteConfig(deleted('task-9'), deps.configs)

      // Assess
      expect(configs.has(configId)).toBe(false)
    })

    it.each([
      ['after its first push', true],
      ['before its first push', false],
    ])(
      "keeps a config set without an id when the Delete is of a config created under its task's id: %s",
      async (_case, pushedFirst) => {
        // Prepare: its agent named it at random (@a2a-js/sdk 1.3.0); a Create without an id on
        // its task is named by the task (`withGatewayCallback`), a second config at the agent.
        const { deps, configs, stored } = inline({ ...answered, shape: { inline: {} } })
        if (pushedFirst) await acceptPush(configId, secret, push('task-9'), deps)
        const { inline: _inline, ...created } = stored
        configs.set(derived('task-9'), {
          ...created,
          configId: derived('task-9'),
          taskId: 'task-9',
        })

        // Act
        await deleteConfig(deleted('task-9'), deps.configs)
        const after = await acceptPush(configId, secret, push('task-9'), deps)

        // Assess: the created config goes, the one given inline still takes its pushes.
        expect(configs.has(derived('task-9'))).toBe(false)
        expect(configs.has(configId)).toBe(true)
        expect(after.accepted).toBe(true)
      },
    )

    it("deletes a config set without an id when its task's Create under that id was refused by the agent", async () => {
      // Prepare: an agent naming it by its task refused a Create of that id, which it never held.
      const { deps, configs, stored } = inline({ ...answered, shape: { inline: {} } })
      await acceptPush(configId, secret, push('task-9'), deps)
      const { inline: _inline, ...created } = stored
      configs.set(derived('task-9'), {
        ...created,
        configId: derived('task-9'),
        taskId: 'task-9',
        refused: true,
      })

      // Act
      await deleteConfig(deleted('task-9'), deps.configs)

      // Assess
      expect(configs.has(derived('task-9'))).toBe(false)
      expect(configs.has(configId)).toBe(false)
    })

    it('keeps the config when the Delete names another id of its task, or its id on another task', async () => {
      // Prepare
      const { deps, configs } = inline(answered)
      await acceptPush(configId, secret, push('task-9'), deps)

      // Act
      await deleteConfig(deleted('other'), deps.configs)
      await deleteConfig(deleted('hook', 'task-10'), deps.configs)
      const after = await acceptPush(configId, secret, push('task-9'), deps)

      // Assess
      expect(configs.has(configId)).toBe(true)
      expect(after.accepted).toBe(true)
    })

    it('keeps the config bound to one task when the Delete names the task of a push that lost the binding to it', async () => {
      // Prepare: two pushes for two tasks the setter holds race; both link, one binds.
      const { deps, configs, stored } = inline({
        owners: { 'task-9': 'client-a', 'task-10': 'client-a' },
      })
      await Promise.all([
        acceptPush(configId, secret, push('task-9'), deps),
        acceptPush(configId, secret, push('task-10'), deps),
      ])
      const loser = stored.taskId === 'task-9' ? 'task-10' : 'task-9'

      // Act
      await deleteConfig(deleted('hook', loser), deps.configs)

      // Assess
      expect(configs.has(configId)).toBe(true)
      expect(
        (await acceptPush(configId, secret, push(stored.taskId as string), deps)).accepted,
      ).toBe(true)
    })

    it('binds a config whose link failed when the agent sends the push again', async () => {
      // Prepare
      const { deps, stored, links } = inline(answered)
      const link = deps.configs.link
      let failures = 1
      deps.configs.link = async (derivedId, id) => {
        if (failures-- > 0) throw new Error('DynamoDB did not answer')
        return link(derivedId, id)
      }

      // Act
      await expect(acceptPush(configId, secret, push('task-9'), deps)).rejects.toThrow()
      const unbound = stored.taskId
      const retried = await acceptPush(configId, secret, push('task-9'), deps)

      // Assess: never bound before its Delete could find it.
      expect(unbound).toBeUndefined()
      expect(retried.accepted).toBe(true)
      expect(links.get(derived())?.linked).toEqual(new Set([configId]))
    })

    it('links nothing for a config set inline before its id was kept, taking its pushes as before', async () => {
      // Prepare
      const { deps, links } = inline({ ...answered, shape: { inline: undefined } })

      // Act
      const outcome = await acceptPush(configId, secret, push('task-9'), deps)

      // Assess
      expect(outcome.accepted).toBe(true)
      expect(links.size).toBe(0)
    })
  })
})

describe('settingRevoked', () => {
  it('holds a setting stored without a usable token to its principal and the oldest time, never letting it through', async () => {
    // Prepare: a caller built by hand stored no issuedAt, or an empty client id.
    const asked: string[] = []
    const issuedBefore = async (clientId: string) => {
      asked.push(clientId)
      return 1
    }
    const malformed = [
      { clientId: 'app-a' },
      { clientId: '', issuedAt: 5 },
      { clientId: 'app-a', issuedAt: Number.NaN },
    ] as unknown as SettingToken[]

    // Act
    const revoked = await Promise.all(
      malformed.map((setWith) => settingRevoked(record, { ...record, setWith }, issuedBefore)),
    )

    // Assess
    expect(revoked).toEqual([true, false, true])
    expect(asked).toEqual(['app-a', 'client-a', 'app-a'])
  })

  it('is kept by a revocation as long as a setting can stand: its config, then as the next setting’s previous', () => {
    // Assess
    expect(longestSettingSeconds).toBeGreaterThanOrEqual(2 * pushConfigTtlSeconds)
  })
})

describe('settingUngranted', () => {
  const granting = permissionsNow([{ scope: 'pusher:push', agents: ['pusher'] }])

  it('does not check a setting made before settings kept their scopes, reading nothing', async () => {
    // Prepare
    const { store, asked } = permissionsNow([])

    // Act
    const ungranted = await Promise.all([
      settingUngranted(record, record, store),
      settingUngranted(record, { ...record, setWith: { clientId: 'app-a', issuedAt: 1 } }, store),
    ])

    // Assess
    expect(ungranted).toEqual([false, false])
    expect(asked).toEqual([])
  })

  it('never lets through a setting whose scopes or operation are not what the gateway writes', async () => {
    // Prepare: each would be granted if it were read as it looks.
    const malformed = [
      { ...grantedBy(['pusher:push']), scopes: 'pusher:push' },
      { ...grantedBy(['pusher:push']), scopes: [7] },
      { ...grantedBy(['pusher:push']), operation: undefined },
      { ...grantedBy(['pusher:push']), operation: 'message/send' },
    ] as unknown as SettingToken[]

    // Act
    const ungranted = await Promise.all(
      malformed.map((setWith) => settingUngranted(record, { ...record, setWith }, granting.store)),
    )

    // Assess
    expect(ungranted).toEqual([true, true, true, true])
  })

  it('holds a setting whose token carried no scope as granted nothing', async () => {
    // Act
    const ungranted = await settingUngranted(
      record,
      { ...record, setWith: grantedBy([]) },
      granting.store,
    )

    // Assess
    expect(ungranted).toBe(true)
  })
})

describe('deliverPush', () => {
  const delivery: PushDelivery = {
    deliveryId: 'd-1',
    configId,
    body: '{"statusUpdate":{"taskId":"task-1"}}',
    contentType: 'application/json',
    taskId: 'task-1',
    issuer: 'https://gw.example.com',
  }

  /** Deps whose webhook answers `statuses` in turn (an Error is thrown instead). */
  /** Deps whose webhook answers each attempt in turn: a status, an answer of its own, or a failure. */
  const depsAnswering = (statuses: (number | Error | Response)[]) => {
    const requests: { url: string; init: RequestInit }[] = []
    const waits: number[] = []
    const letters: DeadLetter[] = []
    return {
      requests,
      waits,
      letters,
      deps: {
        configs: {
          get: async () => record,
          bindTask: async () => 'bound' as const,
          link: async (_derivedId: string, _configId: string): Promise<'linked' | 'deleted'> =>
            'linked',
          deleteInline: async (_configId: string, _taskId: string): Promise<void> => undefined,
        },
        owners: { ownerOf: async (): Promise<string | undefined> => record.principal },
        agents: {
          get: async (): Promise<Pick<AgentRecord, 'status' | 'createdAt'> | undefined> => ({
            status: 'active',
            createdAt: '2026-12-01T00:00:00.000Z',
          }),
        },
        issuedBefore: async (_clientId: string): Promise<number | undefined> => undefined,
        permissions: { forScopes: async (_scopes: readonly string[]): Promise<Permission[]> => [] },
        deadLetters: { record: async (letter: DeadLetter) => void letters.push(letter) },
        fetch: async (url: string, init: RequestInit) => {
          requests.push({ url, init })
          const status = statuses[requests.length - 1] ?? 200
          if (status instanceof Error) throw status
          return status instanceof Response ? status : new Response(null, { status })
        },
        key: async () => gatewayKey,
        attempts: 3,
        retryBaseMs: 100,
        timeoutMs: 1_000,
        sleep: async (ms: number) => void waits.push(ms),
      },
    }
  }

  it.each([
    ['the config as set', secretHashOf('the-secret'), 'https://client.example.com/hook'],
    [
      'the config as it stood before its last setting',
      secretHashOf('old'),
      'https://old.example.com/h',
    ],
    [
      'a config queued before deliveries named their secret',
      undefined,
      'https://client.example.com/hook',
    ],
  ])('posts a push taken with the secret of %s to that webhook', async (_case, secretHash, url) => {
    // Prepare
    const { deps, requests } = depsAnswering([200])
    const previous = {
      secretHash: secretHashOf('old'),
      webhook: { url: 'https://old.example.com/h' },
    }
    deps.configs.get = async () => ({ ...record, previous })

    // Act
    const outcome = await deliverPush({ ...delivery, secretHash }, deps)

    // Assess
    expect(outcome).toEqual({ outcome: 'delivered', attempts: 1 })
    expect(requests.map((request) => request.url)).toEqual([url])
  })

  it('drops a push taken with a secret its config no longer holds (set twice since)', async () => {
    // Prepare
    const { deps, requests } = depsAnswering([200])

    // Act
    const outcome = await deliverPush({ ...delivery, secretHash: secretHashOf('long-gone') }, deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dropped',
      reason: 'the setting the push came under was replaced or withdrawn since',
    })
    expect(requests).toEqual([])
  })

  it("posts the push to the client's webhook with a JWT over the body and the client's token", async () => {
    // Prepare
    const { deps, requests } = depsAnswering([200])

    // Act
    const outcome = await deliverPush(delivery, deps)

    // Assess
    expect(outcome).toEqual({ outcome: 'delivered', attempts: 1 })
    const [{ url, init }] = requests as [{ url: string; init: RequestInit }]
    const headers = init.headers as Record<string, string>
    expect(url).toBe(record.webhook.url)
    expect(init.body).toBe(delivery.body)
    expect(headers['x-a2a-notification-token']).toBe('client-token')
    const jwt = headers.authorization?.replace(/^Bearer /, '') as string
    const { payload, protectedHeader } = await jwtVerify(
      jwt,
      await importJWK(await gatewayKey.publicJwk(), 'ES256'),
      { issuer: 'https://gw.example.com', audience: record.webhook.url },
    )
    expect(protectedHeader.kid).toBe('gw-1')
    expect(payload).toMatchObject({ taskId: 'task-1' })
    expect(typeof payload.jti).toBe('string')
    expect(payload.request_body_sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('names the push by one delivery id on every attempt, in a header and the signed JWT, each token with its own jti', async () => {
    // Prepare
    const { deps, requests } = depsAnswering([503, new Error('reset'), 200])
    const publicKey = await importJWK(await gatewayKey.publicJwk(), 'ES256')

    // Act
    await deliverPush(delivery, deps)

    // Assess
    const attempts = await Promise.all(
      requests.map(async ({ init }) => {
        const headers = init.headers as Record<string, string>
        const jwt = headers.authorization?.replace(/^Bearer /, '') as string
        const { payload } = await jwtVerify(jwt, publicKey)
        return { header: headers['x-switchboard-delivery-id'], payload }
      }),
    )
    expect(attempts).toHaveLength(3)
    for (const { header, payload } of attempts) {
      expect(header).toBe('d-1')
      expect(payload.delivery_id).toBe('d-1')
    }
    expect(new Set(attempts.map(({ payload }) => payload.jti)).size).toBe(3)
  })

  it('retries a failing webhook with doubling waits, then records a dead letter', async () => {
    // Prepare
    const { deps, requests, waits, letters } = depsAnswering([500, new Error('reset'), 503])

    // Act
    const outcome = await deliverPush(delivery, deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dead-lettered',
      attempts: 3,
      reason: 'the webhook answered 503',
    })
    expect(requests).toHaveLength(3)
    expect(waits).toEqual([100, 200])
    expect(letters).toMatchObject([{ deliveryId: 'd-1', configId, attempts: 3, taskId: 'task-1' }])
  })

  it('stops at once on a client error or a refused address', async () => {
    // Prepare
    const refused = new TypeError('fetch failed', {
      cause: new ReservedAddressError('h', '169.254.169.254', 'link-local (cloud metadata)'),
    })
    const cases = [depsAnswering([404]), depsAnswering([refused])]

    // Act
    const outcomes = await Promise.all(cases.map(({ deps }) => deliverPush(delivery, deps)))

    // Assess
    expect(outcomes.map((outcome) => 'attempts' in outcome && outcome.attempts)).toEqual([1, 1])
    expect(cases[1]?.letters[0]?.reason).toMatch(/link-local/)
  })

  it('delivers on a later attempt after a failure', async () => {
    // Prepare
    const { deps, letters } = depsAnswering([502, 200])

    // Act
    const outcome = await deliverPush(delivery, deps)

    // Assess
    expect(outcome).toEqual({ outcome: 'delivered', attempts: 2 })
    expect(letters).toEqual([])
  })

  /**
   * A held push (its agent pushed before the call's answer recorded the task), and deps on a
   * clock each wait moves on, whose task record appears as `recordAfter` polls say.
   */
  const heldPush = (recordAfter: { polls: number; as?: string }, until = 60_000) => {
    const { deps, requests, waits } = depsAnswering([200])
    let clock = 0
    let polls = 0
    const bound: string[] = []
    return {
      requests,
      waits,
      bound,
      delivery: { ...delivery, claim: { taskId: 'task-1', until } },
      deps: {
        ...deps,
        now: () => clock,
        sleep: async (ms: number) => {
          waits.push(ms)
          clock += ms
        },
        owners: {
          ownerOf: async () =>
            ++polls > recordAfter.polls ? (recordAfter.as ?? record.principal) : undefined,
        },
        configs: {
          ...deps.configs,
          bindTask: async (
            _configId: string,
            taskId: string,
          ): Promise<'bound' | 'elsewhere' | 'gone'> => {
            bound.push(taskId)
            return 'bound'
          },
        },
      },
    }
  }

  it('delivers a held push once the call’s answer has recorded its task as the setter’s, binding the config', async () => {
    // Prepare: the answer comes after two looks
    const { deps, delivery: held, requests, waits, bound } = heldPush({ polls: 2 })

    // Act
    const outcome = await deliverPush(held, deps)

    // Assess
    expect(outcome).toEqual({ outcome: 'delivered', attempts: 1 })
    expect(waits).toEqual([250, 500])
    expect(bound).toEqual(['task-1'])
    expect(requests).toHaveLength(1)
  })

  it('drops a held push whose task the answer recorded as another caller’s: an agent that mixed callers up gives neither the other’s task', async () => {
    // Prepare
    const { deps, delivery: held, requests, bound } = heldPush({ polls: 1, as: 'client-b' })

    // Act
    const outcome = await deliverPush(held, deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dropped',
      reason: "the task is another caller's: its call's answer recorded it so",
    })
    expect(bound).toEqual([])
    expect(requests).toEqual([])
  })

  it('drops a held push whose task is on no record when the call’s time is over', async () => {
    // Prepare: the call could run 3 s more; no answer ever records the task
    const { deps, delivery: held, requests, waits } = heldPush({ polls: 1_000 }, 3_000)

    // Act
    const outcome = await deliverPush(held, deps)

    // Assess: looked at doubling waits up to 2 s, the last cut to the time left
    expect(outcome).toEqual({
      outcome: 'dropped',
      reason:
        "the task was not recorded as its setter's while the call that set the config could run",
    })
    expect(waits).toEqual([250, 500, 1_000, 1_250])
    expect(requests).toEqual([])
  })

  it('queues a held push again when the delivery’s own time ends before the call’s, to wait on in the next', async () => {
    // Prepare: the function has 1 s; the call, a minute
    const { deps, delivery: held, requests } = heldPush({ polls: 1_000 })
    const requeued: PushDelivery[] = []

    // Act
    const outcome = await deliverPush(held, {
      ...deps,
      deadline: 1_000,
      requeue: async (again) => void requeued.push(again),
    })

    // Assess: the same push, its claim and id kept, no webhook called
    expect(outcome).toEqual({
      outcome: 'requeued',
      reason: "held for its task's record past the delivery's time: queued again",
    })
    expect(requeued).toEqual([held])
    expect(requests).toEqual([])
  })

  it('hands a held push back to the queue when the delivery’s own time ends before the call’s and it cannot queue it again', async () => {
    // Prepare: the function has 1 s; the call, a minute
    const { deps, delivery: held, requests } = heldPush({ polls: 1_000 })

    // Act
    const outcome = deliverPush(held, { ...deps, deadline: 1_000 })

    // Assess
    await expect(outcome).rejects.toThrow(/no attempt was made before the delivery's deadline/)
    expect(requests).toEqual([])
  })

  it('drops a held push whose task’s Delete came first, deleting its config, as the callback would', async () => {
    // Prepare: the config given inline (its id kept); the Delete's mark is on its link
    const { deps, delivery: held, requests, bound } = heldPush({ polls: 0 })
    const deletedConfigs: string[] = []
    deps.configs.get = async () => ({ ...record, taskId: undefined, inline: { id: 'hook' } })
    deps.configs.link = async () => 'deleted' as const
    deps.configs.deleteInline = async (id: string) => void deletedConfigs.push(id)

    // Act
    const outcome = await deliverPush(held, deps)

    // Assess
    expect(outcome).toEqual({ outcome: 'dropped', reason: 'the push config is gone' })
    expect(deletedConfigs).toEqual([configId])
    expect(bound).toEqual([])
    expect(requests).toEqual([])
  })

  it('drops a held push whose config’s client had its tokens revoked while it was held, calling no webhook', async () => {
    // Prepare: set with app-a's token issued at second 1000; revoked (at 1001) during the wait
    const { deps, delivery: held, requests } = heldPush({ polls: 2 })
    deps.configs.get = async () => ({ ...record, setWith: { clientId: 'app-a', issuedAt: 1000 } })
    deps.issuedBefore = async () => (deps.now() > 0 ? 1001 : undefined)

    // Act
    const outcome = await deliverPush(held, deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dropped',
      reason: "the push config's client was deleted or had its tokens revoked",
    })
    expect(requests).toEqual([])
  })

  it('drops a held push whose config another push bound to another task meanwhile', async () => {
    // Prepare
    const { deps, delivery: held, requests } = heldPush({ polls: 0 })
    deps.configs.bindTask = async () => 'elsewhere' as const

    // Act
    const outcome = await deliverPush(held, deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dropped',
      reason: 'the push config was bound to another task of its setter since',
    })
    expect(requests).toEqual([])
  })

  /** A webhook's answer asking to be left alone for a while. */
  const asking = (status: number, retryAfter: string) =>
    new Response(null, { status, headers: { 'retry-after': retryAfter } })

  it.each([
    ['503 with whole seconds', asking(503, '2'), [2_000]],
    ['429 with an HTTP date', asking(429, 'Sun, 06 Dec 2026 12:00:30 GMT'), [30_000]],
    ['503 asking less than the doubling wait', asking(503, '0'), [100]],
    ['503 with a Retry-After in no form', asking(503, 'soon'), [100]],
  ])(
    'waits as long as a webhook asks before the next attempt: %s',
    async (_case, answer, waited) => {
      // Prepare: the clock at 12:00:00 GMT on 6 December 2026
      const { deps, waits } = depsAnswering([answer, 200])
      const now = () => Date.parse('2026-12-06T12:00:00Z')

      // Act
      const outcome = await deliverPush(delivery, { ...deps, now })

      // Assess
      expect(outcome).toEqual({ outcome: 'delivered', attempts: 2 })
      expect(waits).toEqual(waited)
    },
  )

  it.each([
    ['more seconds than a number holds', '9'.repeat(400)],
    ['more seconds than a number holds exactly', '9'.repeat(30)],
  ])(
    'says a Retry-After of %s, past the 15 minutes any delivery may wait, in words (not Infinity or 1e+30 s)',
    async (_case, retryAfter) => {
      // Prepare: no deadline (the laptop's queue); the clock at 12:00:00 GMT on 6 December 2026
      const { deps, letters } = depsAnswering([asking(429, retryAfter), 200])
      const now = () => Date.parse('2026-12-06T12:00:00Z')

      // Act
      await deliverPush(delivery, { ...deps, now })

      // Assess
      expect(letters[0]?.reason).toBe(
        "the webhook answered 429; it asked to wait more than 15 minutes (Retry-After), past the delivery's time, after 1 of 3 attempts",
      )
    },
  )

  it('queues a push again, its attempts so far in it, when its webhook asks for a wait longer than a function should spend', async () => {
    // Prepare: a queue to go back on; the webhook asks for 69 s
    const { deps, waits, letters, requests } = depsAnswering([asking(503, '69'), 200])
    const requeued: { delivery: PushDelivery; delaySeconds?: number }[] = []
    const requeue = async (again: PushDelivery, delaySeconds?: number) =>
      void requeued.push({ delivery: again, delaySeconds })

    // Act
    const outcome = await deliverPush(delivery, { ...deps, requeue })

    // Assess: no wait in the function, no dead letter; the queue's delay is the wait
    expect(outcome).toEqual({
      outcome: 'requeued',
      reason:
        'the webhook answered 503; it asked to wait 69 s (Retry-After): queued again for then, after 1 of 3 attempts',
    })
    expect(requeued).toEqual([{ delivery: { ...delivery, attemptsMade: 1 }, delaySeconds: 69 }])
    expect([waits, letters, requests.length]).toEqual([[], [], 1])
  })

  it.each([
    [
      'a webhook that failed (the doubling wait, 1 s at least)',
      503,
      1,
      'its next attempt is 1 s away',
    ],
    ['one that asked for 2 s', asking(503, '2'), 2, 'it asked to wait 2 s (Retry-After)'],
  ] as const)(
    'spends every wait between attempts on the queue where there is one, so a failing webhook holds its batch for one attempt: %s',
    async (_case, answer, delaySeconds, why) => {
      // Prepare: a queue to go back on
      const { deps, waits, letters, requests } = depsAnswering([answer, 200])
      const requeued: { delivery: PushDelivery; delaySeconds?: number }[] = []
      const requeue = async (again: PushDelivery, delay?: number) =>
        void requeued.push({ delivery: again, delaySeconds: delay })

      // Act
      const outcome = await deliverPush(delivery, { ...deps, requeue })

      // Assess: the other pushes of its batch wait for no retry of this one
      expect(outcome).toEqual({
        outcome: 'requeued',
        reason: `the webhook answered 503; ${why}: queued again for then, after 1 of 3 attempts`,
      })
      expect(requeued).toEqual([{ delivery: { ...delivery, attemptsMade: 1 }, delaySeconds }])
      expect([waits, letters, requests.length]).toEqual([[], [], 1])
    },
  )

  it('spends a wait in the function when the queue refuses the push, where it fits the delivery’s time, the attempt made not made again', async () => {
    // Prepare: SQS failing (throttled, or down a moment) as the webhook fails once
    const { deps, waits, letters, requests } = depsAnswering([503, 200])
    const requeue = async () => {
      throw new Error('SQS SendMessage failed with 500: InternalError')
    }

    // Act
    const outcome = await deliverPush(delivery, { ...deps, requeue, deadline: Date.now() + 60_000 })

    // Assess: delivered at its second attempt, as before every wait went on the queue
    expect(outcome).toEqual({ outcome: 'delivered', attempts: 2 })
    expect([waits, letters, requests.length]).toEqual([[100], [], 2])
  })

  it('hands a push back when the queue refuses it and its wait would outlast the delivery’s time', async () => {
    // Prepare
    const { deps, waits, letters, requests } = depsAnswering([asking(503, '69'), 200])
    const requeue = async () => {
      throw new Error('SQS SendMessage failed with 500: InternalError')
    }

    // Act
    const delivered = deliverPush(delivery, { ...deps, requeue, deadline: Date.now() + 60_000 })

    // Assess: received again from the queue, as a failure of the gateway's own
    await expect(delivered).rejects.toThrow('SQS SendMessage failed')
    expect([waits, letters, requests.length]).toEqual([[], [], 1])
  })

  it('queues a held push again without its claim once it has been bound and tried', async () => {
    // Prepare: the task on record at once; the webhook then asks for 69 s
    const { deps, delivery: held } = heldPush({ polls: 0 })
    deps.fetch = async () => asking(503, '69')
    const requeued: PushDelivery[] = []

    // Act
    await deliverPush(held, { ...deps, requeue: async (again) => void requeued.push(again) })

    // Assess
    expect(requeued).toEqual([{ ...delivery, attemptsMade: 1 }])
  })

  it('goes on from the attempts an earlier delivery made, the queue’s delay its wait', async () => {
    // Prepare: queued again after two attempts; the webhook now fails once more, then takes it
    const { deps, waits, letters } = depsAnswering([503, 200])

    // Act
    const outcome = await deliverPush({ ...delivery, attemptsMade: 2 }, deps)

    // Assess: the third attempt at once, and the last of three: dead-lettered, not a fourth
    expect(outcome).toMatchObject({ outcome: 'dead-lettered', attempts: 3 })
    expect(waits).toEqual([])
    expect(letters).toMatchObject([{ attempts: 3 }])
  })

  it('dead-letters a push at once when its webhook asks to wait past the delivery’s time, saying so', async () => {
    // Prepare: a minute left, and the webhook asking for ten
    const { deps, waits, letters, requests } = depsAnswering([asking(503, '600'), 200])
    const now = () => 1_000_000

    // Act
    const outcome = await deliverPush(delivery, { ...deps, now, deadline: 1_060_000 })

    // Assess
    expect(outcome).toEqual({
      outcome: 'dead-lettered',
      attempts: 1,
      reason:
        "the webhook answered 503; it asked to wait 600 s (Retry-After), past the delivery's time, after 1 of 3 attempts",
    })
    expect(waits).toEqual([])
    expect(requests).toHaveLength(1)
    expect(letters).toHaveLength(1)
  })

  it('takes no Retry-After of an answer that ends the attempts (a client error)', async () => {
    // Prepare
    const { deps, waits } = depsAnswering([asking(404, '1'), 200])

    // Act
    const outcome = await deliverPush(delivery, deps)

    // Assess
    expect(outcome).toMatchObject({ outcome: 'dead-lettered', attempts: 1 })
    expect(waits).toEqual([])
  })

  it.each([
    ['120', 120_000],
    [' 7 ', 7_000],
    ['Sun, 06 Dec 2026 12:01:00 GMT', 60_000],
    ['Sunday, 06-Dec-26 12:01:00 GMT', 60_000],
    ['Sun Dec  6 12:01:00 2026', 60_000],
    ['Sun, 06 Dec 2026 11:00:00 GMT', 0],
    ['1 2', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['', undefined],
    [null, undefined],
  ])('reads Retry-After %j as %j ms', (value, ms) => {
    expect(retryAfterMs(value, Date.parse('2026-12-06T12:00:00Z'))).toBe(ms)
  })

  describe('against the clock (fake timers)', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    /** Deps whose webhook takes every request and never answers. */
    const depsNeverAnswered = () => {
      const { deps, requests, letters } = depsAnswering([])
      const fetch = (url: string, init: RequestInit) => {
        requests.push({ url, init })
        return new Promise<Response>((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        )
      }
      const { sleep: _recorded, ...real } = deps
      return { requests, letters, deps: { ...real, fetch } }
    }

    it('gives up on a webhook that does not answer within the timeout, retrying it, and says so', async () => {
      // Prepare
      vi.useFakeTimers()
      const { deps, letters } = depsNeverAnswered()

      // Act
      const outcome = deliverPush(delivery, { ...deps, attempts: 2, timeoutMs: 1_000 })
      await vi.advanceTimersByTimeAsync(1_000 + 100 + 1_000)

      // Assess
      await expect(outcome).resolves.toEqual({
        outcome: 'dead-lettered',
        attempts: 2,
        reason: 'the webhook did not answer within 1000 ms',
      })
      expect(letters).toHaveLength(1)
    })

    it('ends a push by its deadline, dead-lettered, however long its attempts could take', async () => {
      // Prepare: five attempts of 53 s and their waits would take 280 s; 120 s are left.
      vi.useFakeTimers()
      const { deps, requests, letters } = depsNeverAnswered()
      const deadline = Date.now() + 120_000
      let ended: number | undefined

      // Act
      const outcome = deliverPush(delivery, {
        ...deps,
        attempts: 5,
        retryBaseMs: 1_000,
        timeoutMs: 53_000,
        deadline,
      }).finally(() => {
        ended = Date.now()
      })
      await vi.advanceTimersByTimeAsync(120_000)

      // Assess: 53 s, 1 s, 53 s, 2 s, and the third attempt cut to the 11 s left.
      expect(ended).toBeLessThanOrEqual(deadline)
      await expect(outcome).resolves.toMatchObject({ outcome: 'dead-lettered', attempts: 3 })
      expect(requests).toHaveLength(3)
      expect(letters).toMatchObject([
        {
          attempts: 3,
          reason:
            "the webhook did not answer within 11000 ms; the delivery's time ran out after 3 of 5 attempts",
        },
      ])
    })

    it("hands a push whose time the gateway's own steps used up back to the queue, with no dead letter", async () => {
      // Prepare: reading the config takes longer than the whole deadline.
      vi.useFakeTimers()
      const { deps, requests, letters } = depsAnswering([])
      const deadline = Date.now() + 1_000
      const slowConfigs = {
        get: () =>
          new Promise<typeof record>((resolve) => setTimeout(() => resolve(record), 2_000)),
      }

      // Act
      const outcome = deliverPush(delivery, {
        ...deps,
        configs: { ...deps.configs, ...slowConfigs },
        deadline,
      })
      const settled = expect(outcome).rejects.toThrow(/no attempt/)
      await vi.advanceTimersByTimeAsync(2_000)

      // Assess
      await settled
      expect(requests).toEqual([])
      expect(letters).toEqual([])
    })

    it('makes no attempt it has no time left for after a wait', async () => {
      // Prepare: the first attempt fails at once; its 1 s wait would end past the deadline.
      vi.useFakeTimers()
      const { deps, requests, letters } = depsAnswering([503])
      const { sleep: _recorded, ...real } = deps

      // Act
      const outcome = deliverPush(delivery, {
        ...real,
        attempts: 3,
        retryBaseMs: 1_000,
        deadline: Date.now() + 500,
      })
      await vi.advanceTimersByTimeAsync(500)

      // Assess
      await expect(outcome).resolves.toMatchObject({ outcome: 'dead-lettered', attempts: 1 })
      expect(requests).toHaveLength(1)
      expect(letters[0]?.reason).toBe(
        "the webhook answered 503; the delivery's time ran out after 1 of 3 attempts",
      )
    })
  })

  it("drops a push queued before its config's client had its tokens revoked, calling no webhook", async () => {
    // Prepare: the config set with app-a's token issued at second 1000, revoked at 1001 since.
    const { deps, requests, letters } = depsAnswering([200])
    deps.configs.get = async () => ({ ...record, setWith: { clientId: 'app-a', issuedAt: 1000 } })
    deps.issuedBefore = async (clientId) => (clientId === 'app-a' ? 1001 : undefined)

    // Act
    const outcome = await deliverPush(delivery, deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dropped',
      reason: "the push config's client was deleted or had its tokens revoked",
    })
    expect(requests).toEqual([])
    expect(letters).toEqual([])
  })

  it.each([
    [
      'deactivated',
      { status: 'inactive', createdAt: '2026-12-01T00:00:00.000Z' },
      "Agent 'pusher' is inactive.",
    ],
    ['deleted', undefined, "Agent 'pusher' is no longer registered."],
    [
      'deleted and registered again',
      { status: 'active', createdAt: '2026-12-06T00:00:00.000Z' },
      "Agent 'pusher' was registered again since this config was set: set it again.",
    ],
  ] as const)(
    'drops a push queued before its agent was %s, calling no webhook',
    async (_case, agent, reason) => {
      // Prepare: the config set under the agent's registration of 1 December
      const { deps, requests, letters } = depsAnswering([200])
      deps.configs.get = async () => ({ ...record, agentCreatedAt: '2026-12-01T00:00:00.000Z' })
      deps.agents.get = async () => agent

      // Act
      const outcome = await deliverPush(delivery, deps)

      // Assess
      expect(outcome).toEqual({ outcome: 'dropped', reason })
      expect(requests).toEqual([])
      expect(letters).toEqual([])
    },
  )

  it("drops a push queued before its config's scopes lost the grant of the call that set it, calling no webhook", async () => {
    // Prepare: set by a Create; the scope's permission now grants GetTask only.
    const { deps, requests, letters } = depsAnswering([200])
    deps.configs.get = async () => ({ ...record, setWith: grantedBy(['pusher:push']) })
    deps.permissions = permissionsNow([
      { scope: 'pusher:push', agents: ['pusher'], operations: ['GetTask'] },
    ]).store

    // Act
    const outcome = await deliverPush(delivery, deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dropped',
      reason: "the push config's scopes no longer grant the call that set it",
    })
    expect(requests).toEqual([])
    expect(letters).toEqual([])
  })

  it('drops a push whose setting was revoked though its permission read fails, and throws that failure when nothing else refuses', async () => {
    // Prepare
    const unavailable = new Error('DynamoDB throttled the permission read')
    const failingPermissions = {
      forScopes: async (): Promise<Permission[]> => {
        throw unavailable
      },
    }
    const revoked = depsAnswering([200])
    const unrefused = depsAnswering([200])
    for (const { deps } of [revoked, unrefused]) {
      deps.configs.get = async () => ({ ...record, setWith: grantedBy(['pusher:push']) })
      deps.permissions = failingPermissions
    }
    revoked.deps.issuedBefore = async () => 1001

    // Act
    const outcome = await deliverPush(delivery, revoked.deps)
    const thrown = deliverPush(delivery, unrefused.deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dropped',
      reason: "the push config's client was deleted or had its tokens revoked",
    })
    await expect(thrown).rejects.toBe(unavailable)
    expect([...revoked.requests, ...unrefused.requests]).toEqual([])
  })

  it.each([
    [
      "its client's tokens are revoked",
      (deps: { issuedBefore: (clientId: string) => Promise<number | undefined> }) => {
        deps.issuedBefore = async () => 1001
      },
      "the push config's client was deleted or had its tokens revoked",
    ],
    [
      "its scope's permission is deleted",
      (deps: { permissions: Pick<PermissionStore, 'forScopes'> }) => {
        deps.permissions = permissionsNow([]).store
      },
      "the push config's scopes no longer grant the call that set it",
    ],
    [
      'the client deletes its config',
      (deps: { configs: { get: () => Promise<PushConfigRecord | undefined> } }) => {
        deps.configs.get = async () => undefined
      },
      'the push config is gone',
    ],
  ] as const)(
    'makes no more attempts once %s between two, dropping the push with no dead letter',
    async (_case, change, reason) => {
      // Prepare: the webhook fails the first attempt; the change lands during the wait.
      const { deps, requests, letters } = depsAnswering([503, 200])
      deps.configs.get = async () => ({ ...record, setWith: grantedBy(['pusher:push']) })
      deps.permissions = permissionsNow([{ scope: 'pusher:push', agents: ['pusher'] }]).store
      deps.sleep = async () => {
        change(deps as never)
        return undefined
      }

      // Act
      const outcome = await deliverPush(delivery, deps)

      // Assess
      expect(outcome).toEqual({ outcome: 'dropped', reason })
      expect(requests).toHaveLength(1)
      expect(letters).toEqual([])
    },
  )

  it('ends a push as a dead letter when its config cannot be read again after an attempt, rather than starting over', async () => {
    // Prepare: the first read works, the one after the first failed attempt does not.
    const { deps, requests, letters } = depsAnswering([503, 200])
    let reads = 0
    deps.configs.get = async () => {
      reads++
      if (reads > 1) throw new Error('DynamoDB throttled the read')
      return record
    }

    // Act
    const outcome = await deliverPush(delivery, deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dead-lettered',
      attempts: 1,
      reason:
        "the webhook answered 503; the push's setting could not be checked again (DynamoDB throttled the read)",
    })
    expect(requests).toHaveLength(1)
    expect(letters).toHaveLength(1)
  })

  it('ends a push as a dead letter when a retry cannot be signed, and hands one back to the queue when its first cannot', async () => {
    // Prepare: the key answers once, then fails (KMS throttled).
    const { deps, requests, letters } = depsAnswering([503, 200])
    let signings = 0
    deps.key = async () => {
      signings++
      if (signings > 1) throw new Error('KMS throttled Sign')
      return gatewayKey
    }
    const unsigned = depsAnswering([200])
    unsigned.deps.key = async () => {
      throw new Error('KMS throttled Sign')
    }

    // Act
    const outcome = await deliverPush(delivery, deps)
    const first = deliverPush(delivery, unsigned.deps)

    // Assess
    expect(outcome).toEqual({
      outcome: 'dead-lettered',
      attempts: 1,
      reason: 'the webhook answered 503; the delivery could not be signed (KMS throttled Sign)',
    })
    expect(requests).toHaveLength(1)
    expect(letters).toHaveLength(1)
    await expect(first).rejects.toThrow('KMS throttled Sign')
    expect(unsigned.letters).toEqual([])
  })

  it('drops a push whose config is gone', async () => {
    // Prepare
    const { deps, requests } = depsAnswering([])

    // Act
    const outcome = await deliverPush(delivery, {
      ...deps,
      configs: { ...deps.configs, get: async () => undefined },
    })

    // Assess
    expect(outcome).toEqual({ outcome: 'dropped', reason: 'the push config is gone' })
    expect(requests).toEqual([])
  })
})
