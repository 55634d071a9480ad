import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { LeanDocumentClient } from '../../lib/dynamo.ts'
import { routes } from '../../lib/routes.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { adminCaller } from '../support/admin-api.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { tokenFor } from '../support/client-credentials.ts'
import { invoke, sampleEvent } from '../support/events.ts'
import { codeBlocks, readmeSection } from '../support/readme.ts'

describe('the admin API through the local gateway', () => {
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let admin: string

  beforeAll(async () => {
    // Authorizer results cached for 1 s, as API Gateway caches them for its TTL.
    stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 1 })
    backend = await startCardServer()
    backend.serve(validCard(backend.url))
    admin = await stack.token('admin-client')
  })
  afterAll(async () => {
    await backend.stop()
    await stack.stop()
  })

  const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
  const secretArns = async () => {
    try {
      return Object.keys(JSON.parse(await readFile(join(stack.stateDir, 'secrets.json'), 'utf8')))
    } catch {
      return []
    }
  }
  const withSecret = (agentId: string, apiKey: string) => ({
    agentId,
    backendUrl: backend.url,
    agentCardUrl: backend.cardUrl,
    auth: { type: 'api_key', apiKey },
  })

  it('records in the audit trail each permission a deleted agent is taken out of, in the delete’s request', async () => {
    // Prepare: the agent granted beside another, and alone
    const registered = await adminCall('POST', '/admin/register', {
      agentId: 'leaving',
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
    })
    expect(registered.status).toBe(201)
    for (const [scope, agents] of [
      ['leaving:shared', ['leaving', 'weather']],
      ['leaving:alone', ['leaving']],
    ] as const) {
      await adminCall('PUT', `/admin/scopes/${scope}`, { description: 'for the test' })
      const put = await adminCall('PUT', `/admin/permissions/${scope}`, {
        agents,
        agentLimits: { leaving: 5 },
      })
      expect(put.status).toBe(200)
    }

    // Act
    const deleted = await adminCall('DELETE', '/admin/agents/leaving')

    // Assess: the two permission changes beside the delete, in its request
    expect(deleted.status).toBe(204)
    const requestId = deleted.headers.get('x-amzn-requestid')
    const { entries } = await (await adminCall('GET', '/admin/audit?limit=20')).json()
    const ofDelete = entries.filter((entry: { requestId: string }) => entry.requestId === requestId)
    expect(
      ofDelete.map(
        ({ action, target }: { action: string; target: string }) => `${action} ${target}`,
      ),
    ).toEqual(
      expect.arrayContaining([
        'agent.delete leaving',
        'permission.put leaving:shared',
        'permission.delete leaving:alone',
      ]),
    )
    const byAgent = await (await adminCall('GET', '/admin/audit?agentId=leaving&limit=20')).json()
    expect(
      byAgent.entries
        .filter((entry: { requestId: string }) => entry.requestId === requestId)
        .map(({ action }: { action: string }) => action)
        .sort(),
    ).toEqual(['agent.delete', 'permission.delete', 'permission.put'])
    const shared = ofDelete.find((entry: { target: string }) => entry.target === 'leaving:shared')
    expect(shared.before).toMatchObject({
      agents: ['leaving', 'weather'],
      agentLimits: { leaving: 5 },
    })
    expect(shared.after.agents).toEqual(['weather'])
    expect(shared.after.agentLimits ?? {}).toEqual({})
  })

  it('records in the audit trail an agent a PUT of a permission takes out again, deleted between its check and its write', async () => {
    // Prepare: the agent's delete runs to its end just as the PUT, its agents found registered,
    // writes the permission (the delete found no permission naming the agent to take it out of).
    const registered = await adminCall('POST', '/admin/register', {
      agentId: 'crossing',
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
    })
    expect(registered.status).toBe(201)
    await adminCall('PUT', '/admin/scopes/crossing:invoke', { description: 'for the test' })
    const send = LeanDocumentClient.prototype.send as (...args: unknown[]) => Promise<unknown>
    let deleted: Promise<Response> | undefined
    const spy = vi
      .spyOn(LeanDocumentClient.prototype, 'send')
      .mockImplementation(async function deleteBeforeThePut(this: LeanDocumentClient, ...args) {
        const input = (args[0] as { input?: { Item?: { scope?: unknown } } }).input
        if (args[0] instanceof PutCommand && input?.Item?.scope === 'crossing:invoke' && !deleted) {
          deleted = adminCall('DELETE', '/admin/agents/crossing')
          await deleted
        }
        return send.apply(this, args)
      })

    // Act
    const put = await adminCall('PUT', '/admin/permissions/crossing:invoke', {
      agents: ['crossing'],
    }).finally(() => spy.mockRestore())

    // Assess: the permission is gone, and the trail's last word on it says so, in the PUT's request
    expect([put.status, (await deleted)?.status]).toEqual([200, 204])
    const { permissions } = await (await adminCall('GET', '/admin/permissions')).json()
    expect(permissions.map(({ scope }: { scope: string }) => scope)).not.toContain(
      'crossing:invoke',
    )
    const { entries } = await (await adminCall('GET', '/admin/audit?limit=20')).json()
    const ofScope = entries.filter(
      (entry: { target: string }) => entry.target === 'crossing:invoke',
    )
    expect(ofScope[0]).toMatchObject({
      action: 'permission.delete',
      agentId: 'crossing',
      requestId: put.headers.get('x-amzn-requestid'),
      before: { agents: ['crossing'] },
      after: null,
    })
  })

  it("registers an agent with the README's curl command, verbatim, whose body curl labels form-encoded", async () => {
    // Prepare: agent_config.json as an operator writes it, for the sample weather agent.
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-curl-'))
    const weather = stack.agents.find((agent) => agent.agentId === 'weather')
    const agentConfig = {
      agentId: 'forecast',
      backendUrl: weather?.url,
      agentCardUrl: weather?.cardUrl,
    }
    await writeFile(join(dir, 'agent_config.json'), `${JSON.stringify(agentConfig, null, 2)}\n`)
    // The command stays verbatim; a .curlrc in a home of its own adds the status line to its output.
    await writeFile(join(dir, '.curlrc'), 'write-out = "\\n%{http_code}"\n')
    const command =
      'curl -X POST $GATEWAY_URL/admin/register -H "Authorization: Bearer $JWT" -d @agent_config.json'

    // Act
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', command], {
      cwd: dir,
      env: {
        PATH: '/usr/bin:/bin',
        HOME: dir,
        CURL_HOME: dir,
        GATEWAY_URL: stack.url,
        JWT: admin,
      },
    }).finally(() => rm(dir, { recursive: true, force: true }))
    const listed = await adminCall('GET', '/admin/agents/forecast')

    // Assess
    const status = stdout.slice(stdout.lastIndexOf('\n') + 1)
    const body = JSON.parse(stdout.slice(0, stdout.lastIndexOf('\n')))
    expect({ status, agentId: body.agentId }).toEqual({ status: '201', agentId: 'forecast' })
    expect(listed.status).toBe(200)
    expect((await listed.json()).card.name).toMatch(/weather/i)
  })

  it('refuses a body that is not JSON with a 400 that says so, whatever its Content-Type', async () => {
    // Act
    const response = await fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'agentId=forecast-2&backendUrl=http://127.0.0.1:9',
    })

    // Assess
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect((await response.json()).detail).toMatch(
      /^The request body must be a JSON document and is not: Unexpected token/,
    )
  })

  it('registers once when the same request is sent twice with one Idempotency-Key, its JSON keys in another order', async () => {
    // Prepare
    const secretsBefore = (await secretArns()).length
    const key = { 'Idempotency-Key': 'register-echo-1' }
    const reordered = Object.fromEntries(Object.entries(withSecret('echo', 'k-1')).reverse())

    // Act
    const first = await adminCall('POST', '/admin/register', withSecret('echo', 'k-1'), key)
    const retry = await adminCall('POST', '/admin/register', reordered, key)

    // Assess
    expect([first.status, retry.status]).toEqual([201, 201])
    expect(await retry.json()).toEqual(await first.json())
    const { agents } = await (await adminCall('GET', '/admin/agents')).json()
    expect(agents.filter((agent: { agentId: string }) => agent.agentId === 'echo')).toHaveLength(1)
    expect((await secretArns()).length).toBe(secretsBefore + 1)
  })

  it('reads Content-Type and Idempotency-Key in any casing, as API Gateway passes them on', async () => {
    // Prepare: API Gateway keeps the client's header casing; fetch would lower-case it, so the
    // event is handed to the handler as API Gateway would build it.
    const { handler } = await import('../../handlers/admin.ts')
    const registration = (headers: Record<string, string>) =>
      sampleEvent('admin-register-agent.json', (event) => {
        event.headers = headers
        event.multiValueHeaders = Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [name, [value]]),
        )
        event.body = JSON.stringify(withSecret('cased', 'k-3'))
      })

    // Act
    const first = (await invoke(
      handler,
      registration({ 'CONTENT-TYPE': 'application/json', 'Idempotency-key': 'cased-1' }),
    )) as { statusCode: number; body: string }
    const retry = (await invoke(
      handler,
      registration({ 'content-Type': 'application/json', 'IDEMPOTENCY-KEY': 'cased-1' }),
    )) as { statusCode: number; body: string }

    // Assess
    expect([first.statusCode, retry.statusCode]).toEqual([201, 201])
    expect(retry.body).toBe(first.body)
  })

  it('refuses an Idempotency-Key reused with another body', async () => {
    // Act
    const response = await adminCall('POST', '/admin/register', withSecret('echo-2', 'k-2'), {
      'Idempotency-Key': 'register-echo-1',
    })

    // Assess
    expect(response.status).toBe(422)
    expect((await response.json()).type).toMatch(/idempotency-key-reused$/)
  })

  it('replays the first 201 for its Idempotency-Key after a refused mismatch and after the agent was deleted', async () => {
    // Prepare
    const key = { 'Idempotency-Key': 'register-replayed-1' }
    const b1 = withSecret('replayed', 'k-r1')
    const first = await adminCall('POST', '/admin/register', b1, key)
    const firstBody = await first.json()

    // Act
    const mismatch = await adminCall('POST', '/admin/register', withSecret('replayed', 'k-r2'), key)
    const replay = await adminCall('POST', '/admin/register', b1, key)
    const deleted = await adminCall('DELETE', '/admin/agents/replayed')
    const afterDelete = await adminCall('POST', '/admin/register', b1, key)
    const lookup = await adminCall('GET', '/admin/agents/replayed')

    // Assess
    expect([first.status, mismatch.status, replay.status]).toEqual([201, 422, 201])
    expect((await mismatch.json()).type).toMatch(/idempotency-key-reused$/)
    expect(await replay.json()).toEqual(firstBody)
    expect([deleted.status, afterDelete.status]).toEqual([204, 201])
    expect(await afterDelete.json()).toEqual(firstBody)
    expect(lookup.status).toBe(404)
  })

  it('keeps one Idempotency-Key per operation: a calibration with a registration’s key runs, and either register route replays', async () => {
    // Prepare: a script that names each deployment's changes with one key.
    const key = { 'Idempotency-Key': 'deploy-7' }
    const registration = withSecret('deployed', 'k-d1')
    const first = await adminCall('POST', '/admin/register', registration, key)
    const firstBody = await first.json()

    // Act
    const calibration = await adminCall('POST', '/admin/route/calibrate', undefined, key)
    const replay = await adminCall('POST', '/admin/agents', registration, key)

    // Assess
    expect(first.status).toBe(201)
    expect(calibration.status).toBe(200)
    expect(await calibration.json()).toMatchObject({ threshold: { minScore: expect.any(Number) } })
    expect(replay.status).toBe(201)
    expect(await replay.json()).toEqual(firstBody)
  })

  it('keeps a registration and a calibration that share an Idempotency-Key apart while both run', async () => {
    // Prepare: the registration waits at its card fetch while the calibration runs and answers.
    const key = { 'Idempotency-Key': 'deploy-8' }
    const registration = withSecret('deployed-later', 'k-d2')
    backend.hold()
    const registering = adminCall('POST', '/admin/register', registration, key)
    await vi.waitFor(() => expect(backend.held()).toBe(1), { timeout: 10_000 })

    // Act
    const calibration = await adminCall('POST', '/admin/route/calibrate', undefined, key)
    backend.release()
    const registered = await registering
    const replays = [
      await adminCall('POST', '/admin/register', registration, key),
      await adminCall('POST', '/admin/route/calibrate', undefined, key),
    ]

    // Assess: each operation's answer is replayed under its own key, none held as in progress.
    expect([registered.status, calibration.status]).toEqual([201, 200])
    expect(replays.map((replay) => replay.status)).toEqual([201, 200])
    expect(await replays[0]?.json()).toEqual(await registered.json())
    expect(await replays[1]?.json()).toEqual(await calibration.json())
  })

  it('runs eight concurrent registrations with one Idempotency-Key once, answering the others 409 in progress', async () => {
    // Prepare: the card fetch of the request that runs waits until every other one has answered.
    const key = { 'Idempotency-Key': 'register-concurrent-1' }
    const secretsBefore = (await secretArns()).length
    let answered = 0
    backend.hold()

    // Act
    const responses = Array.from({ length: 8 }, () =>
      adminCall('POST', '/admin/register', withSecret('concurrent', 'k-c1'), key).then(
        async (response) => {
          answered++
          return { status: response.status, body: await response.json() }
        },
      ),
    )
    await vi
      .waitFor(() => expect(answered + backend.held()).toBe(8), { timeout: 10_000 })
      .finally(() => backend.release())
    const outcomes = await Promise.all(responses)
    const later = await adminCall('POST', '/admin/register', withSecret('concurrent', 'k-c1'), key)

    // Assess
    expect(outcomes.map(({ status }) => status).sort()).toEqual([
      201, 409, 409, 409, 409, 409, 409, 409,
    ])
    for (const { status, body } of outcomes) {
      if (status === 409) expect(body.type).toMatch(/request-in-progress$/)
    }
    const created = outcomes.find(({ status }) => status === 201)?.body
    expect(later.status).toBe(201)
    expect(await later.json()).toEqual(created)
    expect((await secretArns()).length).toBe(secretsBefore + 1)
  })

  it("refuses to register an agent with another agent's stored secret, with a 422 that says why", async () => {
    // Prepare
    const stored = await adminCall('POST', '/admin/register', withSecret('alpha', 'alpha-key'))
    const alphaSecret = (await stored.json()).auth.secretArn
    const borrowing = {
      ...withSecret('beta', ''),
      auth: { type: 'api_key', apiKeyArn: alphaSecret },
    }

    // Act
    const response = await adminCall('POST', '/admin/register', borrowing)

    // Assess
    expect([stored.status, response.status]).toEqual([201, 422])
    expect(await response.json()).toMatchObject({
      type: expect.stringMatching(/secret-rejected$/),
      detail: expect.stringMatching(
        /^auth\.apiKeyArn: secret .+ does not belong to agent 'beta': .+'switchboard:agent-id' = 'beta'/,
      ),
    })
    expect((await adminCall('GET', '/admin/agents/beta')).status).toBe(404)
  })

  it('refuses a secret ARN that names no secret with a 422 at registration', async () => {
    // Prepare
    const missing =
      'arn:aws:secretsmanager:local:000000000000:secret:switchboard/agents/gamma/x-abcdef'

    // Act
    const response = await adminCall('POST', '/admin/register', {
      ...withSecret('gamma', ''),
      auth: {
        type: 'oauth2_client_credentials',
        tokenUrl: `${backend.url}/token`,
        clientId: 'gateway',
        clientSecretArn: missing,
      },
    })

    // Assess
    expect(response.status).toBe(422)
    expect((await response.json()).detail).toBe(
      `auth.clientSecretArn: no secret ${missing} exists.`,
    )
  })

  it('deletes an agent with its secret, after which it is not found', async () => {
    // Prepare
    const before = await secretArns()

    // Act
    const deleted = await adminCall('DELETE', '/admin/agents/echo')
    const after = await adminCall('GET', '/admin/agents/echo')

    // Assess
    expect(deleted.status).toBe(204)
    expect(after.status).toBe(404)
    expect((await after.json()).detail).toBe("No agent 'echo' is registered with this gateway.")
    expect((await secretArns()).length).toBe(before.length - 1)
  })

  it('deletes an agent with its grants, so an agent registered later under its id inherits none', async () => {
    // Prepare
    const config = { agentId: 'granted', backendUrl: backend.url, agentCardUrl: backend.cardUrl }
    await adminCall('POST', '/admin/register', config)
    for (const scope of ['granted:invoke', 'shared:invoke']) {
      await adminCall('PUT', `/admin/scopes/${scope}`, { description: scope })
    }
    await adminCall('PUT', '/admin/permissions/granted:invoke', { agents: ['granted'] })
    await adminCall('PUT', '/admin/permissions/shared:invoke', {
      agents: ['weather', 'granted'],
      agentLimits: { weather: 5, granted: 7 },
    })

    // Act
    const deleted = await adminCall('DELETE', '/admin/agents/granted')
    const { permissions } = await (await adminCall('GET', '/admin/permissions')).json()

    // Assess
    expect(deleted.status).toBe(204)
    const scopes = permissions.map((permission: { scope: string }) => permission.scope)
    expect(scopes).not.toContain('granted:invoke')
    expect(permissions).toContainEqual({
      scope: 'shared:invoke',
      agents: ['weather'],
      agentLimits: { weather: 5 },
      etag: expect.stringMatching(/^"[^"]+"$/),
    })
  })

  it('refuses on every paged list a limit not written in plain digits (not read as JavaScript reads numbers), a 400 naming limit and its range', async () => {
    // Prepare: each paged list and its most; limits a JavaScript number takes as 1, 10, 16, 1, 5,
    // and digits past any whole number JavaScript holds exactly (each rule said once)
    const lists = [
      ['/agents', 50],
      ['/admin/agents', 100],
      ['/admin/permissions', 100],
      ['/admin/audit', 100],
      ['/admin/clients', 60],
    ] as const
    const written = [' 1', '1e1', '0x10', '1.0', '+5', '99999999999999999999']

    // Act
    const answers: { list: string; limit: string; status: number; errors: unknown }[] = []
    for (const [list] of lists) {
      for (const limit of written) {
        const response = await adminCall('GET', `${list}?limit=${encodeURIComponent(limit)}`)
        answers.push({
          list,
          limit,
          status: response.status,
          errors: (await response.json()).errors,
        })
      }
    }
    const plain = await Promise.all(
      lists.map(async ([list]) => (await adminCall('GET', `${list}?limit=05`)).status),
    )

    // Assess
    expect(answers).toEqual(
      lists.flatMap(([list, max]) =>
        written.map((limit) => ({
          list,
          limit,
          status: 400,
          errors: [
            { field: 'limit', rule: `must be a whole number from 1 to ${max}, in digits only` },
          ],
        })),
      ),
    )
    expect(plain).toEqual([200, 200, 200, 200, 200])
  })

  it('reads, replaces and removes permissions, naming a missing one', async () => {
    // Prepare
    await adminCall('PUT', '/admin/scopes/reports:read', { description: 'Read reports' })

    // Act
    const put = await adminCall('PUT', '/admin/permissions/reports:read', {
      agents: ['weather'],
      operations: ['GetTask'],
      requestsPerMinute: 5,
    })
    const listed = await (await adminCall('GET', '/admin/permissions')).json()
    const removed = await adminCall('DELETE', '/admin/permissions/reports:read')
    const again = await adminCall('DELETE', '/admin/permissions/reports:read')

    // Assess
    expect(put.status).toBe(200)
    expect(listed.permissions.map((permission: { scope: string }) => permission.scope)).toContain(
      'reports:read',
    )
    expect(removed.status).toBe(204)
    expect(again.status).toBe(404)
    expect(again.headers.get('content-type')).toBe('application/problem+json')
  })

  it.each([
    ['in its agents', { agents: ['weather', 'wether'] }],
    ['in its agentLimits too', { agents: ['weather', 'wether'], agentLimits: { wether: 5 } }],
  ])(
    'refuses a permission naming an agent no one registered %s, naming it and storing nothing',
    async (_where, body) => {
      // Prepare
      await adminCall('PUT', '/admin/scopes/typos:invoke', { description: 'Typos' })

      // Act
      const response = await adminCall('PUT', '/admin/permissions/typos:invoke', body)
      const listed = await (await adminCall('GET', '/admin/permissions')).json()

      // Assess: stored, it would grant whoever registers `wether` later.
      expect(response.status).toBe(422)
      expect(await response.json()).toMatchObject({
        detail: expect.stringContaining("No agent 'wether' is registered"),
        agents: ['wether'],
        // As a body's field problems are given: the console marks its agents field.
        errors: [{ field: 'agents', rule: "'wether' is not registered" }],
      })
      expect(
        listed.permissions.map((permission: { scope: string }) => permission.scope),
      ).not.toContain('typos:invoke')
    },
  )

  it('refuses a permission naming an agent id that could act as a wildcard', async () => {
    // Act
    const response = await adminCall('PUT', '/admin/permissions/sneaky', { agents: ['*'] })

    // Assess
    expect(response.status).toBe(400)
    expect((await response.json()).errors[0].field).toBe('agents.0')
  })

  it.each([
    { path: '/admin/agents/weather', body: 'calm', received: 'string' },
    { path: '/admin/agents/weather', body: [{ backendUrl: 'http://x' }], received: 'array' },
    { path: '/admin/permissions/reports:read', body: 'weather', received: 'string' },
    { path: '/admin/permissions/reports:read', body: [{ agents: ['weather'] }], received: 'array' },
  ])(
    'says a PUT $path body that is a JSON $received is not an object',
    async ({ path, body, received }) => {
      // Act
      const response = await adminCall('PUT', path, body)

      // Assess
      expect(response.status).toBe(400)
      expect((await response.json()).errors).toEqual([
        { field: '(body)', rule: `Invalid input: expected object, received ${received}` },
      ])
    },
  )

  it.each([
    { method: 'POST', path: '/admin/register' },
    { method: 'PUT', path: '/admin/agents/weather' },
    { method: 'PATCH', path: '/admin/agents/weather' },
    { method: 'PUT', path: '/admin/permissions/weather:invoke' },
    { method: 'PUT', path: '/admin/scopes/reports:read' },
    { method: 'POST', path: '/admin/clients' },
  ])(
    'says a $method $path sent with no body at all (curl -d @ a file it cannot read) that its body is empty, nothing changed',
    async ({ method, path }) => {
      // Act
      const response = await adminCall(method, path)

      // Assess
      expect(response.status).toBe(400)
      const problem = await response.json()
      expect(problem.type).toMatch(/\/invalid-json$/)
      expect(problem.detail).toMatch(
        /^The request body must be a JSON document and is not: it is empty/,
      )
      expect(problem.detail).toContain('-d @')
    },
  )

  it.each([
    { field: 'backendUrl', config: { backendUrl: `http://127.0.0.1/${'p'.repeat(450_000)}` } },
    {
      field: 'auth.clientId',
      config: {
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: 'http://127.0.0.1:9/token',
          clientId: 'c'.repeat(450_000),
          clientSecret: 's',
        },
      },
    },
    {
      field: 'auth.scopes',
      config: {
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: 'http://127.0.0.1:9/token',
          clientId: 'c',
          clientSecret: 's',
          scopes: Array(100_000).fill('invoke'),
        },
      },
    },
    { field: 'auth.apiKey', config: { auth: { type: 'api_key', apiKey: 'k'.repeat(450_000) } } },
  ])(
    'refuses an oversized $field with a 400 naming it, storing nothing',
    async ({ field, config }) => {
      // Prepare
      const secretsBefore = await secretArns()

      // Act
      const response = await adminCall('POST', '/admin/register', {
        ...withSecret('oversized', 'k'),
        auth: { type: 'none' },
        ...config,
      })

      // Assess
      expect(response.status).toBe(400)
      expect((await response.json()).errors.map((error: { field: string }) => error.field)).toEqual(
        [field],
      )
      expect((await adminCall('GET', '/admin/agents/oversized')).status).toBe(404)
      expect(await secretArns()).toEqual(secretsBefore)
    },
  )

  const oauthWith = (fields: Record<string, string>) => ({
    type: 'oauth2_client_credentials',
    tokenUrl: 'http://127.0.0.1:9/token',
    clientId: 'gateway',
    clientSecret: 's',
    ...fields,
  })
  it.each([
    {
      field: 'auth.apiKey',
      what: 'CR LF',
      auth: { type: 'api_key', apiKey: 'k-1\r\nX-Injected: yes' },
    },
    { field: 'auth.apiKey', what: 'a final LF', auth: { type: 'api_key', apiKey: 'k-1\n' } },
    {
      field: 'auth.apiKey',
      what: 'a character beyond Latin-1',
      auth: { type: 'api_key', apiKey: 'clé-€' },
    },
    { field: 'auth.apiKey', what: 'a leading space', auth: { type: 'api_key', apiKey: ' k-1' } },
    { field: 'auth.clientId', what: 'a CR', auth: oauthWith({ clientId: 'gate\rway' }) },
    { field: 'auth.clientSecret', what: 'a NUL', auth: oauthWith({ clientSecret: 's\u0000' }) },
  ])(
    'refuses an $field with $what, that no HTTP header carries intact, with a 400 naming it, storing nothing',
    async ({ field, auth }) => {
      // Prepare
      const secretsBefore = await secretArns()

      // Act
      const response = await adminCall('POST', '/admin/register', {
        ...withSecret('headers', 'k'),
        auth,
      })

      // Assess
      expect(response.status).toBe(400)
      const { errors } = await response.json()
      expect(errors).toEqual([
        { field, rule: expect.stringMatching(/^must be usable in an HTTP header: .*no CR, LF/) },
      ])
      expect((await adminCall('GET', '/admin/agents/headers')).status).toBe(404)
      expect(await secretArns()).toEqual(secretsBefore)
    },
  )

  it.each([
    'X-Switchboard-Caller',
    'x-switchboard-task-access',
    'Host',
    'Content-Length',
    'traceparent',
    'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id',
  ])(
    'refuses an api_key header named %s, which the gateway sets itself, with a 400 naming it, storing nothing',
    async (headerName) => {
      // Prepare
      const secretsBefore = await secretArns()

      // Act
      const response = await adminCall('POST', '/admin/register', {
        ...withSecret('spoofer', 'k'),
        auth: { type: 'api_key', apiKey: 'spoofed-principal', headerName },
      })

      // Assess
      expect(response.status).toBe(400)
      expect((await response.json()).errors).toEqual([
        {
          field: 'auth.headerName',
          rule: expect.stringContaining(`'${headerName}' is a header the gateway sets itself`),
        },
      ])
      expect((await adminCall('GET', '/admin/agents/spoofer')).status).toBe(404)
      expect(await secretArns()).toEqual(secretsBefore)
    },
  )

  it('never sends an agent’s secret, named by its ARN, somewhere new: a PUT moving it needs the secret itself', async () => {
    // Prepare: an agent whose key the gateway keeps, and another origin an admin could point it at.
    const elsewhere = await startCardServer()
    elsewhere.serve(validCard(elsewhere.url))
    await adminCall('POST', '/admin/register', withSecret('keyed', 'k-keyed'))
    const { auth } = await (await adminCall('GET', '/admin/agents/keyed')).json()
    const byArn = (backendUrl: string, cardUrl: string) => ({
      agentId: 'keyed',
      backendUrl,
      agentCardUrl: cardUrl,
      auth: { type: 'api_key', apiKeyArn: auth.secretArn },
    })

    try {
      // Act
      const moved = await adminCall(
        'PUT',
        '/admin/agents/keyed',
        byArn(elsewhere.url, elsewhere.cardUrl),
      )
      const afterMove = await (await adminCall('GET', '/admin/agents/keyed')).json()
      const kept = await adminCall(
        'PUT',
        '/admin/agents/keyed',
        byArn(backend.url, backend.cardUrl),
      )
      const givenAgain = await adminCall('PUT', '/admin/agents/keyed', {
        ...withSecret('keyed', 'k-keyed'),
        backendUrl: elsewhere.url,
        agentCardUrl: elsewhere.cardUrl,
      })

      // Assess
      expect(moved.status).toBe(422)
      expect(await moved.json()).toMatchObject({
        detail: expect.stringContaining(
          `the secret of agent 'keyed' would go to ${new URL(elsewhere.url).href} where it went to ${new URL(backend.url).href}`,
        ),
      })
      expect(afterMove.backendUrl).toBe(backend.url)
      expect([kept.status, givenAgain.status]).toEqual([200, 200])
    } finally {
      await adminCall('DELETE', '/admin/agents/keyed')
      await elsewhere.stop()
    }
  })

  it('refuses an agent card too large to keep with a 422 that says so', async () => {
    // Prepare
    const huge = new URL('/big/.well-known/agent-card.json', backend.url).href
    backend.serve({ ...validCard(backend.url), description: 'd'.repeat(450_000) })

    // Act
    const response = await adminCall('POST', '/admin/register', {
      agentId: 'big-card',
      backendUrl: backend.url,
      agentCardUrl: huge,
    })
    backend.serve(validCard(backend.url))

    // Assess
    expect(response.status).toBe(422)
    expect((await response.json()).detail).toMatch(/larger than the 262144-byte limit/)
  })

  it('refuses a permission naming more agents than one item can hold', async () => {
    // Act
    const response = await adminCall('PUT', '/admin/permissions/everything', {
      agents: Array.from({ length: 50_000 }, (_, i) => `agent-${i}`),
    })

    // Assess
    expect(response.status).toBe(400)
    expect((await response.json()).errors[0].field).toBe('agents')
  })

  it("changes a token's grants once the authorizer cache TTL has passed", async () => {
    // Prepare
    const token = await stack.token('weather-client')
    // A call through the authorizer, whose answer is cached (the card route has none).
    const callWeather = () =>
      fetch(`${stack.url}/agents/weather/tasks`, {
        headers: { authorization: `Bearer ${token}`, 'a2a-version': '1.0' },
      })
    expect((await callWeather()).status).toBe(200)

    // Act
    await adminCall('PUT', '/admin/permissions/weather:invoke', { agents: ['calculator'] })
    const withinTtl = await callWeather()
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    const afterTtl = await callWeather()
    await adminCall('PUT', '/admin/permissions/weather:invoke', { agents: ['weather'] })

    // Assess
    expect(withinTtl.status).toBe(200)
    expect(afterTtl.status).toBe(403)
  })

  it('answers 403 to a non-admin caller on every admin route', async () => {
    // Prepare: every admin route of lib/routes.ts, its parameters named as a caller might
    const caller = await stack.token('demo-client')
    const named = { agentId: 'weather', scope: 'weather:invoke', clientId: 'demo-client' }
    const adminRoutes = routes
      .filter((route) => route.admin)
      .map(({ method, path }) => ({
        method,
        path: path.replace(/\{(\w+)\}/g, (_, name: keyof typeof named) => named[name]),
      }))

    // Act
    const answers = await Promise.all(
      adminRoutes.map(async ({ method, path }) => {
        const response = await fetch(`${stack.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${caller}` },
        })
        return { method, path, status: response.status }
      }),
    )

    // Assess
    expect(answers).toEqual(adminRoutes.map((route) => ({ ...route, status: 403 })))
    expect(answers).toContainEqual({
      method: 'GET',
      path: '/admin/permissions/weather:invoke',
      status: 403,
    })
  })

  describe('two admins editing one agent (ETag and If-Match)', () => {
    const configOf = (timeoutMs: number) => ({
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
      timeoutMs,
    })
    const read = async (agentId: string) => {
      const response = await adminCall('GET', `/admin/agents/${agentId}`)
      return { etag: response.headers.get('etag'), record: await response.json() }
    }

    it('refuses the second PUT, sent with the ETag read before the first, with a 412 naming the agent now; the first one’s change stands', async () => {
      // Prepare: registered; both admins read it
      const registered = await adminCall('POST', '/admin/register', {
        agentId: 'edited-twice',
        ...configOf(4_000),
      })
      const first = await read('edited-twice')
      const second = await read('edited-twice')

      // Act: the first admin's change, then the second's on what it read
      const firstPut = await adminCall('PUT', '/admin/agents/edited-twice', configOf(5_000), {
        'if-match': first.etag as string,
      })
      const secondPut = await adminCall('PUT', '/admin/agents/edited-twice', configOf(9_000), {
        'if-match': second.etag as string,
      })
      const refusal = await secondPut.json()
      const after = await read('edited-twice')

      // Assess: a strong, quoted ETag on every answer carrying the record, the PUT's the new one
      expect(registered.status).toBe(201)
      expect(first.etag).toMatch(/^"[^"]+"$/)
      expect(registered.headers.get('etag')).toBe(first.etag)
      expect(second.etag).toBe(first.etag)
      expect(firstPut.status).toBe(200)
      expect(firstPut.headers.get('etag')).not.toBe(first.etag)
      expect(firstPut.headers.get('etag')).toBe(after.etag)
      // ...the second refused, saying what the agent is now, and nothing of it stored
      expect(secondPut.status).toBe(412)
      expect(secondPut.headers.get('content-type')).toBe('application/problem+json')
      expect(refusal).toMatchObject({
        type: expect.stringMatching(/precondition-failed$/),
        status: 412,
        currentEtag: after.etag,
        detail: expect.stringContaining(`changed at ${after.record.updatedAt}`),
      })
      expect(after.record.timeoutMs).toBe(5_000)

      // Act: read again, the second admin's change is made on what it holds now
      const retried = await adminCall('PUT', '/admin/agents/edited-twice', configOf(9_000), {
        'if-match': after.etag as string,
      })

      // Assess
      expect(retried.status).toBe(200)
      expect((await read('edited-twice')).record.timeoutMs).toBe(9_000)
    })

    it("runs the README's Admin API block as written: the ETag it reads makes its change, and is stale after it", async () => {
      // Prepare
      const [block] = codeBlocks(readmeSection('Admin API'), 'sh')
      const before = await read('weather')

      // Act
      const { stdout } = await promisify(execFile)('bash', ['-c', `set -eo pipefail\n${block}`], {
        env: { ...process.env, GATEWAY_URL: stack.url, JWT: admin },
        timeout: 15_000,
      })
      const stale = await adminCall(
        'PATCH',
        '/admin/agents/weather',
        { status: 'active' },
        { 'if-match': before.etag as string },
      )

      // Assess
      expect(JSON.parse(stdout)).toMatchObject({ agentId: 'weather', status: 'active' })
      expect(JSON.parse(stdout).updatedAt).not.toBe(before.record.updatedAt)
      expect(stale.status).toBe(412)
    })

    it('makes a change without If-Match as before, and one with If-Match: * on an agent that exists', async () => {
      // Prepare
      await adminCall('POST', '/admin/register', { agentId: 'unconditional', ...configOf(4_000) })
      const stale = (await read('unconditional')).etag as string
      await adminCall('PATCH', '/admin/agents/unconditional', { cardVisibility: 'public' })

      // Act
      const plain = await adminCall('PATCH', '/admin/agents/unconditional', { status: 'inactive' })
      const any = await adminCall(
        'PATCH',
        '/admin/agents/unconditional',
        { status: 'active' },
        { 'if-match': '*' },
      )
      const missing = await adminCall(
        'PATCH',
        '/admin/agents/never-registered',
        { status: 'active' },
        { 'if-match': '*' },
      )
      const deleteStale = await adminCall('DELETE', '/admin/agents/unconditional', undefined, {
        'if-match': stale,
      })
      const standing = await read('unconditional')
      const deleted = await adminCall('DELETE', '/admin/agents/unconditional', undefined, {
        'if-match': standing.etag as string,
      })

      // Assess
      expect([plain.status, any.status, missing.status]).toEqual([200, 200, 404])
      expect(deleteStale.status).toBe(412)
      expect(standing.record).toMatchObject({ status: 'active', cardVisibility: 'public' })
      expect(deleted.status).toBe(204)
    })

    it('refuses with a 400 naming the header an unquoted ETag, and If-Match where what is changed has no ETag, changing nothing', async () => {
      // Prepare
      await adminCall('POST', '/admin/register', { agentId: 'unquoted', ...configOf(4_000) })
      const { etag } = await read('unquoted')
      await adminCall('PUT', '/admin/scopes/etags:invoke', { description: 'for the test' })

      // Act
      const unquoted = await adminCall('PUT', '/admin/agents/unquoted', configOf(6_000), {
        'if-match': (etag as string).replaceAll('"', ''),
      })
      const onScope = await adminCall(
        'PUT',
        '/admin/scopes/etags:invoke',
        { description: 'changed' },
        { 'if-match': '*' },
      )
      const { scopes } = await (await adminCall('GET', '/admin/scopes')).json()

      // Assess
      expect(unquoted.status).toBe(400)
      expect((await unquoted.json()).errors).toEqual([
        { field: 'If-Match', rule: expect.stringContaining('quoted') },
      ])
      expect(onScope.status).toBe(400)
      expect((await onScope.json()).errors).toEqual([
        {
          field: 'If-Match',
          rule: expect.stringContaining('is not taken by PUT /admin/scopes/{scope}'),
        },
      ])
      expect((await read('unquoted')).record.timeoutMs).toBe(4_000)
      expect(scopes).toContainEqual({ scope: 'etags:invoke', description: 'for the test' })
    })
  })

  describe('a change sent again with its Idempotency-Key (its answer lost)', () => {
    const configOf = (timeoutMs: number) => ({
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
      timeoutMs,
    })
    const etagOf = async (agentId: string) =>
      (await adminCall('GET', `/admin/agents/${agentId}`)).headers.get('etag') as string

    it('answers an agent’s PUT sent again with its key and If-Match as the first time, not 412; the key elsewhere is a 422', async () => {
      // Prepare
      for (const agentId of ['replayed-put', 'replayed-other']) {
        await adminCall('POST', '/admin/register', { agentId, ...configOf(4_000) })
      }
      const read = await etagOf('replayed-put')
      const headers = { 'if-match': read, 'idempotency-key': 'put-replayed-1' }

      // Act
      const first = await adminCall('PUT', '/admin/agents/replayed-put', configOf(6_000), headers)
      const again = await adminCall('PUT', '/admin/agents/replayed-put', configOf(6_000), headers)
      const elsewhere = await adminCall('PUT', '/admin/agents/replayed-other', configOf(6_000), {
        ...headers,
        'if-match': await etagOf('replayed-other'),
      })
      const otherTag = await adminCall('PUT', '/admin/agents/replayed-put', configOf(6_000), {
        ...headers,
        'if-match': '*',
      })
      const withoutKey = await adminCall('PUT', '/admin/agents/replayed-put', configOf(6_000), {
        'if-match': read,
      })

      // Assess: the retry is the first answer again, the agent changed once
      expect([first.status, again.status]).toEqual([200, 200])
      expect(await again.json()).toEqual(await first.json())
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'))
      expect(await etagOf('replayed-put')).toBe(first.headers.get('etag'))
      expect([elsewhere.status, otherTag.status]).toEqual([422, 422])
      expect((await elsewhere.json()).type).toMatch(/idempotency-key-reused$/)
      expect(withoutKey.status).toBe(412)
    })

    it('takes the key with If-Match sent on two lines, the other tags another, as another request (422), not the first answer', async () => {
      // Prepare: a PATCH whose If-Match comes as two header lines (fetch joins them: raw HTTP)
      await adminCall('POST', '/admin/register', { agentId: 'replayed-lines', ...configOf(4_000) })
      const patchWith = (tags: string[]) =>
        new Promise<number>((resolve, reject) => {
          const url = new URL(`${stack.url}/admin/agents/replayed-lines`)
          const headers = ['host', url.host, 'authorization', `Bearer ${admin}`]
          headers.push('content-type', 'application/json', 'idempotency-key', 'lines-1')
          for (const tag of tags) headers.push('if-match', tag)
          const sent = request(url, { method: 'PATCH', headers }, (answer) => {
            answer.resume()
            resolve(answer.statusCode as number)
          })
          sent.on('error', reject)
          sent.end(JSON.stringify({ status: 'inactive' }))
        })

      // Act: the second's first tag names no version, its last the same as the first's
      const first = await patchWith([await etagOf('replayed-lines'), '"unknown"'])
      const other = await patchWith(['"not-a-version"', '"unknown"'])

      // Assess
      expect([first, other]).toEqual([200, 422])
    })

    it('answers a PATCH, a sync and a DELETE sent again with their keys as the first time', async () => {
      // Prepare
      await adminCall('POST', '/admin/register', { agentId: 'replayed-all', ...configOf(4_000) })

      // Act: each twice, with the If-Match it read first
      const twice = async (method: string, path: string, body: unknown, key: string) => {
        const headers = { 'if-match': await etagOf('replayed-all'), 'idempotency-key': key }
        const first = await adminCall(method, path, body, headers)
        const again = await adminCall(method, path, body, headers)
        return [first.status, again.status, (await again.text()) === (await first.text())]
      }
      const patched = await twice(
        'PATCH',
        '/admin/agents/replayed-all',
        { status: 'inactive' },
        'patch-1',
      )
      const synced = await twice('POST', '/admin/agents/replayed-all/sync', undefined, 'sync-1')
      const deleted = await twice('DELETE', '/admin/agents/replayed-all', undefined, 'delete-1')

      // Assess
      expect(patched).toEqual([200, 200, true])
      expect(synced).toEqual([200, 200, true])
      expect(deleted).toEqual([204, 204, true])
      expect((await adminCall('GET', '/admin/agents/replayed-all')).status).toBe(404)
    })

    it('answers a permission’s PUT and DELETE sent again with their keys as the first time', async () => {
      // Prepare
      await adminCall('PUT', '/admin/scopes/replayed:invoke', { description: 'for the test' })
      await adminCall('PUT', '/admin/permissions/replayed:invoke', { agents: ['weather'] })
      const listed = async () =>
        (
          (await (await adminCall('GET', '/admin/permissions')).json()) as {
            permissions: { scope: string; etag: string }[]
          }
        ).permissions.find((permission) => permission.scope === 'replayed:invoke')

      // Act
      const put = { 'if-match': (await listed())?.etag as string, 'idempotency-key': 'perm-put-1' }
      const body = { agents: ['weather', 'calculator'] }
      const firstPut = await adminCall('PUT', '/admin/permissions/replayed:invoke', body, put)
      const againPut = await adminCall('PUT', '/admin/permissions/replayed:invoke', body, put)
      const del = { 'if-match': (await listed())?.etag as string, 'idempotency-key': 'perm-del-1' }
      const firstDelete = await adminCall(
        'DELETE',
        '/admin/permissions/replayed:invoke',
        undefined,
        del,
      )
      const againDelete = await adminCall(
        'DELETE',
        '/admin/permissions/replayed:invoke',
        undefined,
        del,
      )

      // Assess
      expect([firstPut.status, againPut.status]).toEqual([200, 200])
      expect(await againPut.json()).toEqual(await firstPut.json())
      expect([firstDelete.status, againDelete.status]).toEqual([204, 204])
      expect(await listed()).toBeUndefined()
    })
  })

  describe('one Idempotency-Key sent by two admins (each admin’s key their own)', () => {
    /** A second admin, a client of its own holding the admin scope, and a call as it. */
    let otherAdmin: string
    let otherPrincipal: string
    const otherCall = adminCaller(() => ({ url: stack.url, token: otherAdmin }))
    beforeAll(async () => {
      const made = await adminCall('POST', '/admin/clients', {
        name: 'second admin',
        scopes: ['admin'],
      })
      expect(made.status).toBe(201)
      const { clientId, clientSecret } = await made.json()
      otherPrincipal = clientId
      otherAdmin = (await tokenFor(stack.url, clientId, clientSecret)).token as string
    })
    /** The trail's entries of one action on one target, oldest first. */
    const trailOf = async (action: string, target: string) => {
      const { entries } = await (await adminCall('GET', '/admin/audit?limit=100')).json()
      return (entries as { action: string; target: string; actor: string }[])
        .filter((entry) => entry.action === action && entry.target === target)
        .reverse()
    }

    it('makes the second admin’s permission PUT a change of its own, audited as theirs; the first admin’s retry replays', async () => {
      // Prepare
      await adminCall('PUT', '/admin/scopes/shared-key:invoke', { description: 'for the test' })
      const key = { 'idempotency-key': 'shared-perm-1' }
      const body = { agents: ['weather'] }

      // Act
      const first = await adminCall('PUT', '/admin/permissions/shared-key:invoke', body, key)
      const other = await otherCall('PUT', '/admin/permissions/shared-key:invoke', body, key)
      const again = await adminCall('PUT', '/admin/permissions/shared-key:invoke', body, key)

      // Assess: two writes (two tags), two entries, the first admin's retry the first answer
      expect([first.status, other.status, again.status]).toEqual([200, 200, 200])
      expect(other.headers.get('etag')).not.toBe(first.headers.get('etag'))
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'))
      const trail = await trailOf('permission.put', 'shared-key:invoke')
      expect(trail.map(({ actor }) => actor)).toEqual(['admin-client', otherPrincipal])
    })

    it('answers the second admin’s registration and If-Match PUT with their own refusals, not the first admin’s answers', async () => {
      // Prepare
      const config = { backendUrl: backend.url, agentCardUrl: backend.cardUrl }
      const registration = { agentId: 'shared-key', ...config }
      const registerKey = { 'idempotency-key': 'shared-register-1' }

      // Act: the same registration with one key, then the same PUT with one key and tag
      const registered = await adminCall('POST', '/admin/register', registration, registerKey)
      const otherRegistered = await otherCall('POST', '/admin/register', registration, registerKey)
      const replayed = await adminCall('POST', '/admin/register', registration, registerKey)
      const tag = (await adminCall('GET', '/admin/agents/shared-key')).headers.get('etag') as string
      const putHeaders = { 'if-match': tag, 'idempotency-key': 'shared-put-1' }
      const put = await adminCall(
        'PUT',
        '/admin/agents/shared-key',
        { ...config, timeoutMs: 6_000 },
        putHeaders,
      )
      const otherPut = await otherCall(
        'PUT',
        '/admin/agents/shared-key',
        { ...config, timeoutMs: 6_000 },
        putHeaders,
      )

      // Assess
      expect([registered.status, otherRegistered.status, replayed.status]).toEqual([201, 409, 201])
      expect((await otherRegistered.json()).type).toMatch(/agent-already-registered$/)
      expect([put.status, otherPut.status]).toEqual([200, 412])
      expect((await trailOf('agent.register', 'shared-key')).map(({ actor }) => actor)).toEqual([
        'admin-client',
      ])
    })

    it('names the key as the admin sent it when its client was deleted since', async () => {
      // Prepare
      const key = { 'idempotency-key': 'spent-client-1' }
      const body = { name: 'spent-key app', scopes: ['weather:invoke'] }
      const { clientId } = await (await adminCall('POST', '/admin/clients', body, key)).json()
      await adminCall('DELETE', `/admin/clients/${clientId}`)

      // Act
      const again = await adminCall('POST', '/admin/clients', body, key)

      // Assess
      expect(again.status).toBe(409)
      expect((await again.json()).detail).toBe(
        `Idempotency-Key 'spent-client-1' created client '${clientId}', which has been deleted since; send a new key to create another.`,
      )
    })

    it('makes the second admin’s client creation a client of its own, leaving the first admin’s secret working', async () => {
      // Prepare
      const key = { 'idempotency-key': 'shared-client-1' }
      const body = { name: 'shared-key app', scopes: ['weather:invoke'] }

      // Act
      const first = await (await adminCall('POST', '/admin/clients', body, key)).json()
      const other = await (await otherCall('POST', '/admin/clients', body, key)).json()
      const again = await (await adminCall('POST', '/admin/clients', body, key)).json()
      const withOther = await tokenFor(stack.url, other.clientId, other.clientSecret)

      // Assess: the first admin's retry is theirs (a new secret for their client)
      expect(other.clientId).not.toBe(first.clientId)
      expect(again.clientId).toBe(first.clientId)
      expect(withOther.status).toBe(200)
      expect((await trailOf('client.create', other.clientId)).map(({ actor }) => actor)).toEqual([
        otherPrincipal,
      ])
    })
  })

  describe('two admins editing one permission (ETag and If-Match)', () => {
    /** The scope's permission as GET /admin/permissions lists it, its `etag` among its fields. */
    const listed = async (scope: string) => {
      const { permissions } = await (await adminCall('GET', '/admin/permissions')).json()
      return permissions.find((permission: { scope: string }) => permission.scope === scope)
    }
    const defined = async (scope: string, agents: string[]) => {
      await adminCall('PUT', `/admin/scopes/${scope}`, { description: 'for the test' })
      expect((await adminCall('PUT', `/admin/permissions/${scope}`, { agents })).status).toBe(200)
      return listed(scope)
    }

    it('refuses the second PUT and a DELETE sent with the ETag read before the first, with a 412 naming it now; the first one’s change stands', async () => {
      // Prepare: both admins read the permission
      const read = await defined('perm-etags:invoke', ['weather'])

      // Act: the first admin's change (the permission sent back as read, its etag in it), then
      // the second's on what it read
      const firstPut = await adminCall(
        'PUT',
        '/admin/permissions/perm-etags:invoke',
        { ...read, requestsPerMinute: 30 },
        { 'if-match': read.etag },
      )
      const written = await firstPut.json()
      const secondPut = await adminCall(
        'PUT',
        '/admin/permissions/perm-etags:invoke',
        { agents: ['weather', 'calculator'] },
        { 'if-match': read.etag },
      )
      const secondDelete = await adminCall(
        'DELETE',
        '/admin/permissions/perm-etags:invoke',
        undefined,
        { 'if-match': read.etag },
      )
      const refusal = await secondPut.json()
      const after = await listed('perm-etags:invoke')

      // Assess: a strong, quoted tag per permission, the PUT's the new one, in header and body
      expect(read.etag).toMatch(/^"[^"]+"$/)
      expect(read).not.toHaveProperty('version')
      expect(firstPut.status).toBe(200)
      expect(firstPut.headers.get('etag')).toBe(after.etag)
      expect(written).toEqual(after)
      expect(after.etag).not.toBe(read.etag)
      // ...the second refused, naming the tag now, and nothing of it stored
      expect([secondPut.status, secondDelete.status]).toEqual([412, 412])
      expect(refusal).toMatchObject({
        type: expect.stringMatching(/precondition-failed$/),
        currentEtag: after.etag,
        detail: expect.stringContaining('(GET /admin/permissions/perm-etags:invoke)'),
      })
      expect(after).toEqual({
        scope: 'perm-etags:invoke',
        agents: ['weather'],
        requestsPerMinute: 30,
        etag: after.etag,
      })

      // Act: the change made on what it holds now, then the delete
      const retried = await adminCall(
        'PUT',
        '/admin/permissions/perm-etags:invoke',
        { agents: ['weather', 'calculator'] },
        { 'if-match': after.etag },
      )
      const deleted = await adminCall('DELETE', '/admin/permissions/perm-etags:invoke', undefined, {
        'if-match': (await retried.json()).etag,
      })

      // Assess
      expect(retried.status).toBe(200)
      expect(deleted.status).toBe(204)
      expect(await listed('perm-etags:invoke')).toBeUndefined()
    })

    it('reads one permission by its scope, its ETag the one its PUT takes, without paging through the list; a scope with none is a 404 saying so', async () => {
      // Prepare
      await defined('perm-read:invoke', ['weather'])

      // Act
      const read = await adminCall('GET', '/admin/permissions/perm-read:invoke')
      const shown = await read.json()
      const inList = await listed('perm-read:invoke')
      const put = await adminCall(
        'PUT',
        '/admin/permissions/perm-read:invoke',
        { agents: ['weather', 'calculator'] },
        { 'if-match': read.headers.get('etag') as string },
      )
      const stale = await adminCall('GET', '/admin/permissions/perm-read:invoke', undefined, {
        'if-match': shown.etag,
      })
      const missing = await adminCall('GET', '/admin/permissions/perm-never:invoke')
      const malformed = await adminCall('GET', '/admin/permissions/perm*read')

      // Assess: as the list shows it, its tag in the body and the header alike
      expect(read.status).toBe(200)
      expect(shown).toEqual(inList)
      expect(shown).toEqual({ scope: 'perm-read:invoke', agents: ['weather'], etag: shown.etag })
      expect(read.headers.get('etag')).toBe(shown.etag)
      expect(put.status).toBe(200)
      // ...a read on a condition, as an agent's: 412 naming the tag now
      expect(stale.status).toBe(412)
      expect((await stale.json()).currentEtag).toBe((await listed('perm-read:invoke')).etag)
      // ...and a scope with no permission, or not a scope at all, said so
      expect(missing.status).toBe(404)
      expect(await missing.json()).toMatchObject({
        type: expect.stringMatching(/permission-not-found$/),
        detail: expect.stringContaining("No permission is defined for scope 'perm-never:invoke'"),
      })
      expect(malformed.status).toBe(400)
      expect((await malformed.json()).errors).toEqual([
        { field: 'scope', rule: expect.any(String) },
      ])
    })

    it('refuses a tag read before an agent’s delete took the agent out, so a PUT never brings its grant back', async () => {
      // Prepare: an admin reads the permission; the agent is deleted
      await adminCall('POST', '/admin/register', {
        agentId: 'perm-leaving',
        backendUrl: backend.url,
        agentCardUrl: backend.cardUrl,
      })
      const read = await defined('perm-leaving:invoke', ['perm-leaving', 'weather'])
      expect((await adminCall('DELETE', '/admin/agents/perm-leaving')).status).toBe(204)
      const now = await listed('perm-leaving:invoke')

      // Act
      const put = await adminCall(
        'PUT',
        '/admin/permissions/perm-leaving:invoke',
        { agents: ['weather'], requestsPerMinute: 5 },
        { 'if-match': read.etag },
      )

      // Assess
      expect(put.status).toBe(412)
      expect((await put.json()).currentEtag).toBe(now.etag)
      expect(await listed('perm-leaving:invoke')).toEqual(now)
      expect(now.agents).toEqual(['weather'])
    })

    it("runs the README's permission block as written: the etag it reads makes its change, and is stale after it", async () => {
      // Prepare
      const block = codeBlocks(readmeSection('Admin API'), 'sh').find((text) =>
        text.includes('/admin/permissions/weather:invoke'),
      )
      const before = await listed('weather:invoke')

      // Act
      const { stdout } = await promisify(execFile)('bash', ['-c', `set -eo pipefail\n${block}`], {
        env: { ...process.env, GATEWAY_URL: stack.url, JWT: admin },
        timeout: 15_000,
      })
      const stale = await adminCall(
        'PUT',
        '/admin/permissions/weather:invoke',
        { agents: ['weather'] },
        { 'if-match': before.etag },
      )

      // Assess
      expect(JSON.parse(stdout)).toEqual({
        ...(await listed('weather:invoke')),
        agents: ['weather'],
      })
      expect(JSON.parse(stdout).etag).not.toBe(before.etag)
      expect(stale.status).toBe(412)
    })

    it("stops the README's permission block where its read answers no ETag, rather than change the permission unconditionally", async () => {
      // Prepare: the block on a scope that is defined but has no permission (its read a 404)
      await adminCall('PUT', '/admin/scopes/perm-recipe:invoke', { description: 'for the test' })
      const block = codeBlocks(readmeSection('Admin API'), 'sh')
        .find((text) => text.includes('/admin/permissions/weather:invoke'))
        ?.replaceAll('weather:invoke', 'perm-recipe:invoke')

      // Act
      const run = await promisify(execFile)('bash', ['-c', `set -eo pipefail\n${block}`], {
        env: { ...process.env, GATEWAY_URL: stack.url, JWT: admin },
        timeout: 15_000,
      }).then(
        () => 'completed',
        (error: { code?: number; stderr?: string }) => `exit ${error.code}: ${error.stderr}`,
      )

      // Assess: bash stops at the PUT naming why, and the scope still has no permission
      expect(run).toMatch(/^exit 1: .*ETAG: no ETag read/)
      expect((await adminCall('GET', '/admin/permissions/perm-recipe:invoke')).status).toBe(404)
    })

    it('defines a permission with If-None-Match: * where there is none, and refuses a second with a 412 naming the first', async () => {
      // Prepare: two admins see no permission for the scope
      await adminCall('PUT', '/admin/scopes/perm-create:invoke', { description: 'for the test' })

      // Act
      const first = await adminCall(
        'PUT',
        '/admin/permissions/perm-create:invoke',
        { agents: ['weather'] },
        { 'if-none-match': '*' },
      )
      const second = await adminCall(
        'PUT',
        '/admin/permissions/perm-create:invoke',
        { agents: ['calculator'] },
        { 'if-none-match': '*' },
      )
      const otherValue = await adminCall(
        'PUT',
        '/admin/permissions/perm-create:invoke',
        { agents: ['calculator'] },
        { 'if-none-match': first.headers.get('etag') as string },
      )
      const elsewhere = await adminCall(
        'PUT',
        '/admin/scopes/perm-create:invoke',
        { description: 'again' },
        { 'if-none-match': '*' },
      )

      // Assess
      expect(first.status).toBe(200)
      expect(second.status).toBe(412)
      expect(await second.json()).toMatchObject({
        currentEtag: first.headers.get('etag'),
        detail: expect.stringContaining('has a permission already'),
      })
      expect([otherValue.status, elsewhere.status]).toEqual([400, 400])
      expect(await listed('perm-create:invoke')).toMatchObject({ agents: ['weather'] })
    })

    it('makes a change without If-Match as before; a tag on a scope with no permission is a 412 naming none', async () => {
      // Prepare
      const read = await defined('perm-plain:invoke', ['weather'])
      await adminCall('PUT', '/admin/permissions/perm-plain:invoke', { agents: ['calculator'] })
      await adminCall('PUT', '/admin/scopes/perm-none:invoke', { description: 'for the test' })

      // Act
      const plain = await adminCall('PUT', '/admin/permissions/perm-plain:invoke', {
        agents: ['weather'],
      })
      const none = await adminCall(
        'PUT',
        '/admin/permissions/perm-none:invoke',
        { agents: ['weather'] },
        { 'if-match': read.etag },
      )

      // Assess
      expect(plain.status).toBe(200)
      expect(none.status).toBe(412)
      expect(await none.json()).not.toHaveProperty('currentEtag')
      expect(await listed('perm-none:invoke')).toBeUndefined()
    })
  })
})
