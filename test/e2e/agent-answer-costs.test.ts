import type { IncomingMessage, ServerResponse } from 'node:http'
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { tableName } from '../../lib/tables.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/**
 * What an agent's answer makes the gateway read and write on its caller's behalf, counted at the
 * local database: on AWS each read of a task's owner is a strongly consistent read, each record a
 * write, billed to the operator whatever the agent sends.
 */
describe("what an agent's answer costs the gateway, through the local gateway", () => {
  let stack: RunningStack
  let token: string
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let answer: (request: IncomingMessage, body: string, response: ServerResponse) => void = (
    _request,
    _body,
    response,
  ) => response.end()

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({
      bindings: ['JSONRPC'],
      answer: (request, body, response) => answer(request, body, response),
    })
    await registerAgents(stack, [
      { agentId: 'lister', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['lister'])
    token = await stack.token('demo-client')
  })
  afterAll(async () => {
    await agent?.stop()
    await stack?.stop()
  })

  /** The database requests, by operation, that `act` caused. */
  const requestsOf = async (act: () => Promise<Response>) => {
    const before = stack.databaseRequests()
    const response = await act()
    const body = await response.text()
    const requests = Object.fromEntries(
      Object.entries(stack.databaseRequests())
        .map(([operation, count]) => [operation, count - (before[operation] ?? 0)] as const)
        .filter(([, count]) => count > 0),
    )
    return { status: response.status, body, requests }
  }

  /** The agent's failed calls of `operation`, as the local gateway's metrics count them. */
  const callFailures = async (operation: string) => {
    const metrics = await (await fetch(`${stack.url}/metrics`)).text()
    const line = metrics
      .split('\n')
      .find((line) =>
        line.startsWith(
          `switchboard_call_failures_total{agent="lister",operation="${operation}"} `,
        ),
      )
    return line === undefined ? 0 : Number(line.split(' ').at(-1))
  }

  /** An agent that answers ListTasks with `count` tasks (ids '0', '1', … 'a', …), none the caller's. */
  const listing = (count: number) => {
    answer = (_request, body, response) => {
      const { id } = JSON.parse(body) as { id: unknown }
      const tasks = Array.from({ length: count }, (_, i) => ({
        id: i.toString(36),
        contextId: 'c',
        status: { state: 'TASK_STATE_COMPLETED' },
      }))
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ jsonrpc: '2.0', id, result: { tasks, nextPageToken: '' } }))
    }
  }
  const listTasks = () =>
    postA2A(`${stack.url}/agents/lister`, token, jsonRpc('ListTasks', { pageSize: 100 }))

  it('reads the owners of a ListTasks page of 100 tasks, A2A’s most, in one batch', async () => {
    // Prepare
    listing(100)

    // Act
    const listed = await requestsOf(listTasks)

    // Assess: none of them the caller's, so none shown; one read of their owners.
    expect(JSON.parse(listed.body).result.tasks).toEqual([])
    expect(listed.requests.BatchGetItem).toBeLessThanOrEqual(2)
  })

  it('withholds a ListTasks answer of more tasks than a page holds, reading none of their owners', async () => {
    // Prepare: 50,000 tasks in 2.6 MB, within the 10 MiB an answer may carry; they read 500
    // batches of owners (50,000 consistent reads) for one call before this bound.
    listing(1)
    const page = await requestsOf(listTasks)
    listing(50_000)
    const failedBefore = await callFailures('ListTasks')

    // Act
    const listed = await requestsOf(listTasks)

    // Assess: the agent's fault (-32052, the agent's 502 in JSON-RPC), and no more reads than for a page of one.
    expect(JSON.parse(listed.body).error).toMatchObject({
      code: -32052,
      message: expect.stringContaining('more than the 100 tasks'),
    })
    expect(listed.requests.BatchGetItem ?? 0).toBeLessThanOrEqual(page.requests.BatchGetItem ?? 0)
    expect(await callFailures('ListTasks')).toBe(failedBefore + 1)
  })

  /** An agent whose stream names `count` tasks, each in an event of its own, then ends. */
  const streamingTasks = (count: number) => {
    answer = (_request, body, response) => {
      const { id } = JSON.parse(body) as { id: unknown }
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      for (let i = 0; i < count; i++) {
        const statusUpdate = {
          taskId: `s-${i}`,
          contextId: 'c',
          status: { state: i === count - 1 ? 'TASK_STATE_COMPLETED' : 'TASK_STATE_WORKING' },
        }
        response.write(
          `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { statusUpdate } })}\n\n`,
        )
      }
      response.end()
    }
  }
  const stream = () =>
    postA2A(
      `${stack.url}/agents/lister`,
      token,
      jsonRpc('SendStreamingMessage', textMessageParams('hi')),
    )

  it('records at most 100 tasks one stream names, ending it with the agent’s error past them', async () => {
    // Prepare: 2,000 tasks in one stream were 2,000 conditional writes (each kept 30 days)
    // before this bound.
    streamingTasks(2_000)
    const failedBefore = await callFailures('SendStreamingMessage')

    // Act
    const streamed = await requestsOf(stream)

    // Assess: the first 100 recorded and passed on; then the stream's error event, the agent's.
    expect(streamed.status).toBe(200)
    expect(streamed.body).toContain('"taskId":"s-99"')
    expect(streamed.body).not.toContain('"taskId":"s-100"')
    expect(streamed.body).toContain('more than 100 tasks')
    expect(streamed.requests.UpdateItem ?? 0).toBeLessThanOrEqual(100 + 5)
    expect(await callFailures('SendStreamingMessage')).toBe(failedBefore + 1)
  })

  it('passes a stream naming 100 tasks whole', async () => {
    // Prepare
    streamingTasks(100)

    // Act
    const streamed = await requestsOf(stream)

    // Assess
    expect(streamed.body).toContain('"taskId":"s-99"')
    expect(streamed.body).toContain('TASK_STATE_COMPLETED')
    expect(streamed.body).not.toContain('"error"')
  })

  it('passes a stream naming its one task in 300 events of one chunk whole', async () => {
    // Prepare: the events at once, so the gateway reads them in one chunk
    answer = (_request, body, response) => {
      const { id } = JSON.parse(body) as { id: unknown }
      const event = (state: string) => {
        const statusUpdate = { taskId: 's-one', contextId: 'c', status: { state } }
        return `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { statusUpdate } })}\n\n`
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.end(
        `${Array.from({ length: 299 }, () => event('TASK_STATE_WORKING')).join('')}${event('TASK_STATE_COMPLETED')}`,
      )
    }

    // Act
    const streamed = await requestsOf(stream)

    // Assess
    expect(streamed.body).toContain('TASK_STATE_COMPLETED')
    expect(streamed.body).not.toContain('"error"')
  })

  /** The push configs the gateway keeps for `taskId`, each as many bytes as its JSON. */
  const pushConfigsOf = async (taskId: string) => {
    const database = createDocumentClient({
      region: 'us-east-1',
      dynamoDbEndpoint: process.env.DYNAMODB_ENDPOINT,
    })
    try {
      const { Items } = await database.send(
        new ScanCommand({
          TableName: tableName('pushConfigs', process.env.TABLE_PREFIX as string),
        }),
      )
      return (Items ?? []).filter((item) => item.taskId === taskId)
    } finally {
      database.destroy()
    }
  }

  it('keeps no push config its agent refused to set, where none stood before it', async () => {
    // Prepare: an agent that starts tasks and refuses every push config, as one without push
    // notifications does; a task of the caller's on it.
    answer = (_request, body, response) => {
      const { id, method } = JSON.parse(body) as { id: unknown; method: string }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify(
          method === 'CreateTaskPushNotificationConfig'
            ? {
                jsonrpc: '2.0',
                id,
                error: { code: -32003, message: 'Push Notification is not supported' },
              }
            : {
                jsonrpc: '2.0',
                id,
                result: {
                  task: { id: 't-push', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } },
                },
              },
        ),
      )
    }
    const url = `${stack.url}/agents/lister`
    await (await postA2A(url, token, jsonRpc('SendMessage', textMessageParams('hi')))).text()

    // Act: ten configs of some 13 KB each (a long URL, token and credentials), each its own id:
    // until this fix each was kept 30 days though the agent never held it.
    const answers = []
    for (let i = 0; i < 10; i++) {
      const created = await postA2A(
        url,
        token,
        jsonRpc('CreateTaskPushNotificationConfig', {
          taskId: 't-push',
          id: `cfg-${i}`,
          url: `http://127.0.0.1:9/${'p'.repeat(1_900)}`,
          token: 't'.repeat(4_000),
          authentication: { scheme: 'Bearer', credentials: 'c'.repeat(7_000) },
        }),
      )
      answers.push(JSON.parse(await created.text()))
    }

    // Assess: the agent's refusal reaches the caller, and nothing of the ten is kept.
    expect(answers.map((answer) => answer.error?.code)).toEqual(Array(10).fill(-32003))
    expect(await pushConfigsOf('t-push')).toEqual([])
  })

  it('withholds a push-config answer naming more than 100 callbacks not the caller’s, reading some 100 of them', async () => {
    // Prepare: a task of the caller's; then an agent that lists 20,000 configs, each naming a
    // callback of its own (each was one strongly consistent read of a config before this bound).
    answer = (_request, body, response) => {
      const { id } = JSON.parse(body) as { id: unknown }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          result: {
            task: { id: 't-listed', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } },
          },
        }),
      )
    }
    const url = `${stack.url}/agents/lister`
    await (await postA2A(url, token, jsonRpc('SendMessage', textMessageParams('hi')))).text()
    const listingConfigs = (count: number) => {
      answer = (_request, body, response) => {
        const { id } = JSON.parse(body) as { id: unknown }
        const configs = Array.from({ length: count }, (_, i) => ({
          taskId: 't-listed',
          id: `c-${i}`,
          url: `${stack.url}/push/made-up-config-${String(i).padStart(6, '0')}`,
          token: 'secret',
        }))
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ jsonrpc: '2.0', id, result: { configs } }))
      }
    }
    const list = () =>
      postA2A(url, token, jsonRpc('ListTaskPushNotificationConfigs', { taskId: 't-listed' }))
    listingConfigs(100)
    const hundred = await requestsOf(list)
    listingConfigs(20_000)
    const failedBefore = await callFailures('ListTaskPushNotificationConfigs')

    // Act
    const listed = await requestsOf(list)

    // Assess: 100 are read as before (none is the caller's, so none is shown); 20,000 are the
    // agent's fault, refused at the 101st, once the reads in flight (8 at most) have ended.
    expect(JSON.parse(hundred.body).result.configs).toHaveLength(100)
    expect(hundred.requests.GetItem ?? 0).toBeGreaterThanOrEqual(100)
    expect(JSON.parse(listed.body).error).toMatchObject({
      code: -32052,
      message: expect.stringContaining('more than 100'),
    })
    expect(listed.requests.GetItem ?? 0).toBeLessThanOrEqual(100 + 8 + 5)
    // Counted where the agent-failures alarm looks: the agent's answer, not the caller's call.
    expect(await callFailures('ListTaskPushNotificationConfigs')).toBe(failedBefore + 1)
  })

  it('shows a task’s 150 push configs its caller set, listed whole as @a2a-js/sdk’s servers list them', async () => {
    // Prepare: an agent that keeps every config it is given and lists them all, pageSize aside
    // (@a2a-js/sdk 1.3.0's `listTaskPushNotificationConfigs`); a caller allowed the calls.
    await grantToDemoClient(['lister'], { requestsPerMinute: 1_000 })
    const kept: unknown[] = []
    answer = (_request, body, response) => {
      const { id, method, params } = JSON.parse(body) as {
        id: unknown
        method: string
        params: unknown
      }
      if (method === 'CreateTaskPushNotificationConfig') kept.push(params)
      const result =
        method === 'CreateTaskPushNotificationConfig'
          ? params
          : method === 'ListTaskPushNotificationConfigs'
            ? { configs: kept, nextPageToken: '' }
            : { task: { id: 't-many', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ jsonrpc: '2.0', id, result }))
    }
    const url = `${stack.url}/agents/lister`
    await (await postA2A(url, token, jsonRpc('SendMessage', textMessageParams('hi')))).text()
    for (let i = 0; i < 150; i++) {
      const created = await postA2A(
        url,
        token,
        jsonRpc('CreateTaskPushNotificationConfig', {
          taskId: 't-many',
          id: `hook-${i}`,
          url: `http://127.0.0.1:9/hooks/${i}`,
        }),
      )
      const text = await created.text()
      expect(JSON.parse(text).result?.url, text).toBe(`http://127.0.0.1:9/hooks/${i}`)
    }
    const failedBefore = await callFailures('ListTaskPushNotificationConfigs')

    // Act
    const listed = await requestsOf(() =>
      postA2A(url, token, jsonRpc('ListTaskPushNotificationConfigs', { taskId: 't-many' })),
    )

    // Assess: each shown with the webhook its caller set, and no failure of the agent's counted
    const configs = JSON.parse(listed.body).result?.configs as { url: string }[] | undefined
    expect(
      configs?.map((config) => config.url),
      listed.body.slice(0, 300),
    ).toEqual(Array.from({ length: 150 }, (_, i) => `http://127.0.0.1:9/hooks/${i}`))
    expect(await callFailures('ListTaskPushNotificationConfigs')).toBe(failedBefore)
  })
})
