import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { adminJsonCaller } from '../support/admin-api.ts'
import { closedPort } from '../support/card-server.ts'
import { tokenFor } from '../support/client-credentials.ts'
import { auditEntries, type Started, start, stop, stopStarted } from '../support/npm-start.ts'
import { codeBlocks, readmeSection } from '../support/readme.ts'

/** A change's promise is kept for calls that start this long after it returned. */
const oneSecondLater = () => new Promise((resolve) => setTimeout(resolve, 1001))

describe('callers and scopes through the admin API of npm start', () => {
  let stateDir: string
  let env: Record<string, string>
  let gateway: Started
  let admin: string

  const adminCall = adminJsonCaller(() => ({ url: gateway.url, token: admin }))
  const callAgent = (agentId: string, token: string) =>
    postA2A(
      `${gateway.url}/agents/${agentId}`,
      token,
      jsonRpc('SendMessage', textMessageParams('What is the weather in Tokyo?')),
    ).then((response) => response.status)

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'switchboard-callers-'))
    env = {
      SWITCHBOARD_STATE_DIR: stateDir,
      // The gateway on a free port, its address read from the banner (start's `url`).
      PORT: '0',
      // Kept across the restart below: the sample agents stay registered at these.
      WEATHER_AGENT_PORT: String(await closedPort()),
      CALCULATOR_AGENT_PORT: String(await closedPort()),
      AUTHORIZER_CACHE_TTL_SECONDS: '0',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      // As Terraform marks its own clients: the admin API must leave this one alone.
      MANAGED_CLIENT_IDS: 'admin-client',
    }
    gateway = await start(env)
    admin = (await tokenFor(gateway.url, 'admin-client', 'admin-secret-local-only')).token as string
  })
  afterAll(async () => {
    // The gateway, or the one a failed restart left starting.
    await stopStarted()
    await rm(stateDir, { recursive: true, force: true })
  })

  it('onboards a caller without a restart: its token calls the granted agent (200) and not another (403)', async () => {
    // Prepare
    const created = await adminCall('PUT', '/admin/scopes/reports:invoke', {
      description: 'Call the agents the reports team uses',
    })
    const described = await adminCall('PUT', '/admin/scopes/reports:invoke', {
      description: 'Call the reports agents',
    })
    const granted = await adminCall('PUT', '/admin/permissions/reports:invoke', {
      agents: ['weather'],
    })

    // Act
    const client = await adminCall('POST', '/admin/clients', {
      name: 'reports app',
      scopes: ['reports:invoke'],
    })
    const { status: tokenStatus, token } = await tokenFor(
      gateway.url,
      client.body.clientId,
      client.body.clientSecret,
    )
    const weather = await callAgent('weather', token as string)
    const calculator = await callAgent('calculator', token as string)

    // Assess
    expect([created.status, described.status, granted.status]).toEqual([201, 200, 200])
    expect(described.body).toEqual({
      scope: 'reports:invoke',
      description: 'Call the reports agents',
    })
    expect(client.status).toBe(201)
    expect(client.body).toMatchObject({ name: 'reports app', scopes: ['reports:invoke'] })
    expect(tokenStatus).toBe(200)
    expect([weather, calculator]).toEqual([200, 403])
    const read = await adminCall('GET', `/admin/clients/${client.body.clientId}`)
    expect(read.body).toEqual({
      clientId: client.body.clientId,
      name: 'reports app',
      scopes: ['reports:invoke'],
    })
    const { clients } = (await adminCall('GET', '/admin/clients')).body
    expect(clients).toContainEqual(read.body)
    const { scopes } = (await adminCall('GET', '/admin/scopes')).body
    expect(scopes).toContainEqual({
      scope: 'reports:invoke',
      description: 'Call the reports agents',
    })
  })

  it('makes one client for one Idempotency-Key: a retry answers it with a new secret, and the key with another body is a 422', async () => {
    // Prepare
    const key = { 'idempotency-key': 'onboard-reports-2026' }
    const body = { name: 'retried app', scopes: ['weather:invoke'] }

    // Act
    const first = await adminCall('POST', '/admin/clients', body, key)
    const retry = await adminCall('POST', '/admin/clients', body, key)
    const otherBody = await adminCall('POST', '/admin/clients', { ...body, name: 'other' }, key)
    const withFirst = await tokenFor(gateway.url, first.body.clientId, first.body.clientSecret)
    const withRetry = await tokenFor(gateway.url, retry.body.clientId, retry.body.clientSecret)

    // Assess
    expect([first.status, retry.status, otherBody.status]).toEqual([201, 201, 422])
    expect(retry.body.clientId).toBe(first.body.clientId)
    const { clients } = (await adminCall('GET', '/admin/clients')).body
    expect(clients.filter(({ name }: { name: string }) => name === 'retried app')).toHaveLength(1)
    expect([withFirst.status, withRetry.status]).toEqual([401, 200])
  })

  it('takes an Idempotency-Key of any length: a key longer than a DynamoDB key may be still makes one client', async () => {
    // Prepare: past the 2,048 bytes a partition key holds.
    const key = { 'idempotency-key': `onboard-${'k'.repeat(3_000)}` }
    const body = { name: 'long-keyed app', scopes: ['weather:invoke'] }

    // Act
    const first = await adminCall('POST', '/admin/clients', body, key)
    const retry = await adminCall('POST', '/admin/clients', body, key)

    // Assess
    expect([first.status, retry.status]).toEqual([201, 201])
    expect(retry.body.clientId).toBe(first.body.clientId)
  })

  it('rotates a secret: the new one gets tokens, the old one no longer does', async () => {
    // Prepare
    const client = await adminCall('POST', '/admin/clients', {
      name: 'rotating app',
      scopes: ['weather:invoke'],
    })
    const { clientId, clientSecret: oldSecret } = client.body

    // Act
    const rotated = await adminCall('POST', `/admin/clients/${clientId}/rotate-secret`)
    const withNew = await tokenFor(gateway.url, clientId, rotated.body.clientSecret)
    const withOld = await tokenFor(gateway.url, clientId, oldSecret)

    // Assess: each secret in an answer no cache may keep
    expect(client.headers.get('cache-control')).toBe('no-store')
    expect(rotated.headers.get('cache-control')).toBe('no-store')
    expect(rotated.headers.get('x-content-type-options')).toBe('nosniff')
    expect(rotated.status).toBe(200)
    expect(rotated.body.clientId).toBe(clientId)
    expect(rotated.body.clientSecret).not.toBe(oldSecret)
    expect(withNew.status).toBe(200)
    expect(withOld.status).toBe(401)
  })

  it('answers an admin call API Gateway refuses itself (no token, a token without the admin scope) as no cache may keep', async () => {
    // Prepare
    const demo = (await tokenFor(gateway.url, 'demo-client', 'demo-secret-local-only'))
      .token as string

    // Act
    const anonymous = await fetch(`${gateway.url}/admin/clients`)
    const notAdmin = await fetch(`${gateway.url}/admin/clients`, {
      headers: { authorization: `Bearer ${demo}` },
    })

    // Assess
    for (const [refused, status] of [
      [anonymous, 401],
      [notAdmin, 403],
    ] as const) {
      expect(refused.status).toBe(status)
      expect(refused.headers.get('cache-control')).toBe('no-store')
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })

  it('deletes a client: its credentials no longer get tokens, and the token it holds is refused a second later', async () => {
    // Prepare
    const client = await adminCall('POST', '/admin/clients', {
      name: 'short-lived app',
      scopes: ['weather:invoke'],
    })
    const { clientId, clientSecret } = client.body
    const before = await tokenFor(gateway.url, clientId, clientSecret)
    expect(await callAgent('weather', before.token as string)).toBe(200)

    // Act
    const deleted = await adminCall('DELETE', `/admin/clients/${clientId}`)
    const after = await tokenFor(gateway.url, clientId, clientSecret)
    const read = await adminCall('GET', `/admin/clients/${clientId}`)
    await oneSecondLater()
    const held = await callAgent('weather', before.token as string)

    // Assess
    expect([before.status, deleted.status, after.status]).toEqual([200, 204, 401])
    expect(read.status).toBe(404)
    expect(held).toBe(401)
  })

  it('refuses the tokens a client holds a second after a scope is taken from it; a new token lacks the scope, and adding one revokes nothing', async () => {
    // Prepare
    const client = await adminCall('POST', '/admin/clients', {
      name: 'narrowed app',
      scopes: ['calculator:invoke'],
    })
    const { clientId, clientSecret } = client.body
    const first = (await tokenFor(gateway.url, clientId, clientSecret)).token as string
    expect(await callAgent('calculator', first)).toBe(200)

    // Act
    const widened = await adminCall('PATCH', `/admin/clients/${clientId}`, {
      scopes: ['calculator:invoke', 'weather:invoke'],
    })
    await oneSecondLater()
    const afterWidening = await callAgent('calculator', first)
    const narrowed = await adminCall('PATCH', `/admin/clients/${clientId}`, {
      scopes: ['weather:invoke'],
    })
    await oneSecondLater()
    const afterNarrowing = await callAgent('calculator', first)
    const renewed = (await tokenFor(gateway.url, clientId, clientSecret)).token as string

    // Assess
    expect([widened.status, narrowed.status]).toEqual([200, 200])
    expect(afterWidening).toBe(200)
    expect(afterNarrowing).toBe(401)
    expect(await callAgent('weather', renewed)).toBe(200)
    expect(await callAgent('calculator', renewed)).toBe(403)
  })

  it('refuses a scope name that does not start with a letter or digit with a 400 that says so', async () => {
    // Act
    const refused = await adminCall('PUT', '/admin/scopes/__proto__', { description: 'x' })

    // Assess
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.body)).toContain('starting with a letter or digit')
  })

  it('refuses with 422 a permission, or a client, for a scope that does not exist, saying so', async () => {
    // Act
    const permission = await adminCall('PUT', '/admin/permissions/billing:read', {
      agents: ['weather'],
    })
    const client = await adminCall('POST', '/admin/clients', {
      name: 'billing app',
      scopes: ['billing:read'],
    })
    const permissions = (await adminCall('GET', '/admin/permissions')).body.permissions

    // Assess
    expect(permission.status).toBe(422)
    expect(permission.type).toBe('application/problem+json')
    expect(permission.body.detail).toMatch(/No scope 'billing:read' is defined/)
    expect(client.status).toBe(422)
    expect(client.body.scopes).toEqual(['billing:read'])
    expect(permissions.map(({ scope }: { scope: string }) => scope)).not.toContain('billing:read')
  })

  it('refuses with 409 to delete a scope in use, naming the permission and the clients, then deletes it once unused', async () => {
    // Prepare
    await adminCall('PUT', '/admin/scopes/audit:invoke', { description: 'Audit calls' })
    await adminCall('PUT', '/admin/permissions/audit:invoke', { agents: ['calculator'] })
    const client = await adminCall('POST', '/admin/clients', {
      name: 'auditing app',
      scopes: ['audit:invoke', 'weather:invoke'],
    })

    // Act
    const inUse = await adminCall('DELETE', '/admin/scopes/audit:invoke')
    await adminCall('DELETE', '/admin/permissions/audit:invoke')
    await adminCall('PATCH', `/admin/clients/${client.body.clientId}`, {
      scopes: ['weather:invoke'],
    })
    const unused = await adminCall('DELETE', '/admin/scopes/audit:invoke')
    const again = await adminCall('DELETE', '/admin/scopes/audit:invoke')

    // Assess
    expect(inUse.status).toBe(409)
    expect(inUse.body).toMatchObject({
      permissions: ['audit:invoke'],
      clients: [client.body.clientId],
    })
    expect(inUse.body.detail).toContain(client.body.clientId)
    expect([unused.status, again.status]).toEqual([204, 404])
  })

  it('never leaves a permission naming a scope deleted at the same moment: one of the two is refused', async () => {
    for (let round = 0; round < 6; round++) {
      // Prepare
      const scope = `race${round}:invoke`
      await adminCall('PUT', `/admin/scopes/${scope}`, { description: 'raced' })

      // Act
      const [deleted, granted] = await Promise.all([
        adminCall('DELETE', `/admin/scopes/${scope}`),
        adminCall('PUT', `/admin/permissions/${scope}`, { agents: ['weather'] }),
      ])

      // Assess: the scope stands with its permission, or is gone and so is the permission.
      expect([
        [204, 422],
        [409, 200],
      ]).toContainEqual([deleted.status, granted.status])
      const permission = await adminCall('GET', '/admin/permissions')
      const stored = permission.body.permissions.some(
        (each: { scope: string }) => each.scope === scope,
      )
      expect(stored).toBe(deleted.status !== 204)
    }
  })

  it('never deletes the admin scope', async () => {
    // Act
    const refused = await adminCall('DELETE', '/admin/scopes/admin')

    // Assess
    expect(refused.status).toBe(409)
    expect(refused.body.detail).toMatch(/admin scope/)
  })

  it('records every change in the audit trail, never with a secret', async () => {
    // Prepare
    const client = await adminCall('POST', '/admin/clients', {
      name: 'audited app',
      scopes: ['weather:invoke'],
    })
    const { clientId, clientSecret } = client.body

    // Act
    await adminCall('PATCH', `/admin/clients/${clientId}`, { name: 'audited app 2' })
    const rotated = await adminCall('POST', `/admin/clients/${clientId}/rotate-secret`)
    await adminCall('DELETE', `/admin/clients/${clientId}`)

    // Assess
    const entries = auditEntries(gateway).filter((entry) => entry.target === clientId)
    expect(entries.map((entry) => entry.action)).toEqual([
      'client.create',
      'client.update',
      'client.rotate-secret',
      'client.delete',
    ])
    expect(entries[1]).toMatchObject({
      actor: 'admin-client',
      before: { name: 'audited app' },
      after: { name: 'audited app 2' },
    })
    const written = JSON.stringify(entries)
    expect(written).not.toContain(clientSecret)
    expect(written).not.toContain(rotated.body.clientSecret)
    expect(auditEntries(gateway).map((entry) => entry.action)).toContain('scope.put')
  })

  it("runs the README's 'Onboard a caller' blocks as written: scope, grant, client, token, call, rotation, delete", async () => {
    // Prepare: the blocks pasted into one terminal, in order, against this gateway.
    const blocks = codeBlocks(readmeSection('Onboard a caller'), 'sh')
    const marker = '--- next block ---'
    const script = `set -eo pipefail\n${blocks
      .map((block) => block.replaceAll('http://127.0.0.1:3000', gateway.url))
      .join(`\necho '${marker}'\n`)}`

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { timeout: 30_000 })
    const outputs = stdout.split(`${marker}\n`)
    const { clients } = (await adminCall('GET', '/admin/clients')).body
    const { scopes } = (await adminCall('GET', '/admin/scopes')).body

    // Assess
    expect(blocks).toHaveLength(5)
    const call = JSON.parse(outputs[3] as string)
    expect(call.result.task.status.state).toBe('TASK_STATE_COMPLETED')
    expect(outputs[4]).toMatch(/"clientSecret":"[^"]+"/)
    expect(clients.map(({ name }: { name: string }) => name)).not.toContain('forecasts app')
    // Undone as the section made it: no scope or permission of it is left behind.
    expect(scopes.map(({ scope }: { scope: string }) => scope)).not.toContain('forecasts:invoke')
    expect((await adminCall('GET', '/admin/permissions/forecasts:invoke')).status).toBe(404)
  })

  it('keeps clients made through the API across a restart, and the seed overwrites no client and restores no deleted permission', async () => {
    // Prepare
    const client = await adminCall('POST', '/admin/clients', {
      name: 'lasting app',
      scopes: ['weather:invoke'],
    })
    await adminCall('PATCH', '/admin/clients/demo-client', { scopes: ['weather:invoke'] })
    await adminCall('DELETE', '/admin/permissions/tasks:read')
    await stop(gateway)

    // Act
    gateway = await start(env)
    admin = (await tokenFor(gateway.url, 'admin-client', 'admin-secret-local-only')).token as string
    const lasting = await tokenFor(gateway.url, client.body.clientId, client.body.clientSecret)
    const demo = await adminCall('GET', '/admin/clients/demo-client')
    const { permissions } = (await adminCall('GET', '/admin/permissions')).body

    // Assess
    expect(lasting.status).toBe(200)
    expect(await callAgent('weather', lasting.token as string)).toBe(200)
    expect(demo.body.scopes).toEqual(['weather:invoke'])
    expect(permissions.map(({ scope }: { scope: string }) => scope)).not.toContain('tasks:read')
  })

  it('marks the clients Terraform manages and refuses with 409 to change, rotate or delete them, which keep working', async () => {
    // Act
    const changed = await adminCall('PATCH', '/admin/clients/admin-client', { name: 'renamed' })
    const rotated = await adminCall('POST', '/admin/clients/admin-client/rotate-secret')
    const deleted = await adminCall('DELETE', '/admin/clients/admin-client')
    const read = await adminCall('GET', '/admin/clients/admin-client')
    const { clients } = (await adminCall('GET', '/admin/clients')).body
    const token = await tokenFor(gateway.url, 'admin-client', 'admin-secret-local-only')

    // Assess
    for (const refused of [changed, rotated, deleted]) {
      expect(refused.status).toBe(409)
      expect(refused.type).toBe('application/problem+json')
      expect(refused.body.detail).toBe(
        "Client 'admin-client' is managed by Terraform; change it there (terraform/cognito.tf) and apply.",
      )
    }
    expect(read.body).toMatchObject({ clientId: 'admin-client', managedBy: 'terraform' })
    expect(
      clients
        .filter(({ managedBy }: { managedBy?: string }) => managedBy === 'terraform')
        .map(({ clientId }: { clientId: string }) => clientId),
    ).toEqual(['admin-client'])
    expect(token.status).toBe(200)
  })
})
