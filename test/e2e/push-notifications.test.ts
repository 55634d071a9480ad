import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { tableName } from '../../lib/tables.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import {
  eventually,
  type GivenConfig,
  startPushAgent,
  startWebhook,
} from '../support/push-agent.ts'
import { grantToDemoClient, putPermission, registerAgents } from '../support/stack-setup.ts'

const deliveryAttempts = 3
const webhookTimeoutMs = 200

/**
 * Push notifications go through the gateway: the agent is handed a callback
 * with a secret, never the client's webhook; its pushes are checked and
 * delivered to the webhook with a JWT the gateway's JWKS verifies.
 */
describe('push notifications through the local gateway', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startPushAgent>>
  let token: string

  const agentUrl = () => `${stack.url}/agents/pusher`

  /** A task of demo-client's on the push agent. */
  const newTask = async () => {
    const response = await postA2A(
      agentUrl(),
      token,
      jsonRpc('SendMessage', textMessageParams('work on this')),
    )
    return (await response.json()).result.task.id as string
  }

  const setConfig = (taskId: string, config: Record<string, unknown>) =>
    postA2A(agentUrl(), token, jsonRpc('CreateTaskPushNotificationConfig', { taskId, ...config }))

  /** The dead letters recorded about `taskId`. */
  const deadLettersOf = async (taskId: string) => {
    const database = createDocumentClient({
      region: 'us-east-1',
      dynamoDbEndpoint: process.env.DYNAMODB_ENDPOINT,
    })
    try {
      const { Items } = await database.send(
        new ScanCommand({
          TableName: tableName('pushDeadLetters', process.env.TABLE_PREFIX as string),
        }),
      )
      return Items?.filter((item) => item.taskId === taskId) ?? []
    } finally {
      database.destroy()
    }
  }

  /** The config the agent was given for `taskId`. */
  const givenFor = (taskId: string) => {
    const given = agent.configs.find((config) => config.taskId === taskId)
    if (!given) throw new Error(`the agent was given no config for ${taskId}`)
    return given
  }

  beforeAll(async () => {
    // Read by the handlers when the stack imports them.
    process.env.PUSH_DELIVERY_ATTEMPTS = String(deliveryAttempts)
    process.env.PUSH_RETRY_BASE_MS = '10'
    process.env.PUSH_WEBHOOK_TIMEOUT_MS = String(webhookTimeoutMs)
    // The file makes more calls a minute than the default limit of 60 lets through.
    process.env.RATE_LIMIT_PER_MINUTE = '600'
    stack = await startThrowawayStack()
    agent = await startPushAgent()
    await registerAgents(stack, [
      { agentId: 'pusher', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['pusher'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent?.stop()
    await stack?.stop()
  })

  it("delivers the agent's push to the client's webhook with a JWT the gateway's JWKS verifies", async () => {
    // Prepare
    const webhook = await startWebhook()
    const taskId = await newTask()
    const set = await setConfig(taskId, { id: 'hook', url: webhook.url, token: 'client-token' })
    expect(set.status).toBe(200)
    const given = givenFor(taskId)

    // Act
    const pushed = await agent.push(given)
    await eventually(() => webhook.hits.length === 1)

    // Assess
    expect(pushed.status).toBe(202)
    const [hit] = webhook.hits
    expect(hit?.body).toBe(agent.pushBody(taskId))
    expect(hit?.headers['x-a2a-notification-token']).toBe('client-token')
    const jwt = String(hit?.headers.authorization).replace(/^Bearer /, '')
    const jwks = createRemoteJWKSet(new URL(`${stack.url}/.well-known/agent-card-jwks.json`))
    const { payload } = await jwtVerify(jwt, jwks, { issuer: stack.url, audience: webhook.url })
    expect(payload.taskId).toBe(taskId)
    const { deliveryId } = await pushed.json()
    expect(hit?.headers['x-switchboard-delivery-id']).toBe(deliveryId)
    expect(payload.delivery_id).toBe(deliveryId)
    await webhook.stop()
  })

  it("hands the agent the gateway's callback and secret, never the client's webhook", async () => {
    // Prepare
    const webhook = await startWebhook()
    const taskId = await newTask()

    // Act
    const set = await (
      await setConfig(taskId, { id: 'hook', url: webhook.url, token: 'client-token' })
    ).json()
    const fetched = await (
      await postA2A(
        agentUrl(),
        token,
        jsonRpc('GetTaskPushNotificationConfig', { taskId, id: 'hook' }),
      )
    ).json()
    const listed = await (
      await postA2A(agentUrl(), token, jsonRpc('ListTaskPushNotificationConfigs', { taskId }))
    ).json()

    // Assess
    const given = givenFor(taskId)
    expect(given.url).toMatch(new RegExp(`^${stack.url}/push/[A-Za-z0-9_-]+$`))
    expect(given.token).not.toBe('client-token')
    expect(JSON.stringify(agent.configs)).not.toContain(webhook.url)
    for (const shown of [set.result, fetched.result, listed.result.configs[0]]) {
      expect(shown).toMatchObject({ url: webhook.url, token: 'client-token', id: 'hook' })
    }
    await webhook.stop()
  })

  it('does the same for a config set over HTTP+JSON, translated to the JSON-RPC agent', async () => {
    // Prepare
    const webhook = await startWebhook()
    const taskId = await newTask()

    // Act
    const set = await fetch(`${agentUrl()}/tasks/${taskId}/pushNotificationConfigs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify({ taskId, url: webhook.url, token: 'rest-token' }),
    })
    const pushed = await agent.push(givenFor(taskId))
    await eventually(() => webhook.hits.length === 1)

    // Assess
    expect(set.status).toBe(201)
    expect(await set.json()).toMatchObject({ url: webhook.url, token: 'rest-token' })
    expect(givenFor(taskId).url).toMatch(new RegExp(`^${stack.url}/push/`))
    expect(pushed.status).toBe(202)
    expect(webhook.hits[0]?.headers['x-a2a-notification-token']).toBe('rest-token')
    await webhook.stop()
  })

  it('delivers pushes for a config given with SendMessage, for the task it starts', async () => {
    // Prepare
    const webhook = await startWebhook()
    const params = {
      ...(textMessageParams('work on this, and tell me') as object),
      configuration: { taskPushNotificationConfig: { url: webhook.url } },
    }

    // Act
    const sent = await (await postA2A(agentUrl(), token, jsonRpc('SendMessage', params))).json()
    const taskId = sent.result.task.id as string
    const pushed = await agent.push(givenFor(taskId))
    await eventually(() => webhook.hits.length === 1)

    // Assess
    expect(givenFor(taskId).url).not.toBe(webhook.url)
    expect(pushed.status).toBe(202)
    expect(webhook.hits[0]?.body).toBe(agent.pushBody(taskId))
    await webhook.stop()
  })

  /** A 0.3 caller's message/send or message/stream params, its config under 0.3's name. */
  const legacyParams = (url: string) => ({
    message: {
      kind: 'message',
      messageId: `m-${Date.now()}`,
      role: 'user',
      parts: [{ kind: 'text', text: 'work on this, and tell me' }],
    },
    configuration: { pushNotificationConfig: { url, token: 'first' } },
  })

  it.each(['SendMessage', 'SendStreamingMessage', 'message/send', 'message/stream'])(
    'delivers the push an agent sends before it answers the %s that set the config inline, and the answer still reaches the caller',
    async (method) => {
      // Prepare: the agent pushes the submitted task, and waits for the push's answer, before it
      // answers: the task is on no record yet when its push reaches the gateway. A 0.3 caller's
      // call is translated to the 1.0 agent.
      const webhook = await startWebhook()
      const params = method.includes('/')
        ? legacyParams(webhook.url)
        : {
            ...(textMessageParams('work on this, and tell me') as object),
            configuration: { taskPushNotificationConfig: { url: webhook.url, token: 'first' } },
          }
      agent.pushesFirst.on = true
      agent.pushesFirst.answered.length = 0

      // Act
      const sent = await postA2A(agentUrl(), token, jsonRpc(method, params))
      const answer = await sent.text()
      await eventually(() => webhook.hits.length === 1)
      agent.pushesFirst.on = false

      // Assess: the first push delivered, the answer not withheld, the task the caller's
      expect(agent.pushesFirst.answered).toEqual([202])
      const taskId = agent.configs.at(-1)?.taskId as string
      expect(webhook.hits[0]?.body).toBe(agent.pushBody(taskId, 'TASK_STATE_SUBMITTED'))
      expect(webhook.hits[0]?.headers['x-a2a-notification-token']).toBe('first')
      expect(sent.status).toBe(200)
      expect(answer).toContain(`"id":"${taskId}"`)
      expect(answer).not.toContain('"error"')
      const read = await postA2A(
        agentUrl(),
        token,
        jsonRpc(method.includes('/') ? 'tasks/get' : 'GetTask', { id: taskId }),
      )
      expect((await read.json()).result?.id).toBe(taskId)
      // The config is that task's: a push through it for another task is refused.
      const other = await agent.push(givenFor(taskId), 'task-elsewhere')
      expect(other.status).toBe(403)
      expect(await other.text()).toContain('not the task this push config was set for')
      await webhook.stop()
    },
  )

  /** The ids the agent shows `taskId`'s configs by, as a client learns them: in a List. */
  const listedIds = async (taskId: string) => {
    const listed = await postA2A(
      agentUrl(),
      token,
      jsonRpc('ListTaskPushNotificationConfigs', { taskId }),
    )
    return ((await listed.json()).result.configs as GivenConfig[]).map((config) => config.id)
  }

  it.each([
    ['pushed through before the Delete', 'hook', 'task', true],
    ['not pushed through before the Delete', 'hook', 'task', false],
    [
      'set without an id (the agent names it by its task), pushed through first',
      undefined,
      'task',
      true,
    ],
    // As @a2a-js/sdk 1.3.0 names it: the client learns that id from a List.
    [
      'set without an id the agent names at random, pushed through first',
      undefined,
      'random',
      true,
    ],
    [
      'set without an id the agent names at random, not pushed through first',
      undefined,
      'random',
      false,
    ],
  ] as const)(
    'refuses, once the agent has deleted it, the pushes of a config given with SendMessage: %s',
    async (_case, id, naming, pushesFirst) => {
      // Prepare: the config's record sits under a random id; the Delete names its task and id.
      const webhook = await startWebhook()
      const params = {
        ...(textMessageParams('work on this, and tell me') as object),
        configuration: { taskPushNotificationConfig: { url: webhook.url, ...(id ? { id } : {}) } },
      }
      agent.naming.idless = naming
      agent.pushesFirst.on = pushesFirst
      agent.pushesFirst.answered.length = 0
      const sent = await (await postA2A(agentUrl(), token, jsonRpc('SendMessage', params))).json()
      agent.pushesFirst.on = false
      agent.naming.idless = 'task'
      const taskId = sent.result.task.id as string
      const given = givenFor(taskId)
      if (pushesFirst) await eventually(() => webhook.hits.length === 1)
      const [shownId] = await listedIds(taskId)
      expect(shownId).toBe(id ?? (naming === 'task' ? taskId : given.id))

      // Act
      const deleted = await postA2A(
        agentUrl(),
        token,
        jsonRpc('DeleteTaskPushNotificationConfig', { taskId, id: shownId }),
      )
      const pushed = await agent.push(given)
      // Any accepted push is delivered in the background: let it land before looking.
      await new Promise((resolve) => setTimeout(resolve, 300))

      // Assess
      expect((await deleted.json()).result).toEqual({})
      expect(agent.pushesFirst.answered).toEqual(pushesFirst ? [202] : [])
      expect(pushed.status, 'the callback of a deleted config took a push').toBe(404)
      expect(webhook.hits, 'pushes delivered after the config was deleted').toHaveLength(
        pushesFirst ? 1 : 0,
      )
      // The same task and id set again with a Create: a fresh config, its pushes taken.
      const again = await setConfig(taskId, { id: shownId, url: webhook.url })
      expect((await again.json()).result).toBeDefined()
      const fresh = await agent.push(
        agent.configs.filter((c) => c.taskId === taskId).at(-1) as GivenConfig,
      )
      expect(fresh.status).toBe(202)
      await webhook.stop()
    },
  )

  it('keeps delivering to the webhook the agent holds when setting the config again fails at the agent', async () => {
    // Prepare
    const [first, second] = [await startWebhook(), await startWebhook()]
    const taskId = await newTask()
    await setConfig(taskId, { id: 'hook', url: first.url })
    const held = givenFor(taskId)

    // Act
    agent.failing.creates = true
    const again = await setConfig(taskId, { id: 'hook', url: second.url })
    agent.failing.creates = false
    const pushed = await agent.push(held)
    await eventually(async () => first.hits.length === 1)
    const shown = await postA2A(
      agentUrl(),
      token,
      jsonRpc('GetTaskPushNotificationConfig', { taskId, id: 'hook' }),
    )

    // Assess
    expect((await again.json()).error).toBeDefined()
    expect(pushed.status).toBe(202)
    expect(second.hits).toEqual([])
    expect((await shown.json()).result.url).toBe(first.url)
    await Promise.all([first.stop(), second.stop()])
  })

  it('sends nothing more to the old webhook once the agent has taken the config set again', async () => {
    // Prepare: a client moves its webhook away from one it no longer trusts.
    const [old, moved] = [await startWebhook(), await startWebhook()]
    const taskId = await newTask()
    await setConfig(taskId, { id: 'hook', url: old.url })
    const oldSetting = givenFor(taskId)

    // Act
    const again = await setConfig(taskId, { id: 'hook', url: moved.url })
    const newSetting = agent.configs.filter((config) => config.taskId === taskId).at(-1)
    const stale = await agent.push(oldSetting)
    const current = newSetting && (await agent.push(newSetting))
    await eventually(() => moved.hits.length === 1)

    // Assess
    expect((await again.json()).result).toBeDefined()
    expect(stale.status).toBe(401)
    expect(current?.status).toBe(202)
    expect(old.hits).toEqual([])
    await Promise.all([old.stop(), moved.stop()])
  })

  it('refuses a push with a wrong secret', async () => {
    // Prepare
    const webhook = await startWebhook()
    const taskId = await newTask()
    await setConfig(taskId, { url: webhook.url })

    // Act
    const pushed = await agent.push(givenFor(taskId), taskId, 'not-the-secret')

    // Assess
    expect(pushed.status).toBe(401)
    expect((await pushed.json()).detail).toMatch(/not the token/)
    await webhook.stop()
  })

  it('refuses pushes to the callback of a config the client deleted', async () => {
    // Prepare
    const webhook = await startWebhook()
    const taskId = await newTask()
    await setConfig(taskId, { id: 'hook', url: webhook.url })
    const given = givenFor(taskId)

    // Act
    const deleted = await postA2A(
      agentUrl(),
      token,
      jsonRpc('DeleteTaskPushNotificationConfig', { taskId, id: 'hook' }),
    )
    const pushed = await agent.push(given)

    // Assess
    expect((await deleted.json()).result).toEqual({})
    expect(pushed.status).toBe(404)
    expect(webhook.hits).toEqual([])
    await webhook.stop()
  })

  it('keeps taking the pushes of a config given with SendMessage, which its agent named at random, once a config created without an id on its task is deleted', async () => {
    // Prepare: the agent names id-less configs at random (@a2a-js/sdk 1.3.0); the gateway names
    // the created one by its task, the id its inline config's link was derived with.
    const webhook = await startWebhook()
    const params = {
      ...(textMessageParams('work on this, and tell me') as object),
      configuration: { taskPushNotificationConfig: { url: webhook.url } },
    }
    agent.naming.idless = 'random'
    agent.pushesFirst.on = true
    agent.pushesFirst.answered.length = 0
    const sent = await (await postA2A(agentUrl(), token, jsonRpc('SendMessage', params))).json()
    agent.pushesFirst.on = false
    const taskId = sent.result.task.id as string
    const inline = givenFor(taskId)
    await eventually(() => webhook.hits.length === 1)
    const other = await startWebhook()
    const created = await (await setConfig(taskId, { url: other.url })).json()
    agent.naming.idless = 'task'

    // Act
    const deleted = await postA2A(
      agentUrl(),
      token,
      jsonRpc('DeleteTaskPushNotificationConfig', { taskId, id: created.result.id }),
    )
    const pushed = await agent.push(inline)
    await eventually(() => webhook.hits.length === 2)

    // Assess
    expect(created.result.id).toBe(taskId)
    expect((await deleted.json()).result).toEqual({})
    expect(pushed.status).toBe(202)
    expect(await listedIds(taskId)).toEqual([inline.id])
    expect(other.hits).toEqual([])
    await webhook.stop()
    await other.stop()
  })

  it('names a config created without an id by its task, whatever its agent would name it, so a Delete by the id it answers refuses its pushes', async () => {
    // Prepare: an agent that names such a config at random, as @a2a-js/sdk 1.3.0 does.
    const webhook = await startWebhook()
    const taskId = await newTask()
    agent.naming.idless = 'random'
    const created = await (await setConfig(taskId, { url: webhook.url })).json()
    agent.naming.idless = 'task'
    const given = givenFor(taskId)

    // Act
    const deleted = await postA2A(
      agentUrl(),
      token,
      jsonRpc('DeleteTaskPushNotificationConfig', { taskId, id: created.result.id }),
    )
    const pushed = await agent.push(given)

    // Assess
    expect(created.result).toMatchObject({ id: taskId, url: webhook.url })
    expect((await deleted.json()).result).toEqual({})
    expect(pushed.status).toBe(404)
    expect(webhook.hits).toEqual([])
    await webhook.stop()
  })

  it('refuses a push about a task the config was not set for', async () => {
    // Prepare
    const webhook = await startWebhook()
    const [taskId, otherTask] = [await newTask(), await newTask()]
    await setConfig(taskId, { url: webhook.url })

    // Act
    const pushed = await agent.push(givenFor(taskId), otherTask)

    // Assess
    expect(pushed.status).toBe(403)
  })

  it('refuses a webhook on the cloud metadata address when the config is set, telling why', async () => {
    // Prepare
    const taskId = await newTask()

    // Act
    const response = await setConfig(taskId, { url: 'http://169.254.169.254/latest/meta-data' })

    // Assess
    const body = await response.json()
    expect(body.error.code).toBe(-32602)
    expect(body.error.message).toMatch(/169\.254\.169\.254 is a link-local/)
    expect(agent.configs.some((config) => config.taskId === taskId)).toBe(false)
  })

  it('refuses a metadata-address webhook over HTTP+JSON with a 400', async () => {
    // Prepare
    const taskId = await newTask()

    // Act
    const response = await fetch(`${agentUrl()}/tasks/${taskId}/pushNotificationConfigs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify({ taskId, url: 'http://[::ffff:169.254.169.254]/' }),
    })

    // Assess
    expect(response.status).toBe(400)
    expect(JSON.stringify(await response.json())).toMatch(/link-local/)
    expect(agent.configs.some((config) => config.taskId === taskId)).toBe(false)
  })

  it('retries a failing webhook, then records the push as a dead letter', async () => {
    // Prepare
    const webhook = await startWebhook(503)
    const taskId = await newTask()
    await setConfig(taskId, { url: webhook.url })
    const deadLetters = () => deadLettersOf(taskId)

    // Act
    const pushed = await agent.push(givenFor(taskId))
    await eventually(async () => (await deadLetters()).length === 1)

    // Assess
    expect(pushed.status).toBe(202)
    expect(webhook.hits).toHaveLength(deliveryAttempts)
    const [letter] = await deadLetters()
    expect(letter).toMatchObject({ attempts: deliveryAttempts, reason: 'the webhook answered 503' })
    // Every attempt names the one push, as its dead letter does.
    expect(webhook.hits.map((hit) => hit.headers['x-switchboard-delivery-id'])).toEqual(
      Array(deliveryAttempts).fill(letter?.deliveryId),
    )
    await webhook.stop()
  })
  it("gives up on a webhook that never answers after PUSH_WEBHOOK_TIMEOUT_MS an attempt, whatever an agent's timeout", async () => {
    // Prepare
    const webhook = await startWebhook('no answer')
    const taskId = await newTask()
    await setConfig(taskId, { url: webhook.url })
    const deadLetters = () => deadLettersOf(taskId)

    // Act
    await agent.push(givenFor(taskId))
    await eventually(async () => (await deadLetters()).length === 1)

    // Assess
    expect(webhook.hits).toHaveLength(deliveryAttempts)
    const [letter] = await deadLetters()
    expect(letter).toMatchObject({
      attempts: deliveryAttempts,
      reason: `the webhook did not answer within ${webhookTimeoutMs} ms`,
    })
    await webhook.stop()
  })

  it('takes no more pushes from an agent a second after an operator deactivates it', async () => {
    // Prepare
    const webhook = await startWebhook()
    const taskId = await newTask()
    await setConfig(taskId, { url: webhook.url })
    const admin = { authorization: `Bearer ${await stack.token('admin-client')}` }
    const setStatus = (status: string) =>
      fetch(`${stack.url}/admin/agents/pusher`, {
        method: 'PATCH',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ status }),
      })

    // Act
    const deactivated = await setStatus('inactive')
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const pushed = await agent.push(givenFor(taskId))
    await setStatus('active')

    // Assess
    expect(deactivated.status).toBe(200)
    expect(pushed.status).toBe(403)
    expect((await pushed.json()).detail).toBe("Agent 'pusher' is inactive.")
    expect(webhook.hits).toEqual([])
    await webhook.stop()
  })

  // Last: it revokes demo-client's tokens.
  it("takes no more pushes for a config a second after its client's tokens are revoked, and takes them again once it is set with a new token", async () => {
    // Prepare
    const webhook = await startWebhook()
    const taskId = await newTask()
    await setConfig(taskId, { id: 'hook', url: webhook.url })
    const revokedSetting = givenFor(taskId)
    const admin = { authorization: `Bearer ${await stack.token('admin-client')}` }

    // Act
    const revoked = await fetch(`${stack.url}/admin/clients/demo-client/revoke-tokens`, {
      method: 'POST',
      headers: admin,
    })
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const refused = await agent.push(revokedSetting)
    token = await stack.token('demo-client')
    const setAgain = await setConfig(taskId, { id: 'hook', url: webhook.url })
    const newSetting = agent.configs.filter((config) => config.taskId === taskId).at(-1)
    const taken = newSetting && (await agent.push(newSetting))
    await eventually(() => webhook.hits.length === 1)

    // Assess
    expect(revoked.status).toBe(200)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({
      title: 'Push config revoked',
      detail: expect.stringContaining('until the client sets it again'),
    })
    expect(setAgain.status).toBe(200)
    expect(newSetting?.token).not.toBe(revokedSetting.token)
    expect(taken?.status).toBe(202)
    expect(webhook.hits).toHaveLength(1)
    await webhook.stop()
  })

  it("takes no more pushes for a config a second after its scope's permission stops granting the call that set it, and takes them again once it grants it", async () => {
    // Prepare
    const webhook = await startWebhook()
    const taskId = await newTask()
    await setConfig(taskId, { id: 'hook', url: webhook.url })
    const setting = givenFor(taskId)

    // Act: the demo client's scope keeps the agent for reading tasks only, then gets it back.
    await putPermission({
      scope: 'calculator:invoke',
      agents: ['calculator', 'pusher'],
      operations: ['SendMessage', 'GetTask'],
    })
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const refused = await agent.push(setting)
    await grantToDemoClient(['pusher'])
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const taken = await agent.push(setting)
    await eventually(() => webhook.hits.length === 1)

    // Assess
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({
      title: 'Push config no longer granted',
      detail: expect.stringContaining(
        "no longer grant CreateTaskPushNotificationConfig on agent 'pusher'",
      ),
    })
    expect(taken.status).toBe(202)
    expect(webhook.hits).toHaveLength(1)
    await webhook.stop()
  })
})
