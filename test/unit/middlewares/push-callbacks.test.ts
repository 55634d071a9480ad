import { Readable } from 'node:stream'
import type { Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { describe, expect, it, vi } from 'vitest'
import type { A2ACall } from '../../../lib/a2a/request.ts'
import type { Caller } from '../../../lib/auth/caller.ts'
import { PayloadTooLargeError } from '../../../lib/errors.ts'
import { maxKeptNumbers } from '../../../lib/json-kept-numbers.ts'
import {
  configIdFor,
  PushConfigChangedError,
  type PushConfigRecord,
  secretHashOf,
} from '../../../lib/push/push-configs.ts'
import { maxWebhookLookups } from '../../../lib/push/webhook-config.ts'
import { parseCidrs } from '../../../lib/registry/backend-address.ts'
import { pushCallbacks } from '../../../middlewares/push-callbacks.ts'

const caller = {
  principal: 'client-a',
  clientId: 'app-a',
  issuedAt: 1_764_547_200,
  scopes: ['weather:push'],
} as Caller
/** The token a setting by `caller` is made with, with the call that made it. */
const madeWith = {
  clientId: 'app-a',
  issuedAt: 1_764_547_200,
  scopes: ['weather:push'],
  operation: 'CreateTaskPushNotificationConfig',
}
const agent = { createdAt: '2026-12-01T00:00:00.000Z' }

type Context = Parameters<NonNullable<ReturnType<typeof pushCallbacks>['before']>>[0]['context']

const requestFor = (call: A2ACall, response?: unknown) =>
  ({
    event: {} as APIGatewayProxyEvent,
    context: { a2a: { kind: 'call', call }, caller, agent } as unknown as Context,
    response,
    error: undefined,
    internal: {},
  }) as Request<APIGatewayProxyEvent, unknown, Error, Context>

/** A store in memory, and the middleware over it; webhook names resolve to `addresses`. */
const setUp = (
  addresses: string[] = ['93.184.215.14'],
  logger?: { warn: (...args: unknown[]) => void },
  /** Awaited inside each read, to hold reads in flight. */
  reading: () => Promise<void> = async () => {},
  /** The most a call written anew may be (MAX_REQUEST_BYTES); the default's when none. */
  maxRequestBytes?: number,
  /** Told of each answer withheld as the agent's fault. */
  onAgentFault?: (call: A2ACall) => void,
) => {
  const stored = new Map<string, PushConfigRecord>()
  /** The configs set inline linked to each derived id, and whether it is marked deleted. */
  const links = new Map<string, { linked: string[]; deleted?: true }>()
  /** The store's reads and links, in the order made (`get:<configId>`, `link:<derivedId>`). */
  const requests: string[] = []
  const middleware = pushCallbacks({
    configs: {
      // As DynamoPushConfigs: written only over the setting read (`replacing`), or over none.
      put: async (record, replacing) => {
        if (stored.get(record.configId)?.secretHash !== replacing?.secretHash) {
          throw new PushConfigChangedError(record.configId)
        }
        stored.set(record.configId, record)
      },
      get: async (configId) => {
        requests.push(`get:${configId}`)
        await reading()
        return stored.get(configId)
      },
      delete: async (configId) => {
        const found = stored.get(configId)
        stored.delete(configId)
        return found
      },
      link: async (derivedId, configId) => {
        requests.push(`link:${derivedId}`)
        const found = links.get(derivedId)
        if (found?.deleted) return 'deleted'
        links.set(derivedId, { linked: [...new Set([...(found?.linked ?? []), configId])] })
        return 'linked'
      },
      markDeleted: async (derivedId) => {
        const { linked } = links.get(derivedId) ?? { linked: [] }
        links.set(derivedId, { linked, deleted: true })
        return linked
      },
      deleteInline: async (configId, taskId) => {
        const found = stored.get(configId)
        if (found?.taskId === undefined || found.taskId === taskId) stored.delete(configId)
      },
    },
    addressPolicy: { mode: 'aws', allowed: parseCidrs([]), resolve: async () => addresses },
    baseUrl: () => 'https://gw.example.com',
    ...(logger ? { logger } : {}),
    ...(maxRequestBytes === undefined ? {} : { maxRequestBytes }),
    ...(onAgentFault ? { onAgentFault } : {}),
  })
  return { stored, links, requests, middleware }
}

const createOver = (binding: A2ACall['binding'], url: string): A2ACall => {
  const params = { taskId: 't-1', id: 'hook', url, token: 'client-token' }
  return {
    agentId: 'weather',
    operation: 'CreateTaskPushNotificationConfig',
    version: '1.0',
    params,
    stream: false,
    binding,
    jsonRpcId: 7,
    body: JSON.stringify(binding === 'JSONRPC' ? { jsonrpc: '2.0', id: 7, params } : params),
  }
}

/** An HTTP+JSON SendMessage whose `configuration` is this. */
const sendOver = (configuration: Record<string, unknown>): A2ACall => {
  const params = {
    message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] },
    configuration,
  }
  return {
    agentId: 'weather',
    operation: 'SendMessage',
    version: '1.0',
    params,
    stream: false,
    binding: 'HTTP+JSON',
    body: JSON.stringify(params),
  }
}

