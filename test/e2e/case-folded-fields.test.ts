import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { agentWithTaskOfA } from '../support/stack-setup.ts'

/**
 * Rule 9, "One reading of a request": a field's case. a2a-go, A2A's Go SDK, reads every request
 * with Go's encoding/json, which matches a key to a field whatever its case, and folds `ſ`
 * (U+017F) onto `s` and the Kelvin sign onto `k` besides; of two keys it matches to one field it
 * keeps the last. The gateway reads fields as A2A spells them. The agent below reads a request
 * as a2a-go does (`goField`) and keeps no store per caller of its own.
 */
describe('fields spelled in another case', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let tokenA: string
  let tokenB: string
  const taskOfA = 'task-of-a'
  const taskOfB = 'task-of-b'
  /** Every call the agent read: its method, the task its message names, the webhook it was given. */
  const received: { method: unknown; taskId: unknown; pushUrl: unknown }[] = []

  /** A key as Go's encoding/json matches it to a field. */
  const folded = (key: string) => key.toLowerCase().replaceAll('\u017f', 's')
  /** The field `name` of `object` as encoding/json reads it: any key it folds onto, the last kept. */
  const goField = (object: unknown, name: string): unknown => {
    if (typeof object !== 'object' || object === null) return undefined
    let value: unknown
    for (const [key, given] of Object.entries(object)) {
      if (folded(key) === folded(name)) value = given
    }
    return value
  }

  const answer = (_request: IncomingMessage, body: string, response: ServerResponse) => {
    const rpc = JSON.parse(body)
    const params = goField(rpc, 'params')
    const message = goField(params, 'message')
    const taskId = goField(message, 'taskId')
    received.push({
      method: goField(rpc, 'method'),
      taskId,
      pushUrl: goField(
        goField(goField(params, 'configuration'), 'taskPushNotificationConfig'),
        'url',
      ),
    })
    response.writeHead(200, { 'content-type': 'application/json' })
    if (rpc.method === 'ListTasks') {
      // B's own task by `id`, and A's by the `ID` a client reading as encoding/json keeps last
      response.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            tasks: [{ id: taskOfB, ID: taskOfA, status: { state: 'TASK_STATE_WORKING' } }],
          },
        }),
      )
      return
    }
    if (body.includes('a raw document')) {
      // A task as a raw MongoDB document holds it: `_id` beside its `id`, a field no reader folds onto `id`.
      response.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            task: {
              _id: '65f0c0ffee0000000000beef',
              id: 'task-from-a-document',
              contextId: 'ctx-b',
              status: { state: 'TASK_STATE_WORKING' },
            },
          },
        }),
      )
      return
    }
    if (body.includes('answer in another case')) {
      // A's task, named so that a client reading as encoding/json does reads it, and no other.
      response.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            Task: { ID: taskOfA, contextId: 'ctx-a', status: { state: 'TASK_STATE_WORKING' } },
          },
        }),
      )
      return
    }
    response.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: rpc.id,
        result: {
          task: {
            id:
              typeof taskId === 'string' && taskId
                ? taskId
                : body.includes('a task of my own')
                  ? taskOfB
                  : taskOfA,
            contextId: 'ctx-a',
            status: { state: 'TASK_STATE_WORKING' },
          },
        },
      }),
    )
  }

  beforeAll(async () => {
    stack = await startThrowawayStack()
    agent = await startScriptedAgent({ bindings: ['JSONRPC'], answer })
    ;({ tokenA, tokenB } = await agentWithTaskOfA(
      stack,
      { agentId: 'go-agent', backendUrl: `${agent.url}/rpc`, agentCardUrl: agent.cardUrl },
      taskOfA,
    ))
  }, 60_000)
  afterAll(async () => {
    await agent?.stop()
    await stack?.stop()
  })

  // `TASK_ID`, `Task_Id`: the proto name in another case, `task_id` to encoding/json reading into
  // protoc-gen-go's structs (tagged with the proto names).
  it.each([['TaskId'], ['TASKID'], ['ta\u017fkId'], ['TASK_ID'], ['Task_Id']])(
    "never lets caller B's message reach A's task when B spells message.taskId %s",
    async (spelling) => {
      // Prepare
      const params = textMessageParams('inject into A') as { message: Record<string, unknown> }
      params.message[spelling] = taskOfA
      const before = received.length

      // Act
      const answered = await (
        await postA2A(`${stack.url}/agents/go-agent`, tokenB, jsonRpc('SendMessage', params))
      ).json()

      // Assess: refused, the agent never read B's message into A's task
      expect(received.slice(before)).toEqual([])
      expect(answered.error?.code).toBe(-32602)
      expect(answered.error?.message).toContain(`'${spelling}' is spelled otherwise`)
    },
  )

  it("sends on a message whose metadata and data hold keys that differ only in case: the caller's own JSON, a map to every reader", async () => {
    // Prepare
    const params = textMessageParams('my data') as { message: Record<string, unknown> }
    params.message.metadata = { ID: 'upper', id: 'lower' }
    params.message.parts = [{ data: { Name: 'Ada', name: 'ada' } }]
    const before = received.length

    // Act: by caller A, whose task the agent answers with
    const answered = await postA2A(
      `${stack.url}/agents/go-agent`,
      tokenA,
      jsonRpc('SendMessage', params),
    )

    // Assess
    expect(answered.status).toBe(200)
    expect((await answered.json()).error).toBeUndefined()
    expect(received.slice(before)).toHaveLength(1)
  })

  it('refuses a call that names its method twice in two cases, one operation to the gateway and another to the agent', async () => {
    // Prepare: ListTasks names no task the gateway checks; SendMessage, kept last, continues A's
    const params = textMessageParams('inject into A') as { message: Record<string, unknown> }
    params.message.taskId = taskOfA
    const body = { jsonrpc: '2.0', id: 1, method: 'ListTasks', Method: 'SendMessage', params }
    const before = received.length

    // Act
    const answered = await (await postA2A(`${stack.url}/agents/go-agent`, tokenB, body)).json()

    // Assess
    expect(received.slice(before)).toEqual([])
    expect(answered.error?.code).toBe(-32600)
  })

  it("withholds from B an answer that names A's task in another case, as a2a-go's client reads it", async () => {
    // Act
    const answer = await postA2A(
      `${stack.url}/agents/go-agent`,
      tokenB,
      jsonRpc('SendMessage', textMessageParams('answer in another case')),
    )
    const text = await answer.text()

    // Assess
    expect(text).not.toContain(taskOfA)
    // and the caller is told what the agent got wrong, for its operator to mend
    expect(JSON.parse(text).error?.message).toBe(
      "Agent 'go-agent' answered with something some clients read otherwise ('task' spelled 'Task'); the gateway withheld it.",
    )
  })

  it('hands on an answer whose task carries `_id` beside its `id`: no reader takes one for the other', async () => {
    // Act
    const answered = await (
      await postA2A(
        `${stack.url}/agents/go-agent`,
        tokenB,
        jsonRpc('SendMessage', textMessageParams('a raw document')),
      )
    ).json()

    // Assess
    expect(answered.error).toBeUndefined()
    expect(answered.result?.task?.id).toBe('task-from-a-document')
  })

  it("withholds from B a ListTasks answer whose task of B's spells A's task as its ID, as a2a-go's client reads it", async () => {
    // Prepare: B's own task, recorded as B's
    const started = await (
      await postA2A(
        `${stack.url}/agents/go-agent`,
        tokenB,
        jsonRpc('SendMessage', textMessageParams('a task of my own')),
      )
    ).json()
    expect(started.result?.task?.id).toBe(taskOfB)

    // Act
    const listed = await postA2A(`${stack.url}/agents/go-agent`, tokenB, jsonRpc('ListTasks', {}))
    const text = await listed.text()

    // Assess
    expect(text).not.toContain(taskOfA)
    expect(JSON.parse(text).error?.message).toContain(
      "some clients read otherwise ('id' spelled 'ID')",
    )
  })

  it('refuses a webhook under a push config spelled with a long s, which the agent reads', async () => {
    // Prepare
    const params = textMessageParams('push to metadata') as Record<string, unknown>
    params.configuration = {
      'taskPu\u017fhNotificationConfig': { url: 'http://169.254.169.254/latest/meta-data' },
    }
    const before = received.length

    // Act
    const answered = await (
      await postA2A(`${stack.url}/agents/go-agent`, tokenB, jsonRpc('SendMessage', params))
    ).json()

    // Assess
    expect(received.slice(before)).toEqual([])
    expect(answered.error?.code).toBe(-32602)
  })
})
