import {
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTasksRequest,
  SendMessageRequest,
  SubscribeToTaskRequest,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk'
import type { Client } from '@a2a-js/sdk/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { eventKinds, gatewayClient, type Transport, textMessage } from '../support/a2a-client.ts'
import { startMatrixAgent } from '../support/matrix-agent.ts'
import { startWebhook } from '../support/push-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * Every A2A 1.0 operation, over each binding, through the gateway with the
 * official client. docs/a2a-conformance.md points at these tests.
 */
describe('A2A 1.0 operation matrix through the local gateway', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startMatrixAgent>>
  let token: string

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    agent = await startMatrixAgent()
    await registerAgents(stack, [
      { agentId: 'matrix', backendUrl: agent.url, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['matrix'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent.stop()
    await stack.stop()
  })

  const slowTask = async (client: Client) => {
    const request = SendMessageRequest.fromJSON({
      message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'slow' }] },
      configuration: { returnImmediately: true },
    })
    return (await client.sendMessage(request)) as { id: string }
  }

  describe.each<Transport>(['JSONRPC', 'HTTP+JSON'])('over %s', (transport) => {
    let client: Client
    let taskId: string
    beforeAll(async () => {
      client = await gatewayClient(`${stack.url}/agents/matrix/`, token, transport)
    })

    it('SendMessage', async () => {
      // Act
      const task = (await client.sendMessage(textMessage('quick'))) as {
        id: string
        status: { state: number }
      }

      // Assess
      taskId = task.id
      expect(task.id).toBeTruthy()
    })

    it('SendStreamingMessage', async () => {
      // Act
      const kinds = await eventKinds(client.sendMessageStream(textMessage('quick')))

      // Assess
      expect(kinds).toEqual(['task', 'statusUpdate', 'statusUpdate'])
    })

    it('GetTask', async () => {
      // Act
      const task = await client.getTask(GetTaskRequest.fromJSON({ id: taskId, historyLength: 1 }))

      // Assess
      expect(task.id).toBe(taskId)
    })

    it('ListTasks', async () => {
      // Act
      const listed = await client.listTasks(ListTasksRequest.fromJSON({ pageSize: 50 }))

      // Assess
      expect(listed.tasks.map((task) => task.id)).toContain(taskId)
    })

    it('CancelTask', async () => {
      // Prepare
      const { id } = await slowTask(client)

      // Act
      const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id }))

      // Assess
      expect(canceled.id).toBe(id)
    })

    it('SubscribeToTask', async () => {
      // Prepare
      const { id } = await slowTask(client)
      const kinds: string[] = []

      // Act
      const subscription = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }))
      for await (const event of subscription) {
        kinds.push(event.payload?.$case ?? '?')
        if (kinds.length === 1) await client.cancelTask(CancelTaskRequest.fromJSON({ id }))
      }

      // Assess
      expect(kinds[0]).toBe('task')
      expect(kinds.length).toBeGreaterThanOrEqual(2)
    })

    it('Create, Get, List and DeleteTaskPushNotificationConfig, each showing the client its own webhook', async () => {
      // Prepare: a webhook the address policy lets through (a local one, in local mode)
      const webhook = await startWebhook()

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
      await client.deleteTaskPushNotificationConfig(
        DeleteTaskPushNotificationConfigRequest.fromJSON({ taskId, id: 'hook-1' }),
      )
      const afterDelete = await client.listTaskPushNotificationConfig(
        ListTaskPushNotificationConfigsRequest.fromJSON({ taskId }),
      )

      // Assess
      expect(created.url).toBe(webhook.url)
      expect(fetched).toMatchObject({ id: 'hook-1', url: webhook.url })
      expect(listed.configs.map((config) => [config.id, config.url])).toEqual([
        ['hook-1', webhook.url],
      ])
      expect(afterDelete.configs).toEqual([])
      await webhook.stop()
    })

    it('GetExtendedAgentCard, rewritten like the public card', async () => {
      // Act
      const card = await client.getAgentCard()

      // Assess
      expect(card.skills.map((skill) => skill.id)).toContain('secret-skill')
      expect(card.supportedInterfaces.map((entry) => entry.url)).toEqual([
        `${stack.url}/agents/matrix`,
        `${stack.url}/agents/matrix`,
      ])
      expect(JSON.stringify(card)).not.toContain(agent.url)
    })
  })
})
