import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditPage } from '../../lib/admin/audit-api.ts'
import { tableName } from '../../lib/tables.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { adminCaller } from '../support/admin-api.ts'
import { startCardServer, validCard } from '../support/card-server.ts'

describe('the audit trail through the local gateway', () => {
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let admin: string
  const secretValue = 'sk-live-audit-must-never-show-this'

  beforeAll(async () => {
    stack = await startThrowawayStack()
    backend = await startCardServer()
    backend.serve(validCard(backend.url))
    admin = await stack.token('admin-client')
  })
  afterAll(async () => {
    await backend.stop()
    await stack.stop()
  })

  const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))

  it('returns register, a permission update and a deactivation newest first, with their actor, secrets redacted', async () => {
    // Prepare
    // A permission names a scope the identity provider defines (issue 18).
    const scoped = await adminCall('PUT', '/admin/scopes/ledger:invoke', {
      description: 'Call the ledger agent',
    })
    const registered = await adminCall('POST', '/admin/register', {
      agentId: 'ledger',
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
      auth: { type: 'api_key', apiKey: secretValue },
    })
    const granted = await adminCall('PUT', '/admin/permissions/ledger:invoke', {
      agents: ['ledger'],
      requestsPerMinute: 5,
    })
    const deactivated = await adminCall('PATCH', '/admin/agents/ledger', { status: 'inactive' })

    // Act
    const all = await adminCall('GET', '/admin/audit?limit=3')
    const text = await all.text()
    const byAgent = (await (
      await adminCall('GET', '/admin/audit?agentId=ledger')
    ).json()) as AuditPage

    // Assess
    expect([scoped.status, registered.status, granted.status, deactivated.status]).toEqual([
      201, 201, 200, 200,
    ])
    expect(all.status).toBe(200)
    expect(text).not.toContain(secretValue)
    const { entries, cursor } = JSON.parse(text) as AuditPage
    expect(
      entries.map(({ action, target, actor, outcome }) => ({ action, target, actor, outcome })),
    ).toEqual([
      { action: 'agent.patch', target: 'ledger', actor: 'admin-client', outcome: 'applied' },
      {
        action: 'permission.put',
        target: 'ledger:invoke',
        actor: 'admin-client',
        outcome: 'applied',
      },
      { action: 'agent.register', target: 'ledger', actor: 'admin-client', outcome: 'applied' },
    ])
    expect(cursor).toEqual(expect.any(String)) // the sample agents' registrations come before
    const [patch, put, register] = entries
    expect(patch).toMatchObject({
      agentId: 'ledger',
      clientId: 'admin-client',
      requestId: expect.stringMatching(/.+/),
      before: { status: 'active' },
      after: { status: 'inactive' },
    })
    // As the API shows a permission: its etag (the one the PUT answered), not the store's version.
    expect(put).toMatchObject({
      before: null,
      after: { scope: 'ledger:invoke', agents: ['ledger'], etag: granted.headers.get('etag') },
    })
    expect(put?.after).not.toHaveProperty('version')
    expect(register?.before).toBeNull()
    expect(register?.after).toMatchObject({
      agentId: 'ledger',
      auth: { type: 'api_key', secretArn: expect.any(String) },
    })
    expect(byAgent.entries.map(({ action }) => action)).toEqual(['agent.patch', 'agent.register'])
  })

  it('answers 400 problem+json naming the field for a bad cursor or limit', async () => {
    // Act
    const responses = await Promise.all([
      adminCall('GET', '/admin/audit?cursor=not-a-cursor'),
      adminCall('GET', '/admin/audit?limit=0'),
      adminCall('GET', '/admin/audit?limit=many'),
    ])

    // Assess
    for (const response of responses) {
      expect(response.status).toBe(400)
      expect(response.headers.get('content-type')).toContain('application/problem+json')
    }
    const [cursor, zero, many] = (await Promise.all(responses.map((r) => r.json()))) as {
      errors: { field: string }[]
    }[]
    expect(cursor?.errors.map(({ field }) => field)).toEqual(['cursor'])
    expect(zero?.errors.map(({ field }) => field)).toEqual(['limit'])
    expect(many?.errors.map(({ field }) => field)).toEqual(['limit'])
  })

  it('refuses the audit trail to a caller without the admin scope', async () => {
    // Prepare
    const demo = await stack.token('demo-client')

    // Act
    const response = await fetch(`${stack.url}/admin/audit`, {
      headers: { authorization: `Bearer ${demo}` },
    })

    // Assess
    expect(response.status).toBe(403)
  })

  it("confirms an agent's replacement whose two cards are too large for one entry, keeping each card's size and digest", async () => {
    // Prepare
    // Two cards of ~200 KB: before and after whole would pass DynamoDB's 400 KB item.
    const cardOf = (letter: string) => ({
      ...validCard(backend.url),
      description: letter.repeat(200_000),
    })
    backend.serve(cardOf('a'))
    const config = {
      backendUrl: backend.url,
      agentCardUrl: backend.cardUrl,
      auth: { type: 'none' },
    }
    const registered = await adminCall('POST', '/admin/register', { agentId: 'atlas', ...config })
    backend.serve(cardOf('b'))

    // Act
    const replaced = await adminCall('PUT', '/admin/agents/atlas', config)
    const page = (await (await adminCall('GET', '/admin/audit?agentId=atlas')).json()) as AuditPage

    // Assess
    expect([registered.status, replaced.status]).toEqual([201, 200])
    const [replacement] = page.entries
    const digest = {
      omitted: 'too large for the audit trail',
      bytes: expect.any(Number),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    }
    expect(replacement).toMatchObject({
      action: 'agent.replace',
      outcome: 'applied',
      before: { agentId: 'atlas', backendUrl: backend.url, card: digest },
      after: { agentId: 'atlas', backendUrl: backend.url, card: digest },
    })
    const { before, after } = replacement as { before: { card: unknown }; after: { card: unknown } }
    expect(before.card).not.toEqual(after.card)
  })

  it('does not make a change whose audit entry cannot be written (the audit table is gone)', async () => {
    // Prepare
    const database = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: process.env.DYNAMODB_ENDPOINT as string,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
    await database.send(
      new DeleteTableCommand({ TableName: tableName('audit', process.env.TABLE_PREFIX as string) }),
    )
    database.destroy()

    // Act
    const refused = await adminCall('PUT', '/admin/permissions/unaudited:invoke', {
      agents: ['ledger'],
    })
    const deactivate = await adminCall('PATCH', '/admin/agents/weather', { status: 'inactive' })
    const listed = await (await adminCall('GET', '/admin/permissions')).json()
    const weather = await (await adminCall('GET', '/admin/agents/weather')).json()

    // Assess
    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({
      title: 'Audit trail unavailable',
      detail: 'The change was not made: its audit entry could not be written. Retry shortly.',
    })
    expect(deactivate.status).toBe(503)
    expect(listed.permissions.map(({ scope }: { scope: string }) => scope)).not.toContain(
      'unaudited:invoke',
    )
    expect(weather.status).toBe('active')
  })
})
