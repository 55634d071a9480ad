import {
  CancelTaskRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  SendMessageRequest,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk'
import type { Client } from '@a2a-js/sdk/client'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { sseEvents } from '../../lib/a2a/sse.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { eventKinds, gatewayClient, type Transport, textMessage } from '../support/a2a-client.ts'
import { startMatrixAgent } from '../support/matrix-agent.ts'
import { startWebhook } from '../support/push-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * The 0.3 × 1.0 matrix: each client version against each agent version, over
 * each binding, through the gateway. 1.0 clients are the official SDK's; 0.3
 * clients send raw 0.3 requests (JSON-RPC's `kind`-tagged JSON, HTTP+JSON's
 * proto JSON below `/v1`). The agents are the matrix agent, once speaking 1.0
 * and once 0.3 only. docs/a2a-conformance.md points at these tests.
 */
describe('every A2A version to every version through the local gateway', () => {
  let stack: RunningStack
  let current: Awaited<ReturnType<typeof startMatrixAgent>>
  let legacy: Awaited<ReturnType<typeof startMatrixAgent>>
  let token: string
  const agentIds = { '1.0': 'matrix-v1', '0.3': 'matrix-v03' } as const

  beforeAll(async () => {
    stack = await startThrowawayStack()
    current = await startMatrixAgent()
    legacy = await startMatrixAgent({ protocolVersion: '0.3' })
    await registerAgents(stack, [
      { agentId: agentIds['1.0'], backendUrl: current.url, agentCardUrl: current.cardUrl },
      { agentId: agentIds['0.3'], backendUrl: legacy.url, agentCardUrl: legacy.cardUrl },
    ])
    await grantToDemoClient(Object.values(agentIds))
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await current.stop()
    await legacy.stop()
    await stack.stop()
  })

  const cells = (['1.0', '0.3'] as const).flatMap((agentVersion) =>
    (['JSONRPC', 'HTTP+JSON'] as const).map((binding) => ({ agentVersion, binding })),
  )

  describe.each(cells)(
    'a 1.0 client (official SDK) of a $agentVersion agent over $binding',
    ({ agentVersion, binding }) => {
      let client: Client
      let taskId: string
      beforeAll(async () => {
        client = await gatewayClient(
          `${stack.url}/agents/${agentIds[agentVersion]}/`,
          token,
          binding as Transport,
        )
      })

      it('sends a message and gets the completed task', async () => {
        // Act
        const task = (await client.sendMessage(textMessage('quick'))) as {
          id: string
          status: { state: number }
        }

        // Assess
        taskId = task.id
        expect(task.status.state).toBe(3) // TASK_STATE_COMPLETED
      })

      it('streams a message as task, then status updates', async () => {
        // Act
        const kinds = await eventKinds(client.sendMessageStream(textMessage('quick')))

        // Assess
        expect(kinds).toEqual(['task', 'statusUpdate', 'statusUpdate'])
      })

      it('gets the task', async () => {
        // Act
        const task = await client.getTask(GetTaskRequest.fromJSON({ id: taskId }))

        // Assess
        expect(task.id).toBe(taskId)
        expect(task.status?.state).toBe(3)
      })

      it('cancels a running task', async () => {
        // Prepare
        const started = (await client.sendMessage(
          SendMessageRequest.fromJSON({
            message: {
              messageId: crypto.randomUUID(),
              role: 'ROLE_USER',
              parts: [{ text: 'slow' }],
            },
            configuration: { returnImmediately: true },
          }),
        )) as { id: string }

        // Act
        const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id: started.id }))

        // Assess
        expect(canceled.id).toBe(started.id)
      })

      it('reads a 1.0 card whose interfaces are the gateway', async () => {
        // Act
        const response = await fetch(
          `${stack.url}/agents/${agentIds[agentVersion]}/.well-known/agent-card.json`,
          { headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' } },
        )

        // Assess
        const card = await response.json()
        expect(card.supportedInterfaces).toEqual([
          expect.objectContaining({ url: `${stack.url}/agents/${agentIds[agentVersion]}` }),
          expect.objectContaining({ url: `${stack.url}/agents/${agentIds[agentVersion]}` }),
        ])
        expect(card).not.toHaveProperty('preferredTransport')
      })

      it('gets the extended card in 1.0, pointing at the gateway', async () => {
        // Act
        const card = await client.getAgentCard()

        // Assess
        expect(card.name).toBe('Matrix')
        expect(card.supportedInterfaces.map((entry) => entry.url)).toContain(
          `${stack.url}/agents/${agentIds[agentVersion]}`,
        )
        expect(JSON.stringify(card)).not.toContain(
          agentVersion === '1.0' ? current.url : legacy.url,
        )
      })

      it('hears TaskNotFound for an unknown task', async () => {
        // Act
        const act = client.getTask(GetTaskRequest.fromJSON({ id: 'no-such-task' }))

        // Assess
        await expect(act).rejects.toMatchObject({ name: 'TaskNotFoundError' })
      })

      it('creates, gets and lists a push config', async () => {
        // Prepare: a webhook the address policy lets through (a local one, in local mode)
        const webhook = await startWebhook()
        onTestFinished(() => webhook.stop())

        // Act
        const created = await client.createTaskPushNotificationConfig(
          TaskPushNotificationConfig.fromJSON({ taskId, id: 'hook-1', url: webhook.url }),
        )
        const fetched = await client.getTaskPushNotificationConfig(
          GetTaskPushNotificationConfigRequest.fromJSON({ taskId, id: 'hook-1' }),
        )
        const listed = await client.listTaskPushNotificationConfig(
          ListTaskPushNotificationConfigsRequest.fromJSON({ taskId }),
        )

        // Assess
        expect([created.id, created.taskId, created.url]).toEqual(['hook-1', taskId, webhook.url])
        expect([fetched.id, fetched.taskId, fetched.url]).toEqual(['hook-1', taskId, webhook.url])
        expect(listed.configs.map((config) => config.id)).toEqual(['hook-1'])
      })
    },
  )

  it.each(['JSONRPC', 'HTTP+JSON'] as const)(
    'returns at once from the 0.3 agent over %s when a 1.0 client says return_immediately, by its proto name',
    async (binding) => {
      // Prepare: a send as ProtoJSON may spell it, of a task that runs until canceled
      const params = {
        message: { message_id: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'slow' }] },
        configuration: { return_immediately: true },
      }
      const agentUrl = `${stack.url}/agents/${agentIds['0.3']}`
      const headers = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      }

      // Act
      const response = await fetch(binding === 'JSONRPC' ? agentUrl : `${agentUrl}/message:send`, {
        method: 'POST',
        headers,
        body: JSON.stringify(
          binding === 'JSONRPC' ? { jsonrpc: '2.0', id: 1, method: 'SendMessage', params } : params,
        ),
        signal: AbortSignal.timeout(10_000),
      })

      // Assess: a send that blocked would have waited for the task to end
      const body = await response.json()
      const task = binding === 'JSONRPC' ? body.result?.task : body.task
      expect(task?.status?.state).toMatch(/^TASK_STATE_(SUBMITTED|WORKING)$/)
    },
  )

  /** A raw 0.3 call: JSON-RPC with its 0.3 method, or HTTP+JSON below `/v1`. */
  const legacyCall = (
    agentVersion: '1.0' | '0.3',
    binding: 'JSONRPC' | 'HTTP+JSON',
    call: { method: string; params: unknown; rest: { verb: string; path: string; body?: unknown } },
  ) => {
    const agentUrl = `${stack.url}/agents/${agentIds[agentVersion]}`
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'a2a-version': '0.3',
    }
    return binding === 'JSONRPC'
      ? fetch(agentUrl, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 'v03',
            method: call.method,
            params: call.params,
          }),
          signal: AbortSignal.timeout(10_000),
        })
      : fetch(`${agentUrl}${call.rest.path}`, {
          method: call.rest.verb,
          headers,
          body: call.rest.body === undefined ? undefined : JSON.stringify(call.rest.body),
          signal: AbortSignal.timeout(10_000),
        })
  }

  /** The 0.3 answer's result: JSON-RPC's `result`, or HTTP+JSON's body. */
  const resultOf = async (binding: 'JSONRPC' | 'HTTP+JSON', response: Response) => {
    const body = await response.json()
    if (binding === 'JSONRPC') {
      expect(body).toHaveProperty('result')
      return body.result
    }
    expect(response.status).toBeLessThan(400)
    return body
  }

  const sendCall = (text: string, method: string, blocking = true) => ({
    method,
    params: {
      message: {
        kind: 'message',
        messageId: crypto.randomUUID(),
        role: 'user',
        parts: [{ kind: 'text', text }],
      },
      configuration: { blocking },
    },
    rest: {
      verb: 'POST',
      path: method === 'message/send' ? '/v1/message:send' : '/v1/message:stream',
      body: {
        message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', content: [{ text }] },
        configuration: { blocking },
      },
    },
  })

  describe.each(cells)(
    'a 0.3 client (raw requests) of a $agentVersion agent over $binding',
    ({ agentVersion, binding }) => {
      let taskId: string

      it('sends a message and gets the completed task', async () => {
        // Act
        const response = await legacyCall(agentVersion, binding, sendCall('quick', 'message/send'))

        // Assess
        const result = await resultOf(binding, response)
        const task = binding === 'JSONRPC' ? result : result.task
        taskId = task.id
        if (binding === 'JSONRPC') {
          expect(task).toMatchObject({ kind: 'task', status: { state: 'completed' } })
        } else expect(task).toMatchObject({ status: { state: 'TASK_STATE_COMPLETED' } })
      })

      it('streams a message as task, then status updates, the last one final', async () => {
        // Act
        const response = await legacyCall(
          agentVersion,
          binding,
          sendCall('quick', 'message/stream'),
        )

        // Assess
        expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
        const events: Record<string, unknown>[] = []
        for await (const event of sseEvents(response.body as ReadableStream<Uint8Array>)) {
          const data = JSON.parse(event.data)
          events.push(binding === 'JSONRPC' ? data.result : data)
        }
        if (binding === 'JSONRPC') {
          expect(events.map((event) => event.kind)).toEqual([
            'task',
            'status-update',
            'status-update',
          ])
          expect(events.at(-1)).toMatchObject({ final: true, status: { state: 'completed' } })
        } else {
          expect(events.map((event) => Object.keys(event)[0])).toEqual([
            'task',
            'statusUpdate',
            'statusUpdate',
          ])
          expect(events.at(-1)).toMatchObject({
            statusUpdate: { final: true, status: { state: 'TASK_STATE_COMPLETED' } },
          })
        }
      })

      it('gets the task', async () => {
        // Act
        const response = await legacyCall(agentVersion, binding, {
          method: 'tasks/get',
          params: { id: taskId },
          rest: { verb: 'GET', path: `/v1/tasks/${taskId}` },
        })

        // Assess
        const task = await resultOf(binding, response)
        expect(task.id).toBe(taskId)
        expect(task.status.state).toBe(binding === 'JSONRPC' ? 'completed' : 'TASK_STATE_COMPLETED')
      })

      it('cancels a running task', async () => {
        // Prepare
        const sent = await resultOf(
          binding,
          await legacyCall(agentVersion, binding, sendCall('slow', 'message/send', false)),
        )
        const id = binding === 'JSONRPC' ? sent.id : sent.task.id

        // Act
        const response = await legacyCall(agentVersion, binding, {
          method: 'tasks/cancel',
          params: { id },
          rest: { verb: 'POST', path: `/v1/tasks/${id}:cancel` },
        })

        // Assess
        const task = await resultOf(binding, response)
        expect(task.id).toBe(id)
        // 0.3's proto, which its HTTP+JSON speaks, spells it CANCELLED.
        expect(task.status.state).toBe(binding === 'JSONRPC' ? 'canceled' : 'TASK_STATE_CANCELLED')
      })

      it('reads a 0.3 card whose interfaces are the gateway', async () => {
        // Act
        const response = await fetch(
          `${stack.url}/agents/${agentIds[agentVersion]}/.well-known/agent-card.json`,
          { headers: { authorization: `Bearer ${token}`, 'a2a-version': '0.3' } },
        )

        // Assess
        const card = await response.json()
        expect(card).toMatchObject({
          protocolVersion: '0.3.0',
          url: `${stack.url}/agents/${agentIds[agentVersion]}`,
        })
        expect(card.additionalInterfaces).toContainEqual({
          url: `${stack.url}/agents/${agentIds[agentVersion]}`,
          transport: binding,
        })
        expect(card).not.toHaveProperty('supportedInterfaces')
      })

      it('reads a 0.3 card asked for by the A2A-Version request parameter, as calls take it', async () => {
        // Act
        const response = await fetch(
          `${stack.url}/agents/${agentIds[agentVersion]}/.well-known/agent-card.json?A2A-Version=0.3`,
          { headers: { authorization: `Bearer ${token}` } },
        )

        // Assess
        expect(await response.json()).toMatchObject({ protocolVersion: '0.3.0' })
      })

      it('gets the extended card in 0.3, pointing at the gateway', async () => {
        // Act
        const response = await legacyCall(agentVersion, binding, {
          method: 'agent/getAuthenticatedExtendedCard',
          params: {},
          rest: { verb: 'GET', path: '/v1/card' },
        })

        // Assess
        const card = await resultOf(binding, response)
        expect(card).toMatchObject({
          name: 'Matrix',
          url: `${stack.url}/agents/${agentIds[agentVersion]}`,
        })
        expect(card).not.toHaveProperty('supportedInterfaces')
      })

      it('hears TaskNotFound (-32001) for an unknown task, in 0.3’s error shape', async () => {
        // Act
        const response = await legacyCall(agentVersion, binding, {
          method: 'tasks/get',
          params: { id: 'no-such-task' },
          rest: { verb: 'GET', path: '/v1/tasks/no-such-task' },
        })

        // Assess
        const body = await response.json()
        if (binding === 'JSONRPC') expect(body.error).toMatchObject({ code: -32001 })
        else {
          expect(response.status).toBe(404)
          expect(body).toMatchObject({ code: -32001 })
        }
      })

      it('resubscribes to a running task and hears it end when canceled', async () => {
        // Prepare
        const sent = await resultOf(
          binding,
          await legacyCall(agentVersion, binding, sendCall('slow', 'message/send', false)),
        )
        const id = binding === 'JSONRPC' ? sent.id : sent.task.id
        const cancel = () =>
          legacyCall(agentVersion, binding, {
            method: 'tasks/cancel',
            params: { id },
            rest: { verb: 'POST', path: `/v1/tasks/${id}:cancel` },
          })

        // Act
        const response = await legacyCall(agentVersion, binding, {
          method: 'tasks/resubscribe',
          params: { id },
          rest: { verb: 'GET', path: `/v1/tasks/${id}:subscribe` },
        })
        const events: Record<string, unknown>[] = []
        for await (const event of sseEvents(response.body as ReadableStream<Uint8Array>)) {
          const data = JSON.parse(event.data)
          events.push(binding === 'JSONRPC' ? data.result : data)
          if (events.length === 1) await cancel()
        }

        // Assess
        if (binding === 'JSONRPC') {
          expect(events[0]).toMatchObject({ kind: 'task', id })
          expect(events.at(-1)).toMatchObject({ kind: 'status-update', final: true })
        } else {
          expect(events[0]).toMatchObject({ task: { id } })
          expect(events.at(-1)).toMatchObject({ statusUpdate: { final: true } })
        }
      })

      it('refuses a push config whose webhook is a metadata address, in 0.3’s shape too', async () => {
        // Act
        const set = await legacyCall(agentVersion, binding, {
          method: 'tasks/pushNotificationConfig/set',
          params: {
            taskId,
            pushNotificationConfig: { id: 'hook-2', url: 'http://169.254.169.254/latest' },
          },
          rest: {
            verb: 'POST',
            path: `/v1/tasks/${taskId}/pushNotificationConfigs`,
            body: {
              name: `tasks/${taskId}/pushNotificationConfigs/hook-2`,
              pushNotificationConfig: { id: 'hook-2', url: 'http://169.254.169.254/latest' },
            },
          },
        })

        // Assess
        const text = await set.text()
        expect(text).toMatch(/169\.254\.169\.254/)
        if (binding === 'JSONRPC') expect(JSON.parse(text).error.code).toBe(-32602)
        else expect(set.status).toBe(400)
      })

      // 0.3's specification text wraps the body as { config }; its proto's HTTP rule does not.
      it.runIf(binding === 'HTTP+JSON')(
        'refuses a push config whose webhook is a metadata address, wrapped as 0.3’s specification text shows it',
        async () => {
          // Act
          const set = await legacyCall(agentVersion, binding, {
            method: 'tasks/pushNotificationConfig/set',
            params: {},
            rest: {
              verb: 'POST',
              path: `/v1/tasks/${taskId}/pushNotificationConfigs`,
              body: {
                config: {
                  name: `tasks/${taskId}/pushNotificationConfigs/hook-3`,
                  pushNotificationConfig: { id: 'hook-3', url: 'http://169.254.169.254/latest' },
                },
              },
            },
          })

          // Assess: checked as any config is, never sent on to the agent for it to call
          expect(set.status).toBe(400)
          expect(await set.text()).toMatch(/169\.254\.169\.254/)
        },
      )

      it('sets and gets a push config in 0.3’s shape', async () => {
        // Prepare: a webhook the address policy lets through (a local one, in local mode)
        const webhook = await startWebhook()
        onTestFinished(() => webhook.stop())
        const config = { id: 'hook-1', url: webhook.url }

        // Act
        const set = await legacyCall(agentVersion, binding, {
          method: 'tasks/pushNotificationConfig/set',
          params: { taskId, pushNotificationConfig: config },
          rest: {
            verb: 'POST',
            path: `/v1/tasks/${taskId}/pushNotificationConfigs`,
            body: {
              name: `tasks/${taskId}/pushNotificationConfigs/hook-1`,
              pushNotificationConfig: config,
            },
          },
        })
        const got = await legacyCall(agentVersion, binding, {
          method: 'tasks/pushNotificationConfig/get',
          params: { id: taskId, pushNotificationConfigId: 'hook-1' },
          rest: { verb: 'GET', path: `/v1/tasks/${taskId}/pushNotificationConfigs/hook-1` },
        })

        // Assess
        const [setResult, gotResult] = [await resultOf(binding, set), await resultOf(binding, got)]
        for (const result of [setResult, gotResult]) {
          expect(result.pushNotificationConfig).toMatchObject({ id: 'hook-1', url: webhook.url })
          if (binding === 'JSONRPC') expect(result.taskId).toBe(taskId)
          else expect(result.name).toBe(`tasks/${taskId}/pushNotificationConfigs/hook-1`)
        }
      })
    },
  )
})
