import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { auditedChange } from '../../lib/admin/audit.ts'
import { DynamoAuditLog } from '../../lib/admin/audit-log.ts'
import { durableAuditSink } from '../../lib/admin/wiring.ts'
import { AgentNotFoundError, AuditUnavailableError } from '../../lib/errors.ts'
import { DynamoPermissionStore } from '../../lib/permissions/permission-store.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('audit log on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let client: ReturnType<typeof documentClientOn>
  let trail: DynamoAuditLog
  let permissions: DynamoPermissionStore
  const logger = { error: vi.fn(), info: vi.fn() }
  const sinkOf = (log: DynamoAuditLog) =>
    durableAuditSink(log, { record: async () => undefined }, logger)
  const alice = { principal: 'alice', clientId: 'console' }
  const bob = { principal: 'bob', clientId: 'admin-client' }
  let clock = Date.parse('2026-01-01T00:00:00.000Z')
  const tick = () => {
    clock += 1000
    return new Date(clock)
  }

  beforeAll(async () => {
    database = await startDatabase('audit-')
    client = documentClientOn(database)
    trail = new DynamoAuditLog({
      client,
      tableName: tableName('audit', 'audit-'),
      retentionDays: 400,
    })
    permissions = new DynamoPermissionStore(client, tableName('permissions', 'audit-'))
    // Prepare: five changes, alternating actors, on two agents and one scope.
    const changes = [
      ['agent.register', alice, 'weather'],
      ['agent.register', bob, 'calculator'],
      ['permission.put', alice, 'weather:invoke'],
      ['agent.patch', bob, 'weather'],
      ['agent.patch', alice, 'weather'],
    ] as const
    for (const [action, actor, target] of changes) {
      await auditedChange(
        sinkOf(trail),
        { action, actor, target, requestId: `request-${action}-${target}` },
        async () => ({ before: null, after: { target } }),
        tick,
      )
    }
  })
  afterAll(() => database.stop())

  const summary = (entries: { action: string; actor: string; target: string }[]) =>
    entries.map(({ action, actor, target }) => `${action} ${target} by ${actor}`)

  it('lists every change newest first, applied, with its request id and before/after', async () => {
    // Act
    const { entries, cursor } = await trail.list({ limit: 50 })

    // Assess
    expect(summary(entries)).toEqual([
      'agent.patch weather by alice',
      'agent.patch weather by bob',
      'permission.put weather:invoke by alice',
      'agent.register calculator by bob',
      'agent.register weather by alice',
    ])
    expect(entries[0]).toMatchObject({
      outcome: 'applied',
      agentId: 'weather',
      clientId: 'console',
      requestId: 'request-agent.patch-weather',
      before: null,
      after: { target: 'weather' },
    })
    expect(entries[2]?.agentId).toBeUndefined()
    expect(cursor).toBeUndefined()
  })

  it('filters by agent, by actor, and by both', async () => {
    // Act
    const [byAgent, byActor, byBoth] = await Promise.all([
      trail.list({ agentId: 'weather', limit: 50 }),
      trail.list({ actor: 'bob', limit: 50 }),
      trail.list({ agentId: 'weather', actor: 'alice', limit: 50 }),
    ])

    // Assess
    expect(summary(byAgent.entries)).toEqual([
      'agent.patch weather by alice',
      'agent.patch weather by bob',
      'agent.register weather by alice',
    ])
    expect(summary(byActor.entries)).toEqual([
      'agent.patch weather by bob',
      'agent.register calculator by bob',
    ])
    expect(summary(byBoth.entries)).toEqual([
      'agent.patch weather by alice',
      'agent.register weather by alice',
    ])
  })

  it('pages with an opaque cursor until the last page, which has none', async () => {
    // Act
    const first = await trail.list({ limit: 2 })
    const second = await trail.list({ limit: 2, cursor: first.cursor })
    const third = await trail.list({ limit: 2, cursor: second.cursor })
    const filtered = await trail.list({ agentId: 'weather', actor: 'alice', limit: 1 })
    const filteredNext = await trail.list({
      agentId: 'weather',
      actor: 'alice',
      limit: 1,
      cursor: filtered.cursor,
    })

    // Assess
    expect(summary([...first.entries, ...second.entries, ...third.entries])).toEqual(
      summary((await trail.list({ limit: 50 })).entries),
    )
    expect(first.cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(third.entries).toHaveLength(1)
    expect(third.cursor).toBeUndefined()
    expect(summary([...filtered.entries, ...filteredNext.entries])).toEqual([
      'agent.patch weather by alice',
      'agent.register weather by alice',
    ])
    expect(filteredNext.cursor).toBeUndefined()
  })

  it('keeps each entry until its retention has passed (expiresAt, for DynamoDB TTL)', async () => {
    // Prepare
    const [newest] = (await trail.list({ limit: 1 })).entries

    // Act
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName('audit', 'audit-'), Key: { id: newest?.id } }),
    )

    // Assess
    expect(Item?.expiresAt).toBe(Date.parse(newest?.at as string) / 1000 + 400 * 86_400)
  })

  it('withdraws the entry of a change refused', async () => {
    // Prepare
    const { entries: before } = await trail.list({ agentId: 'failing', limit: 50 })

    // Act
    const failed = auditedChange(
      sinkOf(trail),
      { action: 'agent.delete', actor: alice, target: 'failing' },
      async () => {
        throw new AgentNotFoundError('failing')
      },
      tick,
    )

    // Assess
    await expect(failed).rejects.toBeInstanceOf(AgentNotFoundError)
    expect(before).toEqual([])
    expect((await trail.list({ agentId: 'failing', limit: 50 })).entries).toEqual([])
  })

  it('keeps the entry pending, outcome unknown, of a change whose write lost its answer', async () => {
    // Act
    const failed = auditedChange(
      sinkOf(trail),
      { action: 'agent.patch', actor: alice, target: 'unanswered' },
      async () => {
        throw Object.assign(new Error('DynamoDB sent nothing for 3000 ms'), {
          name: 'TimeoutError',
        })
      },
      tick,
    )

    // Assess
    await expect(failed).rejects.toThrow('DynamoDB sent nothing')
    const { entries } = await trail.list({ agentId: 'unanswered', limit: 50 })
    expect(entries).toEqual([
      expect.objectContaining({ action: 'agent.patch', outcome: 'pending', actor: 'alice' }),
    ])
  })

  it('does not make a change whose audit entry cannot be written (audit table missing)', async () => {
    // Prepare: the permission store works; the audit table does not exist.
    const broken = new DynamoAuditLog({ client, tableName: 'audit-missing', retentionDays: 400 })
    const change = vi.fn(async () => ({
      before: await permissions.put({ scope: 'never:invoke', agents: ['weather'] }),
      after: { scope: 'never:invoke', agents: ['weather'] },
    }))

    // Act
    const attempt = auditedChange(
      sinkOf(broken),
      { action: 'permission.put', actor: alice, target: 'never:invoke' },
      change,
      tick,
    )

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(AuditUnavailableError)
    expect(change).not.toHaveBeenCalled()
    expect(await permissions.forScopes(['never:invoke'])).toEqual([])
  })
})
