import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import {
  gatewayClient,
  postA2A,
  type Transport,
  textMessage,
  textsOf,
} from '../support/a2a-client.ts'

/** Questions that plainly belong to one sample agent, and what its answer must say. */
const percentage = { text: 'what is 15% of 80', agentId: 'calculator', answer: '12' }
const coat = { text: 'will I need a coat in Oslo in January', agentId: 'weather', answer: 'Oslo' }
const transports: Transport[] = ['JSONRPC', 'HTTP+JSON']

describe('automatic routing (/route) through the local gateway', () => {
  let stack: RunningStack
  let demo: string

  beforeAll(async () => {
    // Routes by meaning: the offline model, not the hashing embedder the test run sets.
    stack = await startThrowawayStack({ embedder: 'local' })
    demo = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  const message = (text: string) => ({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })
  const post = (path: string, body: unknown, token = demo) =>
    postA2A(`${stack.url}${path}`, token, body)

  /** A routed SendMessage or SendStreamingMessage as raw HTTP, so the response headers show. */
  const route = (transport: Transport, streaming: boolean, text: string, token = demo) =>
    transport === 'JSONRPC'
      ? post(
          '/route',
          {
            jsonrpc: '2.0',
            id: 1,
            method: streaming ? 'SendStreamingMessage' : 'SendMessage',
            params: message(text),
          },
          token,
        )
      : post(`/route/message:${streaming ? 'stream' : 'send'}`, message(text), token)

  const sampleAgent = (agentId: string) => {
    const agent = stack.agents.find((running) => running.agentId === agentId)
    if (!agent) throw new Error(`no sample agent ${agentId}`)
    return agent
  }

  it('sends a JSON-RPC message to the best-matching agent and names it', async () => {
    // Act
    const response = await post('/route', {
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: message('What is the weather forecast in Tokyo?'),
    })

    // Assess
    expect(response.status).toBe(200)
    expect(response.headers.get('x-switchboard-agent')).toBe('weather')
    expect(JSON.stringify(await response.json())).toContain('Tokyo')
  })

  it('routes over HTTP+JSON, streams included', async () => {
    // Act
    const unary = await post('/route/message:send', message('please calculate 2+2*3'))
    const stream = await post('/route/message:stream', message('weather forecast for Berlin'))

    // Assess
    expect(unary.headers.get('x-switchboard-agent')).toBe('calculator')
    expect(JSON.stringify(await unary.json())).toContain('"8"')
    expect(stream.headers.get('x-switchboard-agent')).toBe('weather')
    expect((await stream.text()).match(/^data: /gm)?.length).toBeGreaterThanOrEqual(3)
  })

  it('lists the closest candidates instead of guessing when nothing matches well enough', async () => {
    // Act
    const response = await post('/route/message:send', message('zqxj vbnm plokij'))

    // Assess
    expect(response.status).toBe(422)
    expect((await response.json()).error.message).toMatch(
      /No agent matches this message confidently/,
    )
  })

  it.each([
    { shape: 'no message', params: {}, says: /message is required/ },
    {
      shape: 'parts that are not a list',
      params: { message: { parts: 'hi' } },
      says: /message\.parts/,
    },
    {
      shape: 'a part that is not an object',
      params: { message: { parts: [null] } },
      says: /message\.parts\[0\] must be an object, got null/,
    },
    {
      shape: 'no text part',
      params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ data: { a: 1 } }] } },
      says: /no text part/,
    },
  ])(
    'refuses a message with $shape as invalid params in either binding',
    async ({ params, says }) => {
      // Act
      const jsonRpc = await post('/route', { jsonrpc: '2.0', id: 7, method: 'SendMessage', params })
      const rest = await post('/route/message:send', params)
      const stream = await post('/route/message:stream', params)

      // Assess
      expect(jsonRpc.status).toBe(200)
      const { id, error } = await jsonRpc.json()
      expect([id, error.code]).toEqual([7, -32602])
      expect(error.message).toMatch(says)
      for (const response of [rest, stream]) {
        expect(response.status).toBe(400)
        const body = await response.json()
        expect(body.error.status).toBe('INVALID_ARGUMENT')
        expect(body.error.message).toMatch(says)
      }
    },
  )

  it('never routes to an agent the caller may not use', async () => {
    // Prepare
    const weatherOnly = await stack.token('weather-client')

    // Act
    const response = await post(
      '/route/message:send',
      message('please calculate 2+2*3'),
      weatherOnly,
    )

    // Assess
    expect(response.headers.get('x-switchboard-agent')).not.toBe('calculator')
  })

  it('is an agent itself: the official client finds its card and sends through it', async () => {
    // Prepare
    const client = await gatewayClient(`${stack.url}/route/`, demo, 'JSONRPC')

    // Act
    const card = await client.getAgentCard()
    const result = await client.sendMessage(textMessage('What is the weather in Seoul?'))

    // Assess
    expect(card.name).toBe('Switchboard router')
    expect(textsOf(result).join('')).toContain('Seoul')
  })

  it('refuses a message sent as a form before routing it, naming no agent', async () => {
    // Act: what `curl -d` sends without a Content-Type.
    const response = await fetch(`${stack.url}/route/message:send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${demo}`,
        'a2a-version': '1.0',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: JSON.stringify(message(percentage.text)),
    })

    // Assess
    expect(response.status).toBe(400)
    expect(response.headers.get('x-switchboard-agent')).toBeNull()
    expect(response.headers.get('ratelimit-policy')).toBeNull()
    expect((await response.json()).error.message).toMatch(
      /^Unsupported Content-Type "application\/x-www-form-urlencoded": send the body as application\/json/,
    )
  })

  it("continues a task at the agent holding it, whatever the follow-up's text: a reply to a question reaches the agent that asked it", async () => {
    // Prepare: the weather agent asks for a city.
    const asked = await post('/route', {
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: message('what will the weather be like'),
    })
    const { task } = (await asked.json()).result
    const reply = (text: string) => ({
      message: {
        messageId: crypto.randomUUID(),
        role: 'ROLE_USER',
        taskId: task.id,
        contextId: task.contextId,
        parts: [{ text }],
      },
    })

    // Act: a reply that reads as a sum, and one to a task no agent holds.
    const answered = await post('/route/message:send', reply('Oslo 2+2'))
    const unknown = await post('/route/message:send', {
      message: { ...reply('Oslo').message, taskId: 'no-such-task' },
    })

    // Assess
    expect(asked.headers.get('x-switchboard-agent')).toBe('weather')
    expect(task.status.state).toBe('TASK_STATE_INPUT_REQUIRED')
    expect(answered.status).toBe(200)
    expect(answered.headers.get('x-switchboard-agent')).toBe('weather')
    const continued = (await answered.json()).task
    expect(continued.id).toBe(task.id)
    expect(JSON.stringify(continued)).toContain('Oslo')
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({
      error: { message: "Task 'no-such-task' was not found." },
    })
  })

  it('routes a 0.3 message over either binding, and serves its card in the version asked for', async () => {
    // Prepare: 0.3's HTTP+JSON keeps a message's parts in `content`, its JSON-RPC in `parts`.
    const legacy = { 'a2a-version': '0.3' }
    const rest = await fetch(`${stack.url}/route/v1/message:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        message: { messageId: 'r-1', role: 'ROLE_USER', content: [{ text: percentage.text }] },
      }),
    })
    const rpc = await post('/route', {
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: {
        message: {
          kind: 'message',
          messageId: 'r-2',
          role: 'user',
          parts: [{ kind: 'text', text: coat.text }],
        },
      },
    })

    // Act
    const [legacyCard, currentCard] = await Promise.all(
      [legacy, {}].map(async (version) =>
        (
          await fetch(`${stack.url}/route/.well-known/agent-card.json`, {
            headers: { authorization: `Bearer ${demo}`, ...version },
          })
        ).json(),
      ),
    )

    // Assess
    expect(rest.status).toBe(200)
    expect(rest.headers.get('x-switchboard-agent')).toBe(percentage.agentId)
    expect(JSON.stringify(await rest.json())).toContain(percentage.answer)
    expect(rpc.headers.get('x-switchboard-agent')).toBe(coat.agentId)
    expect(legacyCard).toMatchObject({ url: `${stack.url}/route`, protocolVersion: '0.3.0' })
    expect(legacyCard.supportedInterfaces).toBeUndefined()
    expect(currentCard.supportedInterfaces?.[0]).toMatchObject({ url: `${stack.url}/route` })
  })

  it('only sends messages', async () => {
    // Act
    const response = await fetch(`${stack.url}/route/tasks/t-1`, {
      headers: { authorization: `Bearer ${demo}`, 'a2a-version': '1.0' },
    })

    // Assess
    expect(response.status).toBe(400)
  })

  describe.each(transports)('with the official A2A client over %s', (transport) => {
    it.each([percentage, coat])(
      'sends $text to $agentId and returns its answer',
      async ({ text, answer }) => {
        // Prepare
        const client = await gatewayClient(`${stack.url}/route/`, demo, transport)

        // Act
        const result = await client.sendMessage(textMessage(text))

        // Assess
        expect(textsOf(result).join(' ')).toContain(answer)
      },
    )

    it.each([percentage, coat])(
      'streams $text from $agentId, event by event',
      async ({ text, answer }) => {
        // Prepare
        const client = await gatewayClient(`${stack.url}/route/`, demo, transport)

        // Act
        const events = []
        for await (const event of client.sendMessageStream(textMessage(text))) events.push(event)

        // Assess
        expect(events.length).toBeGreaterThanOrEqual(2)
        expect(textsOf(events).join(' ')).toContain(answer)
      },
    )
  })

  it.each(
    transports.flatMap((transport) =>
      [false, true].flatMap((streaming) =>
        [percentage, coat].map((question) => ({
          transport,
          mode: streaming ? 'streaming' : 'unary',
          streaming,
          ...question,
        })),
      ),
    ),
  )(
    'names $agentId as the agent that answered $text ($transport, $mode)',
    async ({ transport, streaming, text, agentId, answer }) => {
      // Prepare
      const requestsBefore = sampleAgent(agentId).requestCount()

      // Act
      const response = await route(transport, streaming, text)

      // Assess
      expect(response.status).toBe(200)
      expect(response.headers.get('x-switchboard-agent')).toBe(agentId)
      expect(await response.text()).toContain(answer)
      expect(sampleAgent(agentId).requestCount()).toBeGreaterThan(requestsBefore)
    },
  )

  it.each(
    transports.flatMap((transport) =>
      [false, true].map((streaming) => ({
        transport,
        streaming,
        mode: streaming ? 'streaming' : 'unary',
      })),
    ),
  )(
    'never hands a caller’s message to an agent it may not use ($transport, $mode)',
    async ({ transport, streaming }) => {
      // Prepare
      const weatherOnly = await stack.token('weather-client')
      const calculatorRequests = sampleAgent('calculator').requestCount()

      // Act
      const response = await route(transport, streaming, percentage.text, weatherOnly)

      // Assess: weather, its best permitted agent, answers, or it is told none fits.
      const body = await response.text()
      const outcome =
        response.status === 422
          ? `422 ${JSON.parse(body).error.message}`
          : `${response.status} ${response.headers.get('x-switchboard-agent')}`
      expect(outcome).toMatch(
        /^(200 weather|422 .*No agent matches this message confidently( \(it needs [^)]*\))?\. Closest: weather \(-?\d\.\d{3}\); call one at \/agents\/\{agentId\}\.)$/,
      )
      expect(outcome).not.toContain('calculator')
      expect(sampleAgent('calculator').requestCount()).toBe(calculatorRequests)
    },
  )
})
