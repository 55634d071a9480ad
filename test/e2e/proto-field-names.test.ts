import type { IncomingMessage, ServerResponse } from 'node:http'
import { SendMessageRequest } from '@a2a-js/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { agentWithTaskOfA } from '../support/stack-setup.ts'

/**
 * Rule 9, "One reading of a request": A2A 1.0's JSON is ProtoJSON, whose parsers take a field by
 * its JSON name or by its proto name (`message.task_id` is `message.taskId`,
 * `configuration.task_push_notification_config` is `configuration.taskPushNotificationConfig`):
 * @a2a-js/sdk's server (ts-proto `fromJSON`) does, and so do protobuf's Python, Go and Java
 * parsers. The gateway's checks once read the JSON names only, so a red-team review could send
 * caller B's message into caller A's task, and hand the agent a webhook the policy refuses. The
 * agent below reads each request as @a2a-js/sdk's server does (`SendMessageRequest.fromJSON`) and
 * keeps no store per caller of its own.
 */
describe('fields spelled by their proto names', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let tokenA: string
  let tokenB: string
  const taskOfA = 'task-of-a'
  /** Every SendMessage the agent got, as the SDK reads it, with the caller the gateway named. */
  const received: { caller: string | undefined; taskId: string; pushUrl?: string }[] = []
  /** Every body the agent got, as sent. */
  const bodies: string[] = []

  const answer = (request: IncomingMessage, body: string, response: ServerResponse) => {
    bodies.push(body)
    const rpc = JSON.parse(body)
    response.writeHead(200, { 'content-type': 'application/json' })
    if (rpc.method !== 'SendMessage') {
      response.end(
        JSON.stringify({ jsonrpc: '2.0', id: rpc.id, error: { code: -32601, message: 'no' } }),
      )
      return
    }
    if (body.includes('name A task thrice')) {
      // A's task id given plainly, then escaped with another id, then plainly again: every client
      // reads the last, A's task.
      response.end(
        `{"jsonrpc":"2.0","id":${JSON.stringify(rpc.id)},"result":{"task":{"id":"${taskOfA}","\\u0069d":"task-of-b","id":"${taskOfA}","contextId":"ctx-a","status":{"state":"TASK_STATE_WORKING"}}}}`,
      )
      return
    }
    const read = SendMessageRequest.fromJSON(rpc.params)
    const taskId = read.message?.taskId || taskOfA
    received.push({
      caller: request.headers['x-switchboard-caller'] as string | undefined,
      taskId,
      ...(read.configuration?.taskPushNotificationConfig
        ? { pushUrl: read.configuration.taskPushNotificationConfig.url }
        : {}),
    })
    response.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: rpc.id,
        result: {
          task: { id: taskId, contextId: 'ctx-a', status: { state: 'TASK_STATE_WORKING' } },
        },
      }),
    )
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({ bindings: ['JSONRPC'], answer })
    ;({ tokenA, tokenB } = await agentWithTaskOfA(
      stack,
      { agentId: 'protojson-agent', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
      taskOfA,
    ))
  }, 60_000)
  afterAll(async () => {
    await agent?.stop()
    await stack?.stop()
  })

  it("answers caller B naming A's task as message.taskId with TaskNotFound, the agent untouched", async () => {
    // Prepare
    const params = textMessageParams('continue it') as { message: Record<string, unknown> }
    params.message.taskId = taskOfA
    const before = received.length

    // Act
    const answered = await (
      await postA2A(`${stack.url}/agents/protojson-agent`, tokenB, jsonRpc('SendMessage', params))
    ).json()

    // Assess
    expect(answered.error?.code).toBe(-32001)
    expect(received.length).toBe(before)
  })

  it("never lets caller B's message reach A's task when B spells it message.task_id", async () => {
    // Prepare: the same message, the task id under its proto name.
    const params = textMessageParams('inject into A') as { message: Record<string, unknown> }
    params.message.task_id = taskOfA
    const before = received.length

    // Act
    const answered = await (
      await postA2A(`${stack.url}/agents/protojson-agent`, tokenB, jsonRpc('SendMessage', params))
    ).json()

    // Assess: refused as the camelCase spelling is, and the agent never read B's message into A's task.
    const intoA = received.slice(before).filter(({ taskId }) => taskId === taskOfA)
    expect(intoA, `the agent read B's message as one for ${taskOfA}`).toEqual([])
    expect(answered.error?.code).toBe(-32001)
  })

  it('refuses a push webhook at the metadata address with -32602, the agent untouched', async () => {
    // Prepare
    const params = textMessageParams('push me') as Record<string, unknown>
    params.configuration = {
      taskPushNotificationConfig: { url: 'http://169.254.169.254/latest/meta-data/' },
    }
    const before = received.length

    // Act
    const answered = await (
      await postA2A(`${stack.url}/agents/protojson-agent`, tokenA, jsonRpc('SendMessage', params))
    ).json()

    // Assess
    expect(answered.error?.code).toBe(-32602)
    expect(received.length).toBe(before)
  })

  it('never hands the agent a webhook the policy refuses, spelled task_push_notification_config', async () => {
    // Prepare: the same config under its proto name.
    const params = textMessageParams('push me') as Record<string, unknown>
    params.configuration = {
      task_push_notification_config: { url: 'http://169.254.169.254/latest/meta-data/' },
    }
    const before = received.length

    // Act
    const answered = await (
      await postA2A(`${stack.url}/agents/protojson-agent`, tokenA, jsonRpc('SendMessage', params))
    ).json()

    // Assess: the agent never learns a client webhook, least of all a refused one.
    const pushUrls = received.slice(before).map(({ pushUrl }) => pushUrl)
    expect(pushUrls).not.toContain('http://169.254.169.254/latest/meta-data/')
    expect(answered.error?.code).toBe(-32602)
  })

  /**
   * Node 24's JSON.parse (nodejs/node#63785) reads a key spelled with an escape as its first
   * characters as written once an object parsed before had those as a key at the same place. A
   * caller's own earlier request can so prime the gateway's process: `primerKey` is that key, the
   * escape's first characters; `probeKey` the field's name with its second character escaped.
   */
  const escapedAfterPrimer = (field: string) => {
    const probeKey = `${field[0]}\\u${(field.charCodeAt(1) as number).toString(16).padStart(4, '0')}${field.slice(2)}`
    return { probeKey, primerKey: JSON.stringify(probeKey.slice(0, field.length)).slice(1, -1) }
  }
  /** A JSON-RPC SendMessage as raw text, `"KEY"` in `shape` replaced by the key as written. */
  const postRaw = (token: string, shape: unknown, key: string) =>
    fetch(`${stack.url}/agents/protojson-agent`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify(jsonRpc('SendMessage', shape)).replace('"KEY"', `"${key}"`),
    })

  it("never lets caller B's message reach A's task when B escapes taskId after priming the gateway's parser", async () => {
    // Prepare: B's first request names the escape's first characters where taskId goes
    const { probeKey, primerKey } = escapedAfterPrimer('taskId')
    const params = textMessageParams('inject into A') as { message: Record<string, unknown> }
    const shape = {
      message: {
        messageId: 'm-escaped',
        role: 'ROLE_USER',
        KEY: taskOfA,
        parts: params.message.parts,
      },
    }
    await (await postRaw(tokenB, shape, primerKey)).text()
    const before = bodies.length

    // Act
    const answered = await (await postRaw(tokenB, shape, probeKey)).json()

    // Assess: the agent reads `t\u0061skId` as taskId, so no body naming A's task so may reach it
    const intoA = bodies.slice(before).filter((body) => body.includes(`"${probeKey}":"${taskOfA}"`))
    expect(intoA, `the agent got B's message for ${taskOfA}`).toEqual([])
    expect(answered.error?.code).toBe(-32001)
  })

  it("withholds from caller B an answer naming A's task by an id given plainly, escaped with another, then plainly", async () => {
    // Act
    const answered = await postA2A(
      `${stack.url}/agents/protojson-agent`,
      tokenB,
      jsonRpc('SendMessage', textMessageParams('name A task thrice')),
    )
    const text = await answered.text()

    // Assess: a client reads the last id, A's task, so the gateway must read it too
    expect(text).not.toContain(taskOfA)
    expect(JSON.parse(text).error?.message).toContain('a task another caller created')
  })

  it('never hands the agent a refused webhook whose config key is escaped after priming the parser', async () => {
    // Prepare
    const { probeKey, primerKey } = escapedAfterPrimer('taskPushNotificationConfig')
    const params = textMessageParams('push me') as Record<string, unknown>
    const shape = {
      ...params,
      // After a key of its own: the first key of an object is looked up among every first key read.
      configuration: {
        acceptedOutputModes: ['text/plain'],
        KEY: { url: 'http://169.254.169.254/latest/meta-data/' },
      },
    }
    await (await postRaw(tokenA, shape, primerKey)).text()
    const before = bodies.length

    // Act
    const answered = await (await postRaw(tokenA, shape, probeKey)).json()

    // Assess
    const withWebhook = bodies.slice(before).filter((body) => body.includes('169.254.169.254'))
    expect(withWebhook).toEqual([])
    expect(answered.error?.code).toBe(-32602)
  })
})
