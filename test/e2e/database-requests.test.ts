import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { postA2A } from '../support/a2a-client.ts'
import { watchDynamoOverlap } from '../support/dynamo-overlap.ts'
import { httpRequestsDuring } from '../support/http-requests.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, putPermission, registerAgents } from '../support/stack-setup.ts'

/**
 * What a warm call costs in DynamoDB requests, counted at the local database
 * (issue 20): the authorizer's answer cached by API Gateway, the agent record in
 * the handler's cache. Counts, not times. A unary SendMessage writes its
 * rate-limit counter and its task's owner; a stream also takes and gives back its
 * stream slot; GetTask reads the task's owner and writes the rate-limit counter.
 * The requests that do not wait for one another go at once (watched at the
 * client: which were in flight together, no timing), so a call waits for one
 * round trip before it is forwarded.
 */
describe('the DynamoDB requests of a warm call, through the local gateway', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let token: string
  let overlap: ReturnType<typeof watchDynamoOverlap>

  const taskOf = (id: string) => ({
    id,
    contextId: 'c-1',
    status: { state: 'TASK_STATE_COMPLETED' },
  })

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    agentId = 'counted',
    as = token,
  ) => {
    const response = await fetch(`${stack.url}/agents/${agentId}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${as}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    })
    const text = await response.text()
    expect(response.status, text).toBe(200)
    return text
  }

  const message = (extra: Record<string, string> = {}) => ({
    message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hi' }], ...extra },
  })
  const send = (kind: 'send' | 'stream', agentId?: string) =>
    call('POST', `/message:${kind}`, message(), agentId)

  /** The requests one call caused, per operation. */
  const countedDuring = async (act: () => Promise<unknown>) => {
    const before = stack.databaseRequests()
    await act()
    const after = stack.databaseRequests()
    return Object.fromEntries(
      Object.entries(after)
        .map(([operation, count]) => [operation, count - (before[operation] ?? 0)] as const)
        .filter(([, count]) => count > 0),
    )
  }
  const total = (requests: Record<string, number>) =>
    Object.values(requests).reduce((sum, count) => sum + count, 0)

  /**
   * The requests of a warm call of `act`'s kind, after a warm-up call of its own: the fewest of
   * three in a row. The agent record and the caller's token revocation are each read again once
   * their cache time (750 ms) is over, so on a loaded machine a call may fall on one of those
   * reads; each comes once per 750 ms, so of three calls in a row one is warm.
   */
  const requestsOf = async (act: () => Promise<unknown>) => {
    await act()
    const counts = []
    for (let i = 0; i < 3; i++) counts.push(await countedDuring(act))
    return counts.reduce((fewest, each) => (total(each) < total(fewest) ? each : fewest))
  }

  beforeAll(async () => {
    // One open stream per caller and agent: a slot left taken refuses the next stream.
    process.env.MAX_CONCURRENT_STREAMS = '1'
    agent = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, body, response) => {
        // A message may ask for the task it is answered with (one another caller created).
        const asked = body ? JSON.parse(body).message?.metadata?.answerWith : undefined
        const task = taskOf(asked ?? randomUUID())
        if (request.url?.endsWith('/message:stream')) {
          response.writeHead(200, { 'content-type': 'text/event-stream' })
          response.end(`data: ${JSON.stringify({ task })}\n\n`)
          return
        }
        const read = /\/tasks\/([^/]+)$/.exec(request.url ?? '')
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(read ? taskOf(read[1] as string) : { task }))
      },
    })
    stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 300 })
    await registerAgents(stack, [
      { agentId: 'counted', backendUrl: `${agent.url}/rest`, agentCardUrl: agent.cardUrl },
      // Never called before its own test: its record is not in the handler's cache.
      { agentId: 'uncached', backendUrl: `${agent.url}/rest`, agentCardUrl: agent.cardUrl },
    ])
    await grantToDemoClient(['counted', 'uncached'])
    token = await stack.token('demo-client')
    overlap = watchDynamoOverlap()
  })
  afterAll(async () => {
    overlap?.stop()
    await stack?.stop()
    await agent?.stop()
  })

  it('a warm unary SendMessage costs two writes: its rate-limit counter and its task owner', async () => {
    // Prepare: the warm-up is inside requestsOf

    // Act
    const requests = await requestsOf(() => send('send'))

    // Assess
    expect(requests).toEqual({ UpdateItem: 2 })
  })

  it('sends a warm unary SendMessage’s writes to the database over its channel, no HTTP request, each counted there', async () => {
    // Prepare
    await send('send')
    const database = new URL(process.env.DYNAMODB_ENDPOINT as string).host
    const before = stack.databaseRequests()

    // Act
    const hosts = await httpRequestsDuring(() => send('send'))

    // Assess: the agent was called over HTTP; the database was not, yet counted both writes.
    expect(hosts).toContain(new URL(agent.url).host)
    expect(hosts).not.toContain(database)
    expect((stack.databaseRequests().UpdateItem ?? 0) - (before.UpdateItem ?? 0)).toBe(2)
  })

  it('a warm streaming SendMessage costs four writes: rate limit, task owner, stream slot taken and given back', async () => {
    // Prepare: the warm-up is inside requestsOf

    // Act
    const requests = await requestsOf(() => send('stream'))

    // Assess
    expect(requests).toEqual({ UpdateItem: 4 })
  })

  it("a warm GetTask costs one read of the task's owner and one rate-limit write", async () => {
    // Prepare
    const taskId = JSON.parse(await send('send')).task.id as string

    // Act
    const requests = await requestsOf(() => call('GET', `/tasks/${taskId}`))

    // Assess
    expect(requests).toEqual({ GetItem: 1, UpdateItem: 1 })
  })

  it('a warm GetTask sends its task-owner read and its rate-limit write at once: two in flight', async () => {
    // Prepare
    const taskId = JSON.parse(await send('send')).task.id as string
    await call('GET', `/tasks/${taskId}`)

    // Act
    const seen = await overlap.during(() => call('GET', `/tasks/${taskId}`))

    // Assess
    expect(seen).toEqual({ peak: 2, pairs: ['Get task-owners + Update rate-limits'] })
  })

  it('a warm streaming SendMessage takes its stream slot only once its rate-limit write has let it through', async () => {
    // Prepare
    await send('stream')

    // Act
    const seen = await overlap.during(() => send('stream'))

    // Assess: a slot a refused call held for one round trip could refuse a stream the cap had
    // room for, so the two writes never overlap.
    expect(seen.pairs).not.toContain('Update rate-limits + Update stream-slots')
  })

  it("records a stream's task owner before it gives back the stream slot: the two writes never overlap", async () => {
    // Prepare: the agent sends its one event and ends at once, so the stream's end is
    // there while the task's owner is still being recorded
    await send('stream')

    // Act
    const seen = await overlap.during(() => send('stream'))

    // Assess: the slot goes back once the event is through, not beside the owner's write
    expect(seen.pairs).not.toContain('Update stream-slots + Update task-owners')
  })

  it("reads an agent's record missing from the cache beside the rate-limit write", async () => {
    // Prepare: 'uncached' has not been called yet

    // Act
    const seen = await overlap.during(() => send('send', 'uncached'))

    // Assess
    expect(seen.pairs).toContain('Get agents + Update rate-limits')
  })

  it("gives back the slot of a stream whose last event names another caller's task, so the next stream opens under a cap of one", async () => {
    // Prepare: weather-client creates a task; the agent names it again in demo-client's stream
    await putPermission({ scope: 'weather:invoke', agents: ['weather', 'counted'] })
    const other = await stack.token('weather-client')
    const theirs = randomUUID()
    const naming = { message: { ...message().message, metadata: { answerWith: theirs } } }
    expect(await call('POST', '/message:send', naming, 'counted', other)).toContain(theirs)

    // Act
    const withheld = await call('POST', '/message:stream', naming)
    const next = await send('stream')

    // Assess
    expect(withheld).toContain('answered with a task another caller created')
    expect(withheld).not.toContain(theirs)
    expect(next).toContain('TASK_STATE_COMPLETED')
  })

  it('gives back the slot of a stream whose push webhook is refused, so the next stream opens under a cap of one', async () => {
    // Prepare: an inline push config whose webhook the address policy refuses
    const refused = await postA2A(`${stack.url}/agents/counted/message:stream`, token, {
      ...message(),
      configuration: {
        pushNotificationConfig: { url: 'http://169.254.169.254/latest/meta-data' },
      },
    })
    expect(await refused.text()).toContain('The push notification URL')

    // Act
    const next = await send('stream')

    // Assess
    expect(next).toContain('TASK_STATE_COMPLETED')
  })

  it('gives back the slot of a stream refused as TaskNotFound, so the next stream opens under a cap of one', async () => {
    // Prepare
    const refused = await postA2A(
      `${stack.url}/agents/counted/message:stream`,
      token,
      message({ taskId: randomUUID() }),
    )
    expect(refused.status).toBe(404)

    // Act
    const next = await send('stream')

    // Assess
    expect(next).toContain('TASK_STATE_COMPLETED')
  })
})
