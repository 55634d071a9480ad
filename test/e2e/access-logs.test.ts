import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { requestLogLine } from '../../local/gateway.ts'
import { clientCredentials } from '../../local/seed.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { signInOverHttp } from '../support/browser.ts'
import { captureOutput } from '../support/captured-output.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

/** The backend credential registered with the agent: it must reach the agent and no log. */
const apiKey = 'test-api-key-9f2c1e7b4d'

describe('access logs, one line per request, and no secret or token in any log', () => {
  let stack: RunningStack
  let agent: Awaited<ReturnType<typeof startScriptedAgent>>
  let written: string[] = []
  const keysSeen: (string | undefined)[] = []
  const traceparentsSeen: (string | undefined)[] = []
  const before = process.env.POWERTOOLS_LOG_LEVEL

  beforeAll(async () => {
    // Everything the handlers log, down to debug lines.
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG'
    written = captureOutput()
    // With the request log `npm start` prints, one line per request.
    stack = await startThrowawayStack({
      onRequest: (line) => process.stdout.write(`${requestLogLine(line)}\n`),
    })
    agent = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, _body, response) => {
        keysSeen.push(request.headers['x-api-key'] as string | undefined)
        traceparentsSeen.push(request.headers.traceparent as string | undefined)
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            id: 't-1',
            contextId: 'c-1',
            status: { state: 'TASK_STATE_COMPLETED' },
          }),
        )
      },
    })
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await agent.stop()
    await stack.stop()
    if (before === undefined) delete process.env.POWERTOOLS_LOG_LEVEL
    else process.env.POWERTOOLS_LOG_LEVEL = before
  })

  /** The access lines written so far. */
  const accessLines = () =>
    written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{') && line.includes('"message":"access"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)

  it('logs no backend secret, client secret or bearer token, whatever the calls', async () => {
    // Prepare: the secrets this run handles.
    const demo = clientCredentials('demo-client')
    const admin = clientCredentials('admin-client')

    // Act: the token endpoint, a registration carrying a backend credential, calls
    // (granted, streamed, refused), discovery and admin reads.
    const issued = await fetch(`${stack.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: demo.clientId,
        client_secret: demo.clientSecret,
      }),
    })
    const { access_token: token } = (await issued.json()) as { access_token: string }
    const adminToken = await stack.token('admin-client')
    await registerAgents(stack, [
      {
        agentId: 'keyed',
        backendUrl: agent.url,
        agentCardUrl: agent.cardUrl,
        auth: { type: 'api_key', apiKey },
      },
    ])
    await grantToDemoClient(['keyed'], { taskAccess: 'all' })
    const calls = [
      await fetch(`${stack.url}/agents/keyed/tasks/t-1`, {
        headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' },
      }),
      await postA2A(
        `${stack.url}/agents/calculator`,
        token,
        jsonRpc('SendMessage', textMessageParams('2+2')),
      ),
      await postA2A(
        `${stack.url}/agents/calculator/message:stream`,
        token,
        textMessageParams('3*3'),
      ),
      await postA2A(`${stack.url}/agents/calculator`, `${token}x`, jsonRpc('SendMessage', {})),
      await fetch(`${stack.url}/agents`, { headers: { authorization: `Bearer ${token}` } }),
      await fetch(`${stack.url}/admin/agents/keyed`, {
        headers: { authorization: `Bearer ${adminToken}` },
      }),
    ]
    for (const response of calls) await response.arrayBuffer()
    const output = written.join('')

    // Assess: the key went to the agent, and nowhere in the log (which did capture the run).
    expect(keysSeen).toContain(apiKey)
    expect(output).toContain('"target":"keyed"')
    expect(output).toContain('"message":"access"')
    expect(calls.map((response) => response.status)).toEqual([200, 200, 200, 401, 200, 200])
    for (const secret of [apiKey, demo.clientSecret, admin.clientSecret, token, adminToken]) {
      expect(output).not.toContain(secret)
    }
    expect(output).not.toMatch(/Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./)
  })

  it("logs no OAuth client's secret, created or rotated, nor a person's password, authorization code or PKCE verifier", async () => {
    // Prepare
    const adminToken = await stack.token('admin-client')
    const admin = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: response.status, body: (await response.json()) as Record<string, string> }
    }
    const tokenWith = async (clientId: string, clientSecret: string) => {
      const response = await fetch(`${stack.url}/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        }),
      })
      return { status: response.status, ...((await response.json()) as { access_token: string }) }
    }

    // Act: a client created, used, rotated and used again; a person signed in to the
    // console (form, callback, code traded with its verifier) who then reads the fleet.
    const created = await admin('POST', '/admin/clients', {
      name: 'log check app',
      scopes: ['weather:invoke'],
    })
    const clientId = created.body.clientId as string
    const firstToken = await tokenWith(clientId, created.body.clientSecret as string)
    const rotated = await admin('POST', `/admin/clients/${clientId}/rotate-secret`)
    const secondToken = await tokenWith(clientId, rotated.body.clientSecret as string)
    const person = await signInOverHttp(stack.url, 'operator')
    const fleet = await fetch(`${stack.url}/admin/agents`, {
      headers: { authorization: `Bearer ${person.token}` },
    })
    await fleet.arrayBuffer()
    const output = written.join('')

    // Assess: every step worked, the request log captured the callback, and no secret is in any log.
    expect([created.status, firstToken.status, rotated.status, secondToken.status]).toEqual([
      201, 200, 200, 200,
    ])
    expect([person.callbackStatus, fleet.status]).toEqual([200, 200])
    const secrets = {
      createdSecret: created.body.clientSecret,
      rotatedSecret: rotated.body.clientSecret,
      firstToken: firstToken.access_token,
      secondToken: secondToken.access_token,
      password: person.password,
      code: person.code,
      verifier: person.verifier,
      personToken: person.token,
    }
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret, name).toBeTruthy()
      expect(output.includes(secret as string), `${name} in the log`).toBe(false)
    }
    expect(output).toMatch(/ GET \/console\/callback 200 /)
    expect(output).toContain(' POST /oauth2/authorize 302 ')
  })

  it('writes one line per forwarded call, the access line, with principal, agent, operation, binding, status, duration, bytes, request id and the agent’s status', async () => {
    // Prepare
    const token = await stack.token('demo-client')

    // Act
    const response = await postA2A(
      `${stack.url}/agents/calculator`,
      token,
      jsonRpc('SendMessage', textMessageParams('6*7')),
    )
    const body = await response.text()
    const requestId = response.headers.get('x-amzn-requestid')

    // Assess
    const lines = accessLines().filter((line) => line.correlation_id === requestId)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      method: 'POST',
      route: '/agents/{agentId}',
      principal: 'demo-client',
      agent: 'calculator',
      operation: 'SendMessage',
      binding: 'JSONRPC',
      status: 200,
      bytes: Buffer.byteLength(body),
      agentStatus: 200,
    })
    expect(lines[0]?.durationMs).toBeTypeOf('number')
    expect(lines[0]?.agentMs).toBeTypeOf('number')
    expect(lines[0]).not.toHaveProperty('error')
    expect(written.join('')).not.toContain('"call forwarded"')
  })

  it('writes a stream’s access line when the stream has ended, with the bytes it sent and the chunks it relayed', async () => {
    // Prepare
    const token = await stack.token('demo-client')

    // Act
    const response = await postA2A(
      `${stack.url}/agents/calculator/message:stream`,
      token,
      textMessageParams('sqrt(16)'),
    )
    const body = await response.text()
    const requestId = response.headers.get('x-amzn-requestid')

    // Assess
    const [line] = accessLines().filter((entry) => entry.correlation_id === requestId)
    expect(line).toMatchObject({
      operation: 'SendStreamingMessage',
      binding: 'HTTP+JSON',
      status: 200,
      bytes: Buffer.byteLength(body),
      agentStatus: 200,
      chunks: expect.any(Number),
    })
    expect(line?.chunks).toBeGreaterThan(0)
  })

  it('names the span the agent got as its parent, so the agent’s own line of the call can be found', async () => {
    // Prepare: a caller that reuses one trace for every call
    const token = await stack.token('demo-client')
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const send = () =>
      fetch(`${stack.url}/agents/keyed/message:send`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'a2a-version': '1.0',
          traceparent,
        },
        body: JSON.stringify({
          message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hi' }] },
        }),
      })

    // Act
    const answers = [await send(), await send()]
    for (const answer of answers) await answer.arrayBuffer()

    // Assess: one trace, two spans, each line naming the one its agent saw
    const seen = traceparentsSeen.slice(-2).map((header) => header?.split('-')[2])
    const lines = answers.map((answer) =>
      accessLines().find((line) => line.correlation_id === answer.headers.get('x-amzn-requestid')),
    )
    expect(lines.map((line) => line?.spanId)).toEqual(seen)
    expect(new Set(seen).size).toBe(2)
  })

  it('names who asked which agent on the line of a call refused as it was read (a body that is no JSON)', async () => {
    // Prepare
    const token = await stack.token('demo-client')

    // Act
    const response = await fetch(`${stack.url}/agents/calculator`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"jsonrpc": "2.0", oops',
    })
    await response.arrayBuffer()

    // Assess
    const [line] = accessLines().filter(
      (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
    )
    expect(line).toMatchObject({ principal: 'demo-client', agent: 'calculator' })
    expect(line).not.toHaveProperty('agentStatus')
  })

  it.each([
    ['a call its grant does not cover', 'forbidden', 'SendMessage', 'weather', 'auditor-client'],
    [
      'params that are no SendMessage',
      'invalid-params',
      'SendMessage',
      'calculator',
      'demo-client',
    ],
  ])(
    'names why the gateway refused %s on its line (%s)',
    async (_what, reason, method, agentId, client) => {
      // Prepare
      const token = await stack.token(client)
      const params =
        reason === 'invalid-params'
          ? { message: { messageId: 'm', role: 'ROLE_BOGUS', parts: [{ text: 'hi' }] } }
          : textMessageParams('hello')

      // Act
      const response = await postA2A(
        `${stack.url}/agents/${agentId}`,
        token,
        jsonRpc(method, params),
      )
      await response.arrayBuffer()

      // Assess
      const [line] = accessLines().filter(
        (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
      )
      expect(line).toMatchObject({ agent: agentId, reason })
    },
  )

  it('names no reason on the line of a call that was served', () => {
    // Assess: every line of the forwarded calls above
    const served = accessLines().filter((line) => line.agentStatus === 200)
    expect(served.length).toBeGreaterThan(0)
    for (const line of served) expect(line).not.toHaveProperty('reason')
  })

  describe('what counts as a call to the agent, and as its failure', () => {
    let failing: Awaited<ReturnType<typeof startScriptedAgent>>
    let token: string
    const counter = async (name: string, agentId: string, operation = 'SendMessage') => {
      const text = await (await fetch(`${stack.url}/metrics`)).text()
      const found = text.match(
        new RegExp(
          `^switchboard_${name}_total\\{agent="${agentId}",operation="${operation}"\\} (\\d+)$`,
          'm',
        ),
      )
      return Number(found?.[1] ?? 0)
    }
    const send = async (method: string) => {
      const response = await postA2A(
        `${stack.url}/agents/failing`,
        token,
        jsonRpc(method, method === 'SendMessage' ? textMessageParams('hello') : {}),
      )
      return { response, body: await response.json() }
    }

    beforeAll(async () => {
      // An agent whose handler fails, answered as the A2A SDKs answer it: HTTP 200, -32603; a
      // stream with one error event.
      failing = await startScriptedAgent({
        bindings: ['JSONRPC'],
        answer: (_request, body, response) => {
          const { id = null, method } = JSON.parse(body || '{}') as {
            id?: unknown
            method?: string
          }
          const failed = JSON.stringify({
            jsonrpc: '2.0',
            id,
            error: { code: -32603, message: 'Internal error: db down' },
          })
          if (body.includes('codeless')) {
            // An error with no code: @a2a-js/sdk's client throws on any `error` key all the same.
            const codeless = JSON.stringify({ jsonrpc: '2.0', id, error: { message: 'boom' } })
            const stream = method === 'SendStreamingMessage'
            response.writeHead(200, {
              'content-type': stream ? 'text/event-stream' : 'application/json',
            })
            response.end(stream ? `data: ${codeless}\n\n` : codeless)
            return
          }
          if (body.includes('too-large-for-me')) {
            // Fastify's own answer to a body past its bodyLimit (1 MiB by default): no A2A error,
            // an `error` of words, as @fastify/rate-limit's 429 is too.
            response.writeHead(413, { 'content-type': 'application/json' })
            response.end(
              JSON.stringify({
                statusCode: 413,
                code: 'FST_ERR_CTP_BODY_TOO_LARGE',
                error: 'Payload Too Large',
                message: 'Request body is too large',
              }),
            )
            return
          }
          if (body.includes('garbled')) {
            // An answer no A2A client can read: a proxy's page, as an HTTP 200.
            response.writeHead(200, { 'content-type': 'text/html' })
            response.end('<html>upstream hiccup</html>')
            return
          }
          if (method === 'ListTasks') {
            // It refuses the gateway's credentials (none here), quoting them back in its text.
            response.writeHead(401, { 'www-authenticate': 'Bearer realm="failing"' })
            response.end('no valid token given: (none)')
            return
          }
          if (method === 'SendStreamingMessage') {
            response.writeHead(200, { 'content-type': 'text/event-stream' })
            response.end(`data: ${failed}\n\n`)
            return
          }
          response.writeHead(200, { 'content-type': 'application/json' })
          response.end(failed)
        },
      })
      await registerAgents(stack, [
        { agentId: 'failing', backendUrl: failing.url, agentCardUrl: failing.cardUrl },
      ])
      await grantToDemoClient(['failing'])
      token = await stack.token('demo-client')
    })
    afterAll(() => failing.stop())

    it('counts an agent’s JSON-RPC internal error, sent with HTTP 200, as a failed call, and logs its code', async () => {
      // Prepare
      const failuresBefore = await counter('call_failures', 'failing')

      // Act
      const { response, body } = await send('SendMessage')

      // Assess
      expect(body.error.code).toBe(-32603)
      expect(await counter('call_failures', 'failing')).toBe(failuresBefore + 1)
      const [line] = accessLines().filter(
        (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
      )
      expect(line).toMatchObject({ status: 200, agentStatus: 200, agentErrorCode: -32603 })
    })

    it.each([
      ['SendMessage', 'its answer'],
      ['SendStreamingMessage', 'an event of its stream'],
    ])(
      'counts an agent’s %s error with no code (in %s) as a failed call, says why on the access line and relays it as it came',
      async (method) => {
        // Prepare
        const failuresBefore = await counter('call_failures', 'failing', method)

        // Act
        const response = await postA2A(
          `${stack.url}/agents/failing`,
          token,
          jsonRpc(method, textMessageParams('codeless')),
        )
        const text = await response.text()

        // Assess: until the 29th session counted as a success, with nothing on the line
        expect(text).toContain('{"jsonrpc":"2.0","id":1,"error":{"message":"boom"}}')
        expect(await counter('call_failures', 'failing', method)).toBe(failuresBefore + 1)
        const [line] = accessLines().filter(
          (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
        )
        expect(line).toMatchObject({ status: 200, agentStatus: 200, agentErrorUncoded: 'no code' })
      },
    )

    it('leaves an agent’s 413 whose body names an error without a code to its status: the caller’s request, relayed and on the line, no failure of the agent’s', async () => {
      // Prepare
      const callsBefore = await counter('calls', 'failing')
      const failuresBefore = await counter('call_failures', 'failing')

      // Act
      const response = await postA2A(
        `${stack.url}/agents/failing`,
        token,
        jsonRpc('SendMessage', textMessageParams('too-large-for-me')),
      )
      const text = await response.text()

      // Assess: until a review of the 29th session counted as the agent's failure
      expect(response.status).toBe(413)
      expect(text).toContain('"error":"Payload Too Large"')
      expect(await counter('calls', 'failing')).toBe(callsBefore + 1)
      expect(await counter('call_failures', 'failing')).toBe(failuresBefore)
      const [line] = accessLines().filter(
        (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
      )
      expect(line).toMatchObject({ agentStatus: 413, agentErrorUncoded: 'no error object' })
    })

    it.each([
      [
        'an HTTP+JSON caller’s call, translated',
        'message:send',
        textMessageParams('too-large-for-me'),
      ],
      ['a skill call', undefined, jsonRpc('echo', { text: 'too-large-for-me' })],
    ])(
      'answers that 413, to %s, with the agent’s status: no failure of the agent’s',
      async (_what, path, body) => {
        // Prepare
        const callsBefore = await counter('calls', 'failing')
        const failuresBefore = await counter('call_failures', 'failing')

        // Act
        const url = `${stack.url}/agents/failing${path ? `/${path}` : ''}`
        const response = await postA2A(url, token, body)
        const text = await response.text()

        // Assess: until the 30th session a 500 (HTTP+JSON) or HTTP 200 (a skill call), and counted
        expect(response.status).toBe(413)
        expect(text).toContain(
          'The agent refused the request (HTTP 413): Request body is too large',
        )
        expect(await counter('calls', 'failing')).toBe(callsBefore + 1)
        expect(await counter('call_failures', 'failing')).toBe(failuresBefore)
        const [line] = accessLines().filter(
          (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
        )
        expect(line).toMatchObject({ status: 413, agentStatus: 413 })
      },
    )

    it('counts an agent refusing the gateway’s credentials as a failed call, its status on the access line and its challenge on the warning', async () => {
      // Prepare
      const failuresBefore = await counter('call_failures', 'failing', 'ListTasks')

      // Act
      const { response } = await send('ListTasks')

      // Assess: the caller's 502; the agent's 401 and challenge for the operator, not its text.
      expect(response.status).toBe(502)
      expect(await counter('call_failures', 'failing', 'ListTasks')).toBe(failuresBefore + 1)
      const requestId = response.headers.get('x-amzn-requestid')
      const [line] = accessLines().filter((entry) => entry.correlation_id === requestId)
      expect(line).toMatchObject({ status: 502, agentStatus: 401 })
      const warning = written
        .flatMap((chunk) => chunk.split('\n'))
        .filter((entry) => entry.includes('"message":"agent call failed"'))
        .map((entry) => JSON.parse(entry) as Record<string, unknown>)
        .find((entry) => entry.correlation_id === requestId)
      expect(warning?.cause).toBe('WWW-Authenticate: Bearer realm="failing"')
      expect(JSON.stringify(warning)).not.toContain('no valid token given')
    })

    it('logs why the gateway refused an agent’s answer translated to the caller’s binding', async () => {
      // Act: an HTTP+JSON caller, so the agent's JSON-RPC answer is translated, and it is no JSON
      const response = await postA2A(
        `${stack.url}/agents/failing/message:send`,
        token,
        textMessageParams('garbled'),
      )
      const body = (await response.json()) as { error: { message: string } }

      // Assess: the reason the caller got is on the call's one line, where until 7 December 2026
      // only the code was (and over HTTP+JSON, not even that)
      expect(body.error.message).toBe('The agent answered with something other than JSON.')
      const [line] = accessLines().filter(
        (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
      )
      expect(line).toMatchObject({
        agentStatus: response.status,
        invalidAnswer: 'The agent answered with something other than JSON.',
      })
    })

    it('counts a stream whose agent ends it with a JSON-RPC internal error as a failed call', async () => {
      // Prepare
      const before = await counter('call_failures', 'failing', 'SendStreamingMessage')

      // Act
      const response = await postA2A(
        `${stack.url}/agents/failing`,
        token,
        jsonRpc('SendStreamingMessage', textMessageParams('hello')),
      )
      const events = await response.text()

      // Assess
      expect(events).toContain('-32603')
      expect(await counter('call_failures', 'failing', 'SendStreamingMessage')).toBe(before + 1)
      const [line] = accessLines().filter(
        (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
      )
      expect(line).toMatchObject({ agentStatus: 200, agentErrorCode: -32603 })
    })

    it('counts that stream as failed for an HTTP+JSON caller too, its error event translated', async () => {
      // Prepare
      const before = await counter('call_failures', 'failing', 'SendStreamingMessage')

      // Act
      const response = await postA2A(
        `${stack.url}/agents/failing/message:stream`,
        token,
        textMessageParams('hello'),
      )
      const events = await response.text()

      // Assess: A2A's HTTP+JSON error event, status 500, counted as the agent's failure
      expect(events).toContain('event: error')
      expect(await counter('call_failures', 'failing', 'SendStreamingMessage')).toBe(before + 1)
      const [line] = accessLines().filter(
        (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
      )
      expect(line).toMatchObject({ binding: 'HTTP+JSON', agentErrorCode: 500 })
    })

    it('counts no call to the agent for a method that is neither an A2A method nor its skill', async () => {
      // Prepare
      const callsBefore = await counter('calls', 'failing')

      // Act
      const { response, body } = await send('get_stock_price')

      // Assess: the gateway's -32601, the agent never asked, nothing counted as its call
      expect(body.error.code).toBe(-32601)
      expect(await counter('calls', 'failing')).toBe(callsBefore)
      const [line] = accessLines().filter(
        (entry) => entry.correlation_id === response.headers.get('x-amzn-requestid'),
      )
      expect(line).not.toHaveProperty('agentStatus')
    })
  })

  it('writes the access line of a refused request and of the discovery and admin routes', async () => {
    // Prepare
    const token = await stack.token('demo-client')
    const adminToken = await stack.token('admin-client')

    // Act
    const refused = await fetch(`${stack.url}/agents/weather/.well-known/agent-card.json`, {
      headers: { authorization: 'Bearer not-a-token' },
    })
    const listed = await fetch(`${stack.url}/agents`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const read = await fetch(`${stack.url}/admin/agents/weather`, {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    for (const response of [refused, listed, read]) await response.arrayBuffer()
    const lineOf = (response: Response) =>
      accessLines().find((line) => line.correlation_id === response.headers.get('x-amzn-requestid'))

    // Assess
    expect(lineOf(refused)).toMatchObject({ status: 401, agent: 'weather' })
    expect(lineOf(listed)).toMatchObject({
      route: '/agents',
      principal: 'demo-client',
      status: 200,
    })
    expect(lineOf(read)).toMatchObject({
      route: '/admin/agents/{agentId}',
      principal: 'admin-client',
      agent: 'weather',
      status: 200,
    })
  })

  it('writes the access line of a stream the caller abandoned with the forward’s error, once the stream has ended', async () => {
    // Prepare: an agent that sends one event and holds its stream open.
    const held = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        response.write(
          `data: ${JSON.stringify({ statusUpdate: { taskId: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } } })}\n\n`,
        )
      },
    })
    await registerAgents(stack, [
      { agentId: 'held', backendUrl: held.url, agentCardUrl: held.cardUrl },
    ])
    await grantToDemoClient(['keyed', 'held'], { taskAccess: 'all' })
    const token = await stack.token('demo-client')
    const caller = new AbortController()

    // Act
    const response = await fetch(`${stack.url}/agents/held/message:stream`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'a2a-version': '1.0',
        'content-type': 'application/json',
      },
      body: JSON.stringify(textMessageParams('hold on')),
      signal: caller.signal,
    })
    const requestId = response.headers.get('x-amzn-requestid')
    await response.body?.getReader().read()
    caller.abort()
    const lineOf = () => accessLines().find((line) => line.correlation_id === requestId)
    for (let i = 0; i < 250 && !lineOf(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await held.stop()

    // Assess
    expect(lineOf()).toMatchObject({
      agent: 'held',
      operation: 'SendStreamingMessage',
      agentStatus: 200,
      chunks: 1,
      error: expect.any(String),
    })
  })
})