describe('pushCallbacks middleware', () => {
  it("forwards the call with the gateway's callback, keeping the client's webhook for the caller", async () => {
    // Prepare
    const { stored, middleware } = setUp()
    const request = requestFor(createOver('JSONRPC', 'https://client.example.com/hook'))

    // Act
    const answered = await middleware.before?.(request)

    // Assess
    expect(answered).toBeUndefined()
    const [record] = [...stored.values()]
    expect(record).toMatchObject({
      agentId: 'weather',
      taskId: 't-1',
      principal: 'client-a',
      webhook: { url: 'https://client.example.com/hook', token: 'client-token' },
      // The token it was set with and the call that set it: it stands no longer than they would.
      setWith: madeWith,
    })
    const a2a = request.context.a2a as { call: A2ACall }
    expect(a2a.call.params).toMatchObject({
      url: `https://gw.example.com/push/${record?.configId}`,
      id: 'hook',
    })
    expect(a2a.call.body).not.toContain('client')
  })

  it('forwards a call within the request limit with the callback, though the callback takes it past the limit', async () => {
    // Prepare: a SendMessage of exactly a 1,000-byte limit, its webhook shorter than the
    // gateway's callback and the callback's secret
    const { stored, middleware } = setUp(undefined, undefined, undefined, 1_000)
    const shell = sendOver({ taskPushNotificationConfig: { url: 'https://client.example.com/h' } })
    const padding = 'x'.repeat(1_000 - Buffer.byteLength(shell.body as string))
    const body = (shell.body as string).replace('"text":"hi"', `"text":"hi${padding}"`)
    const request = requestFor({ ...shell, params: JSON.parse(body), body })

    // Act
    await middleware.before?.(request)

    // Assess: sent with the callback, its webhook kept, not the caller's 413 for what the gateway added
    expect(Buffer.byteLength(body)).toBe(1_000)
    const sent = (request.context.a2a as { call: A2ACall }).call.body as string
    expect(Buffer.byteLength(sent)).toBeGreaterThan(1_000)
    expect(sent).toContain('https://gw.example.com/push/')
    expect(stored.size).toBe(1)
  })

  it('holds a message its config is rewritten in to the request limit once written anew, storing nothing past it', async () => {
    // Prepare: one `1e20` more than are kept as written (`maxKeptNumbers`), 0.5 MB as sent and
    // 2.3 MB once written back as doubles, to a gateway whose requests are held to 1 MiB
    const { stored, middleware } = setUp(undefined, undefined, undefined, 1024 * 1024)
    const send = sendOver({
      taskPushNotificationConfig: { url: 'https://client.example.com/hook' },
    })
    const numbers = Array(maxKeptNumbers + 1)
      .fill('1e20')
      .join(',')
    const body = (send.body as string).replace('"text":"hi"', `"data":[${numbers}]`)
    const grown = { ...send, params: JSON.parse(body), body }

    // Act
    const setting = middleware.before?.(requestFor(grown))

    // Assess: the caller's 413 (-32055), naming what grew it; no webhook kept for a call not sent
    await expect(setting).rejects.toThrow(PayloadTooLargeError)
    await expect(setting).rejects.toThrow(
      /carrying the gateway's push callback, is \d+ bytes, larger than the 1048576-byte limit/,
    )
    expect(stored.size).toBe(0)
  })

  it("holds a message's own growth to the limit however long the id its config already has", async () => {
    // Prepare: a message to a task, its config named by an id of 2 MB the callback keeps as it
    // is, and `1e20`s enough to be written back as doubles (more than `maxKeptNumbers`), 0.7 MB
    // as sent and 3.1 MB once written, to a gateway whose requests are held to 3 MiB
    const limit = 3 * 1024 * 1024
    const { stored, middleware } = setUp(undefined, undefined, undefined, limit)
    const numbers = Array(Math.floor((limit - 1_000) / 22))
      .fill('1e20')
      .join(',')
    const shell = JSON.stringify({
      message: {
        messageId: 'm-1',
        role: 'ROLE_USER',
        taskId: 't-1',
        parts: [{ data: [0] }],
      },
      configuration: {
        taskPushNotificationConfig: { url: 'https://client.example.com/hook', id: 'ID' },
      },
    })
    const padding = limit - Buffer.byteLength(shell) - Buffer.byteLength(numbers) + 3
    const body = shell.replace('[0]', `[${numbers}]`).replace('"ID"', `"${'i'.repeat(padding)}"`)
    const send: A2ACall = { ...sendOver({}), params: JSON.parse(body), body }

    // Act
    const setting = middleware.before?.(requestFor(send))

    // Assess: within the limit as sent, refused as the caller's 413 once its numbers grew past it,
    // the id it gave counting for nothing the gateway added
    expect(Buffer.byteLength(body)).toBe(limit)
    await expect(setting).rejects.toThrow(PayloadTooLargeError)
    expect(stored.size).toBe(0)
  })

  it('keeps, for a config given with a SendMessage, that a SendMessage set it: its grant is what the config stands on', async () => {
    // Prepare
    const { stored, middleware } = setUp()
    const send = sendOver({
      taskPushNotificationConfig: { url: 'https://client.example.com/hook' },
    })

    // Act
    await middleware.before?.(requestFor(send))

    // Assess
    const [record] = [...stored.values()]
    expect(record?.setWith).toEqual({ ...madeWith, operation: 'SendMessage' })
  })

  it("keeps the id a config given with a SendMessage was given, none when it was given none, for its task's Delete to find it", async () => {
    // Prepare
    const { stored, middleware } = setUp()
    const named = sendOver({
      taskPushNotificationConfig: { url: 'https://a.example.com/hook', id: 'hook' },
    })
    const unnamed = sendOver({ taskPushNotificationConfig: { url: 'https://b.example.com/hook' } })

    // Act
    await middleware.before?.(requestFor(named))
    await middleware.before?.(requestFor(unnamed))
    await middleware.before?.(requestFor(createOver('JSONRPC', 'https://c.example.com/hook')))

    // Assess: a Create's config is found by its own derived id.
    const inlineBy = Object.fromEntries(
      [...stored.values()].map((record) => [record.webhook.url, record.inline]),
    )
    expect(inlineBy).toEqual({
      'https://a.example.com/hook': { id: 'hook' },
      'https://b.example.com/hook': {},
      'https://c.example.com/hook': undefined,
    })
  })

  it.each([['JSONRPC'], ['HTTP+JSON']] as const)(
    'names a config created without an id (%s) by its task, as the agent is told, so its Delete by that id finds it',
    async (binding) => {
      // Prepare: an agent left to name it may choose a random id, which no Delete derives.
      const { stored, middleware } = setUp()
      const call = createOver(binding, 'https://client.example.com/hook')
      const { id: _id, ...params } = call.params as Record<string, unknown>
      const body = JSON.parse(call.body as string)
      if (binding === 'JSONRPC') delete body.params.id
      else delete body.id
      // Over HTTP+JSON the task is named by the path.
      const restPath =
        binding === 'HTTP+JSON' ? { restPath: '/tasks/t-1/pushNotificationConfigs' } : {}
      const request = requestFor({ ...call, params, body: JSON.stringify(body), ...restPath })

      // Act
      await middleware.before?.(request)

      // Assess
      const forwarded = (request.context.a2a as { call: A2ACall }).call
      expect(forwarded.params).toMatchObject({ id: 't-1' })
      const sent = JSON.parse(forwarded.body as string)
      expect(binding === 'JSONRPC' ? sent.params.id : sent.id).toBe('t-1')
      expect([...stored.keys()]).toEqual([configIdFor('weather', 'client-a', 't-1', 't-1')])
    },
  )

  it("names a 0.3 config created without an id by its task, where 0.3 keeps it: the nested config's id", async () => {
    // Prepare
    const { stored, middleware } = setUp()
    const params = {
      taskId: 't-1',
      pushNotificationConfig: { url: 'https://client.example.com/hook' },
    }
    const request = requestFor({
      ...createOver('JSONRPC', ''),
      version: '0.3',
      operation: 'CreateTaskPushNotificationConfig',
      params,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, params }),
    })

    // Act
    await middleware.before?.(request)

    // Assess
    const forwarded = (request.context.a2a as { call: A2ACall }).call
    expect(JSON.parse(forwarded.body as string).params).toMatchObject({
      taskId: 't-1',
      pushNotificationConfig: { id: 't-1' },
    })
    expect(forwarded.params).not.toHaveProperty('id')
    expect([...stored.keys()]).toEqual([configIdFor('weather', 'client-a', 't-1', 't-1')])
  })

  it('leaves the id of a config given with a SendMessage to the agent: its task is not known yet', async () => {
    // Prepare
    const { middleware } = setUp()
    const request = requestFor(
      sendOver({ taskPushNotificationConfig: { url: 'https://client.example.com/hook' } }),
    )

    // Act
    await middleware.before?.(request)

    // Assess
    const forwarded = (request.context.a2a as { call: A2ACall }).call
    expect(
      JSON.parse(forwarded.body as string).configuration.taskPushNotificationConfig,
    ).not.toHaveProperty('id')
  })

  describe('a config given inline without an id, which the agent named itself', () => {
    const inlineConfig: PushConfigRecord = {
      configId: 'random-bbbbbbbbbbbbbb',
      agentId: 'weather',
      principal: 'client-a',
      secretHash: secretHashOf('inline'),
      webhook: { url: 'https://client.example.com/hook', token: 'client-token' },
      inline: {},
      expiresAt: Number.MAX_SAFE_INTEGER,
    }
    const listCall: A2ACall = {
      agentId: 'weather',
      operation: 'ListTaskPushNotificationConfigs',
      version: '1.0',
      params: { taskId: 't-1' },
      stream: false,
      binding: 'JSONRPC',
      jsonRpcId: 7,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, params: { taskId: 't-1' } }),
    }
    const listed = (configs: Record<string, unknown>[]) => ({
      statusCode: 200,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, result: { configs } }),
    })
    const agentsConfig = (id: string, configId = inlineConfig.configId) => ({
      id,
      taskId: 't-1',
      url: `https://gw.example.com/push/${configId}`,
      token: 'inline',
    })
    const uuid = '0b6c1c56-3a5e-4d59-9a57-1f0e6f0f6a11'

    it.each([
      ['not yet bound to its task (no push came)', undefined],
      ['bound to its task', 't-1'],
    ])('is found by a Delete of the id a List shows, once listed: %s', async (_case, taskId) => {
      // Prepare
      const { stored, links, middleware } = setUp()
      stored.set(inlineConfig.configId, { ...inlineConfig, ...(taskId ? { taskId } : {}) })
      const request = requestFor(listCall, listed([agentsConfig(uuid)]))

      // Act
      await middleware.after?.(request)

      // Assess: the client sees its own webhook under the agent's id.
      const shown = JSON.parse((request.response as { body: string }).body).result.configs
      expect(shown).toEqual([
        { id: uuid, taskId: 't-1', url: 'https://client.example.com/hook', token: 'client-token' },
      ])
      expect(links.get(configIdFor('weather', 'client-a', 't-1', uuid))).toEqual({
        linked: [inlineConfig.configId],
      })
    })

    it('is deleted, and shown with no webhook, when a Delete of the id the List shows came first', async () => {
      // Prepare: the client deleted that id while the List was on its way.
      const { stored, links, middleware } = setUp()
      stored.set(inlineConfig.configId, { ...inlineConfig, taskId: 't-1' })
      links.set(configIdFor('weather', 'client-a', 't-1', uuid), { linked: [], deleted: true })
      const request = requestFor(listCall, listed([agentsConfig(uuid)]))

      // Act
      await middleware.after?.(request)

      // Assess
      expect(stored.has(inlineConfig.configId)).toBe(false)
      const [shown] = JSON.parse((request.response as { body: string }).body).result.configs
      expect(shown).toEqual({ id: uuid, taskId: 't-1', url: agentsConfig(uuid).url })
    })

    it('reads and links a config once per answer, however many times and ids the agent shows it under', async () => {
      // Prepare: an agent's answer naming the caller's config 200 times, each under another id.
      const { stored, links, requests, middleware } = setUp()
      stored.set(inlineConfig.configId, inlineConfig)
      const ids = Array.from({ length: 200 }, (_, n) => `${uuid}-${n}`)
      const request = requestFor(listCall, listed(ids.map((id) => agentsConfig(id))))

      // Act
      await middleware.after?.(request)

      // Assess: one read and one link (by an id shown), not a write (and a link item) per entry.
      expect(requests.filter((made) => made.startsWith('get:'))).toEqual([
        `get:${inlineConfig.configId}`,
      ])
      expect(requests.filter((made) => made.startsWith('link:'))).toHaveLength(1)
      expect(links.size).toBe(1)
      const derived = ids.map((id) => configIdFor('weather', 'client-a', 't-1', id))
      expect(derived).toContain([...links.keys()][0])
      const shown = JSON.parse((request.response as { body: string }).body).result.configs
      expect(shown).toHaveLength(200)
      expect(shown[199]).toEqual({
        id: ids[199],
        taskId: 't-1',
        url: 'https://client.example.com/hook',
        token: 'client-token',
      })
    })

    it("links nothing for another caller's config, another agent's, another task's, a config the agent names as it was given, or one that is no inline config", async () => {
      // Prepare
      const { stored, links, middleware } = setUp()
      const others: PushConfigRecord[] = [
        { ...inlineConfig, configId: 'others-ccccccccccccccc', principal: 'client-b' },
        { ...inlineConfig, configId: 'calculators-ffffffffff', agentId: 'calculator' },
        { ...inlineConfig, configId: 'elsewhere-ddddddddddd', taskId: 't-2' },
        { ...inlineConfig, configId: 'named-eeeeeeeeeeeeeee', inline: { id: 'hook' } },
        {
          ...inlineConfig,
          configId: configIdFor('weather', 'client-a', 't-1', 'x'),
          inline: undefined,
        },
      ]
      for (const record of others) stored.set(record.configId, record)
      const request = requestFor(
        listCall,
        listed([
          agentsConfig(uuid, 'others-ccccccccccccccc'),
          agentsConfig(uuid, 'calculators-ffffffffff'),
          agentsConfig(uuid, 'elsewhere-ddddddddddd'),
          agentsConfig('hook', 'named-eeeeeeeeeeeeeee'),
          agentsConfig(uuid, configIdFor('weather', 'client-a', 't-1', 'x')),
        ]),
      )

      // Act
      await middleware.after?.(request)

      // Assess
      expect([...links.keys()]).toEqual([])
    })
  })

  describe('a config the agent deleted, given inline with the SendMessage that started its task', () => {
    const deleteCall: A2ACall = {
      agentId: 'weather',
      operation: 'DeleteTaskPushNotificationConfig',
      version: '1.0',
      params: { taskId: 't-1', id: 'hook' },
      stream: false,
      binding: 'JSONRPC',
      jsonRpcId: 7,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, params: { taskId: 't-1', id: 'hook' } }),
    }
    const derived = configIdFor('weather', 'client-a', 't-1', 'hook')
    const inlineConfig: PushConfigRecord = {
      configId: 'random-aaaaaaaaaaaaaa',
      agentId: 'weather',
      taskId: 't-1',
      principal: 'client-a',
      secretHash: secretHashOf('inline'),
      webhook: { url: 'https://client.example.com/hook' },
      inline: { id: 'hook' },
      expiresAt: Number.MAX_SAFE_INTEGER,
    }

    it('goes with the Delete the agent answered with no error, its task and id marked deleted', async () => {
      // Prepare: its agent's first push linked it to the id the Delete derives.
      const { stored, links, middleware } = setUp()
      stored.set(inlineConfig.configId, inlineConfig)
      links.set(derived, { linked: [inlineConfig.configId] })

      // Act
      await middleware.after?.(
        requestFor(deleteCall, { statusCode: 200, body: '{"jsonrpc":"2.0","id":7,"result":{}}' }),
      )

      // Assess
      expect(stored.has(inlineConfig.configId)).toBe(false)
      expect(links.get(derived)?.deleted).toBe(true)
    })

    it('is deleted by the same Delete sent again when the first failed midway', async () => {
      // Prepare: the mark's write fails once, after the derived record went.
      const { stored, links, middleware } = setUp()
      stored.set(inlineConfig.configId, inlineConfig)
      links.set(derived, { linked: [inlineConfig.configId] })
      const answered = () =>
        requestFor(deleteCall, { statusCode: 200, body: '{"jsonrpc":"2.0","id":7,"result":{}}' })
      const marked = links.get.bind(links)
      let failures = 1
      links.get = (key) => {
        if (failures-- > 0) throw new Error('DynamoDB did not answer')
        return marked(key)
      }

      // Act
      const failed = middleware.after?.(answered())
      await expect(failed).rejects.toThrow('DynamoDB did not answer')
      const kept = stored.has(inlineConfig.configId)
      await middleware.after?.(answered())

      // Assess: the first Delete's error reaches the client, which sends it again.
      expect(kept).toBe(true)
      expect(stored.has(inlineConfig.configId)).toBe(false)
      expect(links.get(derived)?.deleted).toBe(true)
    })

    it('stays, and nothing is marked, when the agent answered the Delete with an error', async () => {
      // Prepare
      const { stored, links, middleware } = setUp()
      stored.set(inlineConfig.configId, inlineConfig)
      links.set(derived, { linked: [inlineConfig.configId] })
      const refused = '{"jsonrpc":"2.0","id":7,"error":{"code":-32001,"message":"not found"}}'

      // Act
      await middleware.after?.(requestFor(deleteCall, { statusCode: 200, body: refused }))

      // Assess
      expect(stored.has(inlineConfig.configId)).toBe(true)
      expect(links.get(derived)?.deleted).toBeUndefined()
    })
  })

  it('keeps the config as it stood before a new setting, so the secret the agent holds still works if that setting fails', async () => {
    // Prepare
    const { stored, middleware } = setUp()
    await middleware.before?.(requestFor(createOver('JSONRPC', 'https://first.example.com/hook')))
    const [first] = [...stored.values()]

    // Act
    await middleware.before?.(requestFor(createOver('JSONRPC', 'https://second.example.com/hook')))

    // Assess
    const [second] = [...stored.values()]
    expect(stored.size).toBe(1)
    expect(second?.webhook.url).toBe('https://second.example.com/hook')
    expect(second?.previous).toEqual({
      secretHash: first?.secretHash,
      webhook: first?.webhook,
      setWith: first?.setWith,
    })
    expect(first?.setWith).toEqual(madeWith)
  })

  describe("once the agent answers the Create that set a config's setting", () => {
    /** The Create setting the config to `url`, its `before` run: the call as forwarded. */
    const create = async (middleware: ReturnType<typeof setUp>['middleware'], url: string) => {
      const request = requestFor(createOver('JSONRPC', url))
      await middleware.before?.(request)
      const forwarded = (request.context.a2a as { call: A2ACall }).call
      return { request, secret: (forwarded.params as { token: string }).token }
    }
    /** The agent's answer to it: the config as the agent now holds it, or an error. */
    const answer = async (
      middleware: ReturnType<typeof setUp>['middleware'],
      { request, secret }: Awaited<ReturnType<typeof create>>,
      ok = true,
    ) => {
      const result = {
        taskId: 't-1',
        id: 'hook',
        url: 'https://gw.example.com/push/x',
        token: secret,
      }
      const body = ok
        ? { jsonrpc: '2.0', id: 7, result }
        : { jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'no' } }
      request.response = { statusCode: 200, body: JSON.stringify(body) }
      await middleware.after?.(request)
    }
    const webhooksOf = (stored: Map<string, PushConfigRecord>) => {
      const [record] = [...stored.values()]
      return [record?.webhook.url, record?.previous?.webhook.url]
    }

    it('withdraws the setting before once the agent took them in order, so nothing more goes to the old webhook', async () => {
      // Prepare
      const { stored, middleware } = setUp()
      await answer(middleware, await create(middleware, 'https://old.example.com/hook'))
      const moved = await create(middleware, 'https://new.example.com/hook')

      // Act
      await answer(middleware, moved)

      // Assess
      expect(webhooksOf(stored)).toEqual(['https://new.example.com/hook', undefined])
      expect([...stored.values()][0]?.confirmed).toBe(true)
    })

    it('keeps the setting before when two settings crossed, whichever the agent answered last', async () => {
      // Prepare: the second set while the first was still at the agent
      const warned: unknown[] = []
      const { stored, middleware } = setUp(undefined, { warn: (...args) => warned.push(args) })
      const first = await create(middleware, 'https://first.example.com/hook')
      const second = await create(middleware, 'https://second.example.com/hook')

      // Act: the agent took the second, then the first, which it now holds
      await answer(middleware, second)
      await answer(middleware, first)

      // Assess
      expect(webhooksOf(stored)).toEqual([
        'https://second.example.com/hook',
        'https://first.example.com/hook',
      ])
      // The first's confirming write met the second: no failure to tell.
      expect(warned).toEqual([])
    })

    it("answers the agent's yes even when the setting cannot be marked, saying so in the log", async () => {
      // Prepare: the database refuses the confirming write.
      const warned: unknown[] = []
      const stored = new Map<string, PushConfigRecord>()
      const middleware = pushCallbacks({
        configs: {
          put: async (record) => {
            if (record.confirmed) throw new Error('ProvisionedThroughputExceededException')
            stored.set(record.configId, record)
          },
          get: async (configId) => stored.get(configId),
          delete: async (configId) => {
            const found = stored.get(configId)
            stored.delete(configId)
            return found
          },
          link: async () => 'linked',
          markDeleted: async () => [],
          deleteInline: async () => undefined,
        },
        addressPolicy: {
          mode: 'aws',
          allowed: parseCidrs([]),
          resolve: async () => ['93.184.215.14'],
        },
        baseUrl: () => 'https://gw.example.com',
        logger: { warn: (...args: unknown[]) => void warned.push(args) },
      })
      const made = await create(middleware, 'https://new.example.com/hook')

      // Act
      await answer(middleware, made)

      // Assess
      expect((made.request.response as { statusCode: number }).statusCode).toBe(200)
      expect(warned).toEqual([
        [
          'push config setting not confirmed',
          {
            configId: [...stored.keys()][0],
            error: new Error('ProvisionedThroughputExceededException'),
          },
        ],
      ])
    })

    it('keeps the setting the agent holds beside each next one however many it refused since, and withdraws it once the agent takes one', async () => {
      // Prepare: the agent took A, then refused B and C.
      const { stored, middleware } = setUp()
      await answer(middleware, await create(middleware, 'https://a.example.com/hook'))
      await answer(middleware, await create(middleware, 'https://b.example.com/hook'), false)

      // Act
      await answer(middleware, await create(middleware, 'https://c.example.com/hook'), false)
      const refusedTwice = webhooksOf(stored)
      await answer(middleware, await create(middleware, 'https://d.example.com/hook'))

      // Assess
      expect(refusedTwice).toEqual(['https://c.example.com/hook', 'https://a.example.com/hook'])
      expect(webhooksOf(stored)).toEqual(['https://d.example.com/hook', undefined])
    })

    it('marks a setting refused when its call failed outright, with an error status', async () => {
      // Prepare
      const { stored, middleware } = setUp()
      await answer(middleware, await create(middleware, 'https://a.example.com/hook'))
      const failed = await create(middleware, 'https://b.example.com/hook')

      // Act: the agent did not answer (the gateway's 502)
      failed.request.response = { statusCode: 502, body: '{"jsonrpc":"2.0","id":7,"error":{}}' }
      await middleware.after?.(failed.request)

      // Assess
      expect([...stored.values()]).toMatchObject([
        {
          webhook: { url: 'https://b.example.com/hook' },
          refused: true,
          previous: { webhook: { url: 'https://a.example.com/hook' }, confirmed: true },
        },
      ])
    })

    it('keeps the setting before when the agent refused the new one, and none the agent refused itself', async () => {
      // Prepare
      const refusedFirst = setUp()
      await answer(
        refusedFirst.middleware,
        await create(refusedFirst.middleware, 'https://old.example.com/hook'),
        false,
      )
      const refusedNew = setUp()
      await answer(
        refusedNew.middleware,
        await create(refusedNew.middleware, 'https://old.example.com/hook'),
      )

      // Act
      await answer(
        refusedFirst.middleware,
        await create(refusedFirst.middleware, 'https://new.example.com/hook'),
      )
      await answer(
        refusedNew.middleware,
        await create(refusedNew.middleware, 'https://new.example.com/hook'),
        false,
      )

      // Assess: a setting the agent refused was never held, so only the one it took stays
      expect(webhooksOf(refusedFirst.stored)).toEqual(['https://new.example.com/hook', undefined])
      expect(webhooksOf(refusedNew.stored)).toEqual([
        'https://new.example.com/hook',
        'https://old.example.com/hook',
      ])
    })
  })

  it('keeps no setting made under the agent’s earlier registration once its id is registered again', async () => {
    // Prepare
    const { stored, middleware } = setUp()
    await middleware.before?.(requestFor(createOver('JSONRPC', 'https://first.example.com/hook')))
    const again = requestFor(createOver('JSONRPC', 'https://second.example.com/hook'))
    ;(again.context as { agent: { createdAt: string } }).agent = {
      createdAt: '2026-12-03T00:00:00.000Z',
    }

    // Act
    await middleware.before?.(again)

    // Assess
    const [record] = [...stored.values()]
    expect(record?.agentCreatedAt).toBe('2026-12-03T00:00:00.000Z')
    expect(record).not.toHaveProperty('previous')
  })

  it('shows, in a Get answer, the webhook of the setting whose secret the agent answers with', async () => {
    // Prepare
    const { stored, middleware } = setUp()
    const configId = 'AAAAAAAAAAAAAAAAAAAAAA'
    stored.set(configId, {
      configId,
      agentId: 'weather',
      principal: 'client-a',
      secretHash: secretHashOf('new-secret'),
      webhook: { url: 'https://second.example.com/hook' },
      previous: {
        secretHash: secretHashOf('old-secret'),
        webhook: { url: 'https://first.example.com/hook' },
      },
      expiresAt: Number.MAX_SAFE_INTEGER,
    })
    const call: A2ACall = {
      ...createOver('JSONRPC', ''),
      operation: 'GetTaskPushNotificationConfig',
    }
    const answer = {
      jsonrpc: '2.0',
      id: 7,
      result: { id: 'hook', url: `https://gw.example.com/push/${configId}`, token: 'old-secret' },
    }
    const request = requestFor(call, { statusCode: 200, body: JSON.stringify(answer) })

    // Act
    await middleware.after?.(request)

    // Assess
    const shown = JSON.parse((request.response as { body: string }).body)
    expect(shown.result).toEqual({ id: 'hook', url: 'https://first.example.com/hook' })
  })

  it.each([
    ['resolving to a private address', ['10.0.0.8']],
    ['that does not resolve', []],
  ])(
    'answers a webhook %s with a 400 that tells the caller nothing of what it resolves to, storing nothing',
    async (_case, addresses) => {
      // Prepare
      const { stored, middleware } = setUp(addresses)
      const request = requestFor(createOver('HTTP+JSON', 'https://inside.example.com/hook'))

      // Act
      const answered = (await middleware.before?.(request)) as { statusCode: number; body: string }

      // Assess
      expect(answered.statusCode).toBe(400)
      expect(JSON.parse(answered.body).error.message).toBe(
        'The push notification URL is not allowed: its host does not resolve to an address the gateway may call.',
      )
      expect(stored.size).toBe(0)
    },
  )

  /** `levels` objects one inside the next (a flat one nests 1). */
  const nested = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = {}
    for (let level = 1; level < levels; level++) value = { inner: value }
    return value
  }

  it.each([
    [
      'a URL longer than a backend may have',
      { url: `https://client.example.com/${'a'.repeat(2100)}` },
      'The push notification URL must be at most 2,048 characters.',
    ],
    [
      'a token no HTTP header carries intact (it is sent back in one with every push)',
      { token: 'abc\r\nX-Injected: yes' },
      'The push notification token must be usable in an HTTP header: visible characters only, spaces and tabs between them (no CR, LF or other control characters, nothing beyond Latin-1, no outer whitespace).',
    ],
    [
      'a token too long to send back',
      { token: 't'.repeat(5000) },
      'The push notification token must be at most 4,096 characters.',
    ],
    [
      'authentication too large to keep',
      { authentication: { scheme: 'Bearer', credentials: 'c'.repeat(9000) } },
      'The push notification authentication must be at most 8,192 bytes as JSON.',
    ],
    [
      'authentication holding a number its record could not keep (DynamoDB threw: a 500)',
      { authentication: { scheme: 'Bearer', credentials: 'c', options: { n: 1e20 } } },
      'The push notification authentication holds a number the gateway cannot keep, at authentication.options.n: at most 9007199254740991 (2^53 - 1) either way, and none nearer 0 than 1e-130 but 0.',
    ],
    [
      'authentication holding an empty key its record could not keep (DynamoDB refuses it: a 500)',
      { authentication: { scheme: 'Bearer', credentials: 'c', options: { '': 'x' } } },
      'The push notification authentication holds an empty key, which the gateway cannot keep, at authentication.options.',
    ],
    [
      'authentication nested too deep to keep',
      { authentication: nested(9) },
      'The push notification authentication may nest at most 8 levels.',
    ],
    [
      'authentication nested far enough to exhaust the stack of whatever walks it whole',
      { authentication: nested(200_000) },
      'The push notification authentication may nest at most 8 levels.',
    ],
  ])(
    'answers %s with -32602 saying what, storing nothing and forwarding nothing',
    async (_case, fields, message) => {
      // Prepare
      const { stored, middleware } = setUp()
      const call = createOver('JSONRPC', 'https://client.example.com/hook')
      const params = { ...(call.params as Record<string, unknown>), ...fields }
      // The body as read is not looked at again here (and a value nested far enough cannot be
      // written out): the params are what is checked.
      const request = requestFor({ ...call, params, body: '{"jsonrpc":"2.0","id":7,"params":{}}' })

      // Act
      const answered = (await middleware.before?.(request)) as { statusCode: number; body: string }

      // Assess
      expect(JSON.parse(answered.body).error).toMatchObject({ code: -32602, message })
      expect(stored.size).toBe(0)
    },
  )

  it('names an address the caller wrote itself back to it, with what kind it is', async () => {
    // Prepare
    const { middleware } = setUp()
    const request = requestFor(createOver('JSONRPC', 'https://10.0.0.8/hook'))

    // Act
    const answered = (await middleware.before?.(request)) as { statusCode: number; body: string }

    // Assess
    expect(JSON.parse(answered.body).error.message).toBe(
      'The push notification URL is not allowed: 10.0.0.8 is a private address, which the gateway may not call.',
    )
  })

  it('answers a push notification URL that is no URL with a 400 saying so, storing nothing', async () => {
    // Prepare
    const { stored, middleware } = setUp()
    const request = requestFor(createOver('JSONRPC', 'not a url'))

    // Act
    const answered = (await middleware.before?.(request)) as { statusCode: number; body: string }

    // Assess
    expect(JSON.parse(answered.body).error).toMatchObject({
      code: -32602,
      message: 'The push notification URL is not allowed: it is not a URL.',
    })
    expect(stored.size).toBe(0)
  })

  it.each([
    [
      'a webhook field in another case',
      'CreateTaskPushNotificationConfig',
      { taskId: 't-1', url: 'https://client.example.com/hook', Token: 'client-secret' },
      "'Token' is spelled otherwise than A2A's 'token'",
    ],
    [
      'a config under its container in another case',
      'SendMessage',
      {
        message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] },
        configuration: { TaskPushNotificationConfig: { url: 'https://client.example.com/hook' } },
      },
      "'TaskPushNotificationConfig' is spelled otherwise than A2A's 'taskPushNotificationConfig'",
    ],
    [
      'an inline config with an upper-case URL beside its url',
      'SendMessage',
      {
        message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] },
        configuration: {
          taskPushNotificationConfig: {
            url: 'https://client.example.com/hook',
            URL: 'https://client.example.com/direct',
          },
        },
      },
      "'URL' is spelled otherwise than A2A's 'url'",
    ],
    [
      'an inline config whose every field is in another case',
      'SendMessage',
      {
        message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] },
        configuration: {
          pushNotificationConfig: { URL: 'https://client.example.com/direct', Token: 't' },
        },
      },
      "'URL' is spelled otherwise than A2A's 'url'",
    ],
    [
      'a config under its container spelled with a long s, which Go’s encoding/json reads as s',
      'SendMessage',
      {
        message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] },
        configuration: {
          'taskPu\u017fhNotificationConfig': { url: 'https://client.example.com/direct' },
        },
      },
      "'taskPu\u017fhNotificationConfig' is spelled otherwise than A2A's 'taskPushNotificationConfig'",
    ],
    [
      "a 0.3 Create's nested config whose every field is in another case",
      'CreateTaskPushNotificationConfig',
      { taskId: 't-1', pushNotificationConfig: { URL: 'https://client.example.com/direct' } },
      "'URL' is spelled otherwise than A2A's 'url'",
    ],
  ] as const)(
    'refuses %s with a 400 naming it, storing nothing and forwarding nothing',
    async (_case, operation, params, named) => {
      // Prepare
      const { stored, middleware } = setUp()
      const call: A2ACall = {
        agentId: 'weather',
        operation,
        version: '1.0',
        params,
        stream: false,
        binding: 'JSONRPC',
        jsonRpcId: 9,
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: operation, params }),
      }

      // Act
      const answered = (await middleware.before?.(requestFor(call))) as { body: string }

      // Assess
      expect(JSON.parse(answered.body).error).toMatchObject({
        code: -32602,
        message: expect.stringContaining(named),
      })
      expect(stored.size).toBe(0)
    },
  )

  it('takes the proto spellings the gateway reads, as it always has', async () => {
    // Prepare
    const { stored, middleware } = setUp()
    const call = sendOver({
      task_push_notification_config: { url: 'https://client.example.com/hook' },
    })

    // Act
    const answered = await middleware.before?.(requestFor(call))

    // Assess
    expect(answered).toBeUndefined()
    expect(stored.size).toBe(1)
  })

  it("shows the caller its own webhook in a Get answer, and neither another caller's webhook, its own set with another agent, nor a callback's secret", async () => {
    // Prepare
    const { stored, middleware } = setUp()
    const own = 'AAAAAAAAAAAAAAAAAAAAAA'
    const theirs = 'BBBBBBBBBBBBBBBBBBBBBB'
    const otherAgents = 'CCCCCCCCCCCCCCCCCCCCCC'
    const base = { agentId: 'weather', taskId: 't-1', secretHash: '00', expiresAt: 1 }
    stored.set(own, {
      ...base,
      configId: own,
      principal: 'client-a',
      webhook: { url: 'https://a.example/h' },
    })
    stored.set(theirs, {
      ...base,
      configId: theirs,
      principal: 'client-b',
      webhook: { url: 'https://b.example/h' },
    })
    stored.set(otherAgents, {
      ...base,
      agentId: 'calculator',
      configId: otherAgents,
      principal: 'client-a',
      webhook: { url: 'https://a.example/calculator' },
    })
    const call: A2ACall = {
      ...createOver('JSONRPC', ''),
      operation: 'ListTaskPushNotificationConfigs',
    }
    const answer = {
      jsonrpc: '2.0',
      id: 7,
      result: {
        configs: [
          { id: 'mine', url: `https://gw.example.com/push/${own}`, token: 'secret-1' },
          { id: 'not-mine', url: `https://gw.example.com/push/${theirs}`, token: 'secret-2' },
          { id: 'elsewhere', url: `https://gw.example.com/push/${otherAgents}`, token: 'secret-3' },
        ],
      },
    }
    const request = requestFor(call, { statusCode: 200, body: JSON.stringify(answer) })

    // Act
    await middleware.after?.(request)

    // Assess
    const { result } = JSON.parse((request.response as { body: string }).body)
    expect(result.configs).toEqual([
      { id: 'mine', url: 'https://a.example/h' },
      { id: 'not-mine', url: `https://gw.example.com/push/${theirs}` },
      { id: 'elsewhere', url: `https://gw.example.com/push/${otherAgents}` },
    ])
  })

  it.each([
    ['opened by a byte-order mark, which fetch’s `json()` passes over', '\uFEFF{}', 200],
    ['opened by two, which no client reads', '\uFEFF\uFEFF{}', 502],
    ['naming NaN, which Python’s `json.loads` reads', '{"n":NaN,"answer":{}}', 502],
    ['that is empty, as an HTTP+JSON agent may answer a Create', '', 200],
  ])("gives no callback's secret away in a List answer %s", async (_what, shape, status) => {
    // Prepare: another caller's callback and its secret
    const { middleware } = setUp()
    const call: A2ACall = {
      ...createOver('JSONRPC', ''),
      operation: 'ListTaskPushNotificationConfigs',
    }
    const answer = JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      result: {
        configs: [
          {
            id: 'theirs',
            url: 'https://gw.example.com/push/BBBBBBBBBBBBBBBBBBBBBB',
            token: 'their-secret',
          },
        ],
      },
    })
    const body = Readable.from([Buffer.from(shape.replace('{}', answer))])
    const request = requestFor(call, { statusCode: 200, body })

    // Act
    await middleware.after?.(request)

    // Assess: shown as a client reads it, or refused; until a review in the 30th session an
    // answer the gateway could not read went on as it came, and a client read its secrets
    const answered = request.response as { statusCode: number; body: string }
    expect(answered.statusCode).toBe(status)
    expect(answered.body).not.toContain('their-secret')
  })

  it.each([
    [64, 200],
    [5_000, 502],
  ])(
    "passes on an agent's List answer nested %i levels deep only if it walks it whole: %i",
    async (levels, status) => {
      // Prepare: a callback's secret below all of it, which a walk that stopped would leave.
      const { middleware } = setUp()
      let deep: unknown = {
        url: 'https://gw.example.com/push/BBBBBBBBBBBBBBBBBBBBBB',
        token: 'their-secret',
      }
      for (let level = 0; level < levels - 5; level++) deep = [deep]
      const call: A2ACall = {
        ...createOver('JSONRPC', ''),
        operation: 'ListTaskPushNotificationConfigs',
      }
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        result: { configs: [{ id: 'hook', url: 'https://x.example/y', deep }] },
      })
      const request = requestFor(call, { statusCode: 200, body })

      // Act
      await middleware.after?.(request)

      // Assess
      const answered = request.response as { statusCode: number; body: string }
      expect(answered.body).not.toContain('their-secret')
      if (status === 200) {
        expect(answered.statusCode).toBe(200)
        return
      }
      expect(answered.statusCode).toBe(502)
      expect(JSON.parse(answered.body).error.message).toBe(
        "Agent 'weather' answered ListTaskPushNotificationConfigs with JSON nested deeper than 64 levels; the gateway does not pass it on.",
      )
    },
  )

  it("does not build an answer its agent's many copies of a callback swell past what an answer carries", async () => {
    // Prepare: a client's webhook of some 14 KB (each field within what a setting may hold) and
    // an agent's List of 1,000 configs naming its callback, 45 KB shown as 14 MB
    const { stored, middleware } = setUp()
    const own = 'AAAAAAAAAAAAAAAAAAAAAA'
    stored.set(own, {
      agentId: 'weather',
      taskId: 't-1',
      secretHash: '00',
      expiresAt: 1,
      configId: own,
      principal: 'client-a',
      webhook: {
        url: `https://a.example/${'h'.repeat(2000)}`,
        token: 't'.repeat(4000),
        authentication: { scheme: 'Bearer', credentials: 'c'.repeat(8000) },
      },
    })
    const call: A2ACall = {
      ...createOver('JSONRPC', ''),
      operation: 'ListTaskPushNotificationConfigs',
    }
    const configs = Array.from({ length: 1_000 }, () => ({ url: `/push/${own}` }))
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, result: { configs } })
    const request = requestFor(call, { statusCode: 200, body })

    // Act
    await middleware.after?.(request)

    // Assess: refused in the caller's binding, not 14 MB passed on
    const answered = request.response as { statusCode: number; body: string }
    expect(answered.body.length).toBeLessThan(1000)
    expect(answered.statusCode).toBe(502)
    expect(JSON.parse(answered.body).error.message).toBe(
      "Agent 'weather' answered ListTaskPushNotificationConfigs with configs that, shown as their clients set them, would pass the 10485760 bytes an answer may carry; the gateway does not pass it on.",
    )
  })

  it('does not pass on an answer its numbers, written back, take past what an answer carries', async () => {
    // Prepare: an agent's List of one config carrying 2.5 MB of `1e20` in a field of its own:
    // each written back as 21 digits when the answer is shown, some 11 MB
    const { middleware } = setUp()
    const call: A2ACall = {
      ...createOver('JSONRPC', ''),
      operation: 'ListTaskPushNotificationConfigs',
    }
    const numbers = Array(500_000).fill('1e20').join(',')
    const body = `{"jsonrpc":"2.0","id":7,"result":{"configs":[{"id":"hook","url":"https://x.example/y","extra":[${numbers}]}]}}`
    const request = requestFor(call, { statusCode: 200, body })

    // Act
    await middleware.after?.(request)

    // Assess: refused in the caller's binding, not 11 MB passed on
    const answered = request.response as { statusCode: number; body: string }
    expect(answered.body.length).toBeLessThan(1000)
    expect(answered.statusCode).toBe(502)
    expect(JSON.parse(answered.body).error.message).toBe(
      "Agent 'weather' answered ListTaskPushNotificationConfigs with configs that, shown to its caller, would pass the 10485760 bytes an answer may carry; the gateway does not pass it on.",
    )
  })
  describe("an agent's answer naming many callbacks", () => {
    const listOf = (ids: string[]) => {
      const call: A2ACall = {
        ...createOver('JSONRPC', ''),
        operation: 'ListTaskPushNotificationConfigs',
      }
      const configs = ids.map((id) => ({ url: `https://gw.example.com/push/${id}` }))
      const body = JSON.stringify({ jsonrpc: '2.0', id: 7, result: { configs } })
      return requestFor(call, { statusCode: 200, body })
    }
    const idsOf = (count: number) =>
      Array.from({ length: count }, (_, n) => `cfg${String(n).padStart(19, '0')}`)

    it('reads some 100 of 1,000 callbacks that are not the caller’s, and refuses it as the agent’s', async () => {
      // Prepare: none of them the caller's (until 8 December 2026 each was read, 1,000 reads)
      const { requests, middleware } = setUp()
      const request = listOf(idsOf(1_000))

      // Act
      await middleware.after?.(request)

      // Assess: refused at the 101st, the reads in flight ended
      const answered = request.response as { statusCode: number; body: string }
      expect(answered.statusCode).toBe(502)
      expect(JSON.parse(answered.body).error.message).toBe(
        "Agent 'weather' answered ListTaskPushNotificationConfigs with configs naming more than 100 callbacks, not all of them your configs; the gateway does not pass it on.",
      )
      const reads = requests.filter((made) => made.startsWith('get:')).length
      expect(reads).toBeGreaterThan(100)
      expect(reads).toBeLessThanOrEqual(100 + maxWebhookLookups)
    })

    it('shows 150 configs of the caller’s own, and refuses a list whose 120th callback is not its', async () => {
      // Prepare: the caller's configs, each with a small webhook
      const { stored, middleware } = setUp()
      const ids = idsOf(150)
      for (const configId of ids) {
        stored.set(configId, {
          agentId: 'weather',
          taskId: 't-1',
          secretHash: '00',
          expiresAt: 1,
          configId,
          principal: 'client-a',
          webhook: { url: `https://a.example/${configId}` },
        })
      }
      const own = listOf(ids)
      const mixed = listOf([...ids.slice(0, 119), 'cfg-of-nobody-at-all-0', ...ids.slice(119)])

      // Act
      await middleware.after?.(own)
      await middleware.after?.(mixed)

      // Assess
      const shown = JSON.parse((own.response as { body: string }).body)
      expect(shown.result.configs.map(({ url }: { url: string }) => url)).toEqual(
        ids.map((id) => `https://a.example/${id}`),
      )
      expect((mixed.response as { statusCode: number }).statusCode).toBe(502)
    })

    it('counts callbacks not the caller’s as the agent’s fault, and the caller’s own webhooks too large to show as no one’s', async () => {
      // Prepare: 1,000 of the caller's configs, each with a webhook of some 14 KB (shown, they
      // pass 10 MiB at about the 750th: the caller's doing, which must not raise its agent's alarm)
      const onAgentFault = vi.fn()
      const { stored, middleware } = setUp(undefined, undefined, undefined, undefined, onAgentFault)
      const ids = idsOf(1_000)
      for (const configId of ids) {
        stored.set(configId, {
          agentId: 'weather',
          taskId: 't-1',
          secretHash: '00',
          expiresAt: 1,
          configId,
          principal: 'client-a',
          webhook: {
            url: `https://a.example/${'h'.repeat(2000)}`,
            token: 't'.repeat(4000),
            authentication: { scheme: 'Bearer', credentials: 'c'.repeat(8000) },
          },
        })
      }
      const own = listOf(ids)
      const madeUp = listOf(idsOf(1_000).map((id) => id.replace('cfg', 'not')))

      // Act
      await middleware.after?.(own)
      await middleware.after?.(madeUp)

      // Assess: both withheld; only the made-up ones counted
      expect(JSON.parse((own.response as { body: string }).body).error.message).toContain(
        'as their clients set them',
      )
      expect((madeUp.response as { statusCode: number }).statusCode).toBe(502)
      expect(onAgentFault.mock.calls.map(([call]) => call.operation)).toEqual([
        'ListTaskPushNotificationConfigs',
      ])
    })

    it('says in the log, as a warning about the agent, why its answer was withheld', async () => {
      // Prepare
      const warn = vi.fn()
      const { middleware } = setUp(undefined, { warn })
      const request = listOf(idsOf(101))

      // Act
      await middleware.after?.(request)

      // Assess: the access line's reason is `backend-unavailable`; this line says what the agent answered
      expect((request.response as { statusCode: number }).statusCode).toBe(502)
      expect(warn).toHaveBeenCalledWith('agent answer withheld', {
        agentId: 'weather',
        operation: 'ListTaskPushNotificationConfigs',
        reason: 'configs naming more than 100 callbacks, not all of them your configs',
      })
    })

    it('reads none of them for an answer nested too deep to pass on', async () => {
      // Prepare: the 1,000 callbacks, then a branch 100 levels deep
      const { requests, middleware } = setUp()
      const request = listOf(idsOf(1_000))
      const { body } = request.response as { body: string }
      const answer = JSON.parse(body)
      let deep: unknown = 'bottom'
      for (let level = 0; level < 100; level++) deep = [deep]
      answer.result.configs.push({ deep })
      request.response = { statusCode: 200, body: JSON.stringify(answer) }

      // Act
      await middleware.after?.(request)

      // Assess
      expect((request.response as { statusCode: number }).statusCode).toBe(502)
      expect(requests).toEqual([])
    })

    it('reads a few at a time, and shows the answer as before', async () => {
      // Prepare: 100 callbacks (the most an answer may name) the caller holds none of; each read
      // held a turn
      let inFlight = 0
      let most = 0
      const { requests, middleware } = setUp(undefined, undefined, async () => {
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise((resolve) => setImmediate(resolve))
        inFlight--
      })
      const ids = idsOf(100)
      const request = listOf(ids)

      // Act
      await middleware.after?.(request)

      // Assess
      expect(requests.filter((made) => made.startsWith('get:'))).toHaveLength(100)
      expect(most).toBeLessThanOrEqual(16)
      const answered = JSON.parse((request.response as { body: string }).body)
      expect(answered.result.configs.map(({ url }: { url: string }) => url)).toEqual(
        ids.map((id) => `https://gw.example.com/push/${id}`),
      )
    })
  })
})
