import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { adminCaller } from '../support/admin-api.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { putPermission, registerAgents } from '../support/stack-setup.ts'

/** A backend that numbers its tasks t-1, t-2… as many simple agents do, and notes who read one. */
const numberingAgent = async (label: string) => {
  let next = 1
  const reads: string[] = []
  const answer = (request: IncomingMessage, body: string, response: ServerResponse) => {
    const rpc = JSON.parse(body) as { id: unknown; method: string; params: { id?: string } }
    const task = (id: string) => ({
      id,
      contextId: `c-${id}`,
      status: { state: 'TASK_STATE_COMPLETED' },
      artifacts: [{ artifactId: 'a', parts: [{ text: `${label}'s data for ${id}` }] }],
    })
    response.writeHead(200, { 'content-type': 'application/json' })
    if (rpc.method === 'GetTask') reads.push(String(request.headers['x-switchboard-caller']))
    const result =
      rpc.method === 'SendMessage'
        ? { task: task(`t-${next++}`) }
        : rpc.method === 'GetTask'
          ? task(String(rpc.params.id))
          : undefined
    response.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result }))
  }
  return { ...(await startScriptedAgent({ bindings: ['JSONRPC'], answer })), reads }
}

/** The promise: what an admin removes is gone a second later. */
const oneSecondLater = () => new Promise((resolve) => setTimeout(resolve, 1100))

describe('an agent deleted and registered again under its id', () => {
  let stack: RunningStack
  let before: Awaited<ReturnType<typeof numberingAgent>>
  let after: Awaited<ReturnType<typeof numberingAgent>>

  beforeAll(async () => {
    stack = await startThrowawayStack()
    before = await numberingAgent('before')
    after = await numberingAgent('after')
  })
  afterAll(async () => {
    await before?.stop()
    await after?.stop()
    await stack?.stop()
  })

  it("inherits none of its tasks: the old creator reads no task of the new agent's, whose caller keeps its own", async () => {
    // Prepare: demo-client creates t-1 at the agent as first registered
    const url = `${stack.url}/agents/shared`
    const admin = adminCaller(() => ({ url: stack.url, token: adminToken }))
    const adminToken = await stack.token('admin-client')
    await registerAgents(stack, [
      { agentId: 'shared', backendUrl: before.url, agentCardUrl: before.cardUrl },
    ])
    await putPermission({ scope: 'calculator:invoke', agents: ['calculator', 'shared'] })
    const demo = await stack.token('demo-client')
    const first = await postA2A(url, demo, jsonRpc('SendMessage', textMessageParams('hi')))
    expect(await first.text()).toContain('"id":"t-1"')
    // Deleted, then registered again on another backend, which numbers its tasks alike
    expect((await admin('DELETE', '/admin/agents/shared')).status).toBe(204)
    await oneSecondLater()
    await registerAgents(stack, [
      { agentId: 'shared', backendUrl: after.url, agentCardUrl: after.cardUrl },
    ])
    await putPermission({ scope: 'weather:invoke', agents: ['weather', 'shared'] })
    await putPermission({ scope: 'calculator:invoke', agents: ['calculator', 'shared'] })
    await oneSecondLater()

    // Act: weather-client's first task there is t-1 too; demo-client asks for "its" t-1
    const other = await stack.token('weather-client')
    const sent = await postA2A(url, other, jsonRpc('SendMessage', textMessageParams('mine')))
    const read = await postA2A(
      url,
      await stack.token('demo-client'),
      jsonRpc('GetTask', { id: 't-1' }),
    )

    // Assess
    const sentText = await sent.text()
    expect(sent.status).toBe(200)
    expect(sentText).toContain("after's data for t-1")
    const readText = await read.text()
    expect(readText).not.toContain("after's data")
    expect(JSON.parse(readText)).toMatchObject({ error: { code: -32001 } })
    expect(after.reads).toEqual([])
  })

  it("routes a follow-up by its task to the agent that holds it now, not to the id's earlier registration", async () => {
    // Prepare: demo-client's t-1 at 'reborn' as first registered, then deleted and registered
    // again; and a t-1 of its own at 'elsewhere'
    const [first, again, elsewhere] = await Promise.all([
      numberingAgent('first'),
      numberingAgent('again'),
      numberingAgent('elsewhere'),
    ])
    const at = (agentId: string, backend: { url: string; cardUrl: string }) => ({
      agentId,
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
    })
    const adminToken = await stack.token('admin-client')
    const admin = adminCaller(() => ({ url: stack.url, token: adminToken }))
    const sendHi = async (agentId: string) =>
      (
        await postA2A(
          `${stack.url}/agents/${agentId}`,
          await stack.token('demo-client'),
          jsonRpc('SendMessage', textMessageParams('hi')),
        )
      ).text()
    try {
      await registerAgents(stack, [at('reborn', first), at('elsewhere', elsewhere)])
      await putPermission({
        scope: 'calculator:invoke',
        agents: ['calculator', 'reborn', 'elsewhere'],
      })
      await oneSecondLater()
      expect(await sendHi('reborn')).toContain('"id":"t-1"')
      expect((await admin('DELETE', '/admin/agents/reborn')).status).toBe(204)
      await oneSecondLater()
      await registerAgents(stack, [at('reborn', again)])
      await putPermission({
        scope: 'calculator:invoke',
        agents: ['calculator', 'reborn', 'elsewhere'],
      })
      await oneSecondLater()
      expect(await sendHi('elsewhere')).toContain('"id":"t-1"')

      // Act
      const followUp = await postA2A(
        `${stack.url}/route`,
        await stack.token('demo-client'),
        jsonRpc('SendMessage', {
          message: { messageId: 'm-2', role: 'ROLE_USER', taskId: 't-1', parts: [{ text: '?' }] },
        }),
      )

      // Assess: one holder, not "a task of yours at 2 agents"
      expect(followUp.status).toBe(200)
      expect(followUp.headers.get('x-switchboard-agent')).toBe('elsewhere')
    } finally {
      await Promise.all([first, again, elsewhere].map((agent) => agent.stop()))
    }
  })
})
