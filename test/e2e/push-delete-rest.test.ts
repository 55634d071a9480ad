import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startPushAgent, startWebhook } from '../support/push-agent.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * docs/architecture.md, "Push notifications through the gateway": once the agent has deleted a
 * config, its record goes and its callback answers 404. Over HTTP+JSON the agent's answer to the
 * DELETE may have no body (@a2a-js/sdk's REST server answers 204 No Content); a red-team review
 * found the record kept then, so the agent's pushes kept reaching the client's webhook after the
 * client had deleted the config.
 */
describe('a push config deleted through the gateway', () => {
  let stack: RunningStack
  let jsonRpcAgent: Awaited<ReturnType<typeof startPushAgent>>
  let restAgent: Awaited<ReturnType<typeof startScriptedAgent>>
  let token: string
  /** The configs the HTTP+JSON agent was given, as it was given them. */
  const restConfigs: { taskId: string; id: string; url: string; token?: string }[] = []
  let restTasks = 0

  const headers = () => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'a2a-version': '1.0',
  })

  /** An HTTP+JSON 1.0 agent that answers as @a2a-js/sdk's REST server does: DELETE is 204, no body. */
  const restAnswer = (request: IncomingMessage, body: string, response: ServerResponse) => {
    const path = request.url ?? ''
    if (request.method === 'POST' && path.endsWith('/message:send')) {
      restTasks++
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          task: {
            id: `rest-task-${restTasks}`,
            contextId: 'ctx',
            status: { state: 'TASK_STATE_WORKING' },
          },
        }),
      )
      return
    }
    const config = /\/tasks\/([^/]+)\/pushNotificationConfigs(?:\/([^/]+))?$/.exec(path)
    if (config && request.method === 'POST') {
      const given = { ...JSON.parse(body), taskId: config[1] }
      given.id ||= given.taskId
      restConfigs.push(given)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(given))
      return
    }
    if (config && request.method === 'DELETE') {
      response.writeHead(204).end()
      return
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end('{}')
  }

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
    jsonRpcAgent = await startPushAgent()
    restAgent = await startScriptedAgent({ bindings: ['HTTP+JSON'], answer: restAnswer })
    await registerAgents(stack, [
      {
        agentId: 'pusher',
        backendUrl: `${jsonRpcAgent.url}/rpc`,
        agentCardUrl: jsonRpcAgent.cardUrl,
      },
      {
        agentId: 'rest-pusher',
        backendUrl: `${restAgent.url}/rest`,
        agentCardUrl: restAgent.cardUrl,
      },
    ])
    await grantToDemoClient(['pusher', 'rest-pusher'])
    token = await stack.token('demo-client')
  }, 60_000)
  afterAll(async () => {
    await jsonRpcAgent?.stop()
    await restAgent?.stop()
    await stack?.stop()
  })

  it('deleted over JSON-RPC, its callback answers 404', async () => {
    // Prepare
    const webhook = await startWebhook()
    const sent = await postA2A(
      `${stack.url}/agents/pusher`,
      token,
      jsonRpc('SendMessage', textMessageParams('work')),
    )
    const taskId = (await sent.json()).result.task.id as string
    await postA2A(
      `${stack.url}/agents/pusher`,
      token,
      jsonRpc('CreateTaskPushNotificationConfig', { taskId, id: 'hook', url: webhook.url }),
    )
    const given = jsonRpcAgent.configs.find((config) => config.taskId === taskId)
    if (!given) throw new Error('no config given')

    // Act
    await postA2A(
      `${stack.url}/agents/pusher`,
      token,
      jsonRpc('DeleteTaskPushNotificationConfig', { taskId, id: 'hook' }),
    )
    const pushed = await jsonRpcAgent.push(given)

    // Assess
    expect(pushed.status).toBe(404)
    await webhook.stop()
  })

  it('refuses pushes to the callback of a config the client deleted over HTTP+JSON (agent answers 204)', async () => {
    // Prepare
    const webhook = await startWebhook()
    const sent = await fetch(`${stack.url}/agents/rest-pusher/message:send`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify(textMessageParams('work')),
    })
    const taskId = (await sent.json()).task.id as string
    const set = await fetch(
      `${stack.url}/agents/rest-pusher/tasks/${taskId}/pushNotificationConfigs`,
      {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ taskId, id: 'hook', url: webhook.url }),
      },
    )
    expect(set.ok).toBe(true)
    const given = restConfigs.find((config) => config.taskId === taskId)
    if (!given) throw new Error('no config given')

    // Act: the client deletes its config; the agent (which kept the callback) pushes anyway.
    const deleted = await fetch(
      `${stack.url}/agents/rest-pusher/tasks/${taskId}/pushNotificationConfigs/hook`,
      { method: 'DELETE', headers: headers() },
    )
    const pushed = await fetch(given.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-a2a-notification-token': given.token ?? '',
      },
      body: JSON.stringify({
        statusUpdate: { taskId, contextId: 'ctx', status: { state: 'TASK_STATE_COMPLETED' } },
      }),
    })

    // Any accepted push is delivered in the background: let it land before looking.
    await new Promise((resolve) => setTimeout(resolve, 500))

    // Assess
    expect(deleted.status).toBe(204)
    expect(webhook.hits.length, 'pushes delivered after the client deleted its config').toBe(0)
    expect(pushed.status, 'the callback of a deleted config took a push').toBe(404)
    await webhook.stop()
  })
})
