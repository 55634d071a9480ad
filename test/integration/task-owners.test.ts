import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tableName } from '../../lib/tables.ts'
import {
  DynamoTaskOwners,
  TaskOwnedElsewhereError,
  taskOwnerTtlSeconds,
  UnrecordableTaskError,
} from '../../lib/tasks/task-owners.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('task owners on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let now = Date.UTC(2026, 0, 1)
  let owners: DynamoTaskOwners

  beforeAll(async () => {
    database = await startDatabase('owners-')
    owners = new DynamoTaskOwners({
      client: documentClientOn(database),
      tableName: tableName('taskOwners', 'owners-'),
      now: () => now,
    })
  })
  afterAll(() => database.stop())

  it('reads a recorded owner back at once', async () => {
    // Act
    await owners.record('weather', ['t-1'], 'client-a')

    // Assess
    expect(await owners.ownerOf('weather', 't-1')).toBe('client-a')
    expect(await owners.ownerOf('weather', 'never-recorded')).toBeUndefined()
    expect(await owners.ownerOf('calculator', 't-1')).toBeUndefined()
  })

  it('keeps the context a task was recorded with, through a renewal that does not name it', async () => {
    // Prepare
    await owners.record('weather', [{ taskId: 't-ctx', contextId: 'c-1' }], 'client-a')

    // Act
    await owners.record('weather', ['t-ctx'], 'client-a')
    await owners.record('weather', ['t-bare'], 'client-a')

    // Assess
    expect(await owners.taskOf('weather', 't-ctx')).toEqual({
      principal: 'client-a',
      contextId: 'c-1',
    })
    expect(await owners.taskOf('weather', 't-bare')).toEqual({ principal: 'client-a' })
  })

  it('never hands a task to a second principal; its creator may record it again', async () => {
    // Prepare
    await owners.record('weather', ['t-2'], 'client-a')

    // Act
    const taken = owners.record('weather', ['t-2'], 'client-b')
    const renewed = owners.record('weather', ['t-2'], 'client-a')

    // Assess
    await expect(taken).rejects.toBeInstanceOf(TaskOwnedElsewhereError)
    await expect(renewed).resolves.toBeUndefined()
    expect(await owners.ownerOf('weather', 't-2')).toBe('client-a')
  })

  it('counts an expired record as absent, though TTL has not deleted it', async () => {
    // Prepare
    await owners.record('weather', ['t-3'], 'client-a')
    now += (taskOwnerTtlSeconds + 1) * 1000

    // Act
    const owner = await owners.ownerOf('weather', 't-3')
    const owned = await owners.ownedBy('weather', ['t-3'], 'client-a')
    await owners.record('weather', ['t-3'], 'client-b')

    // Assess
    expect(owner).toBeUndefined()
    expect(owned.size).toBe(0)
    expect(await owners.ownerOf('weather', 't-3')).toBe('client-b')
  })

  it('says which of more than a hundred tasks a principal created', async () => {
    // Prepare
    const mine = Array.from({ length: 120 }, (_, i) => `mine-${i}`)
    const theirs = Array.from({ length: 30 }, (_, i) => `theirs-${i}`)
    await owners.record('weather', mine, 'client-a')
    await owners.record('weather', theirs, 'client-b')

    // Act
    const owned = await owners.ownedBy('weather', [...theirs, ...mine, 'unknown'], 'client-a')

    // Assess
    expect([...owned].sort()).toEqual([...mine].sort())
  })

  it("says which of more than a hundred agents hold a principal's task of one id, another's or an expired one aside", async () => {
    // Prepare: the id at two of 150 agents as client-a's, at one as client-b's, at one lapsed.
    const agents = Array.from({ length: 150 }, (_, i) => `agent-${String(i).padStart(3, '0')}`)
    await owners.record('agent-007', ['shared-1'], 'client-a')
    await owners.record('agent-140', ['shared-1'], 'client-a')
    await owners.record('agent-090', ['shared-1'], 'client-a')
    now += (taskOwnerTtlSeconds + 1) * 1000
    await owners.record('agent-007', ['shared-1'], 'client-a')
    await owners.record('agent-140', ['shared-1'], 'client-a')
    await owners.record('agent-050', ['shared-1'], 'client-b')

    // Act
    const holders = await owners.holdersOf('shared-1', [...agents, 'agent-007'], 'client-a')
    const none = await owners.holdersOf('shared-1', [], 'client-a')

    // Assess
    expect(holders).toEqual(['agent-007', 'agent-140'])
    expect(none).toEqual([])
  })

  it('finds no owner for an id too long to be a key, and refuses to record one', async () => {
    // Prepare
    const long = 'x'.repeat(3000)

    // Act
    const owner = await owners.ownerOf('weather', long)
    const recording = owners.record('weather', [long], 'client-a')

    // Assess
    expect(owner).toBeUndefined()
    await expect(recording).rejects.toThrow(UnrecordableTaskError)
  })

  it('keeps no two ids apart that UTF-8 cannot hold: a lone surrogate is neither recorded nor found', async () => {
    // Prepare: a task of B's whose id DynamoDB Local reads as `x?` and dynalite as `x\ufffd`.
    await owners.record('weather', ['x?', 'x\ufffd'], 'client-b')

    // Act
    const recording = owners.record('weather', ['x\ud800'], 'client-a')
    const owner = await owners.ownerOf('weather', 'x\ud801')

    // Assess
    await expect(recording).rejects.toThrow(/not well-formed Unicode/)
    expect(owner).toBeUndefined()
  })

  it('records a task without a context id that is not well-formed Unicode', async () => {
    // Act
    await owners.record('weather', [{ taskId: 'odd-context', contextId: 'c\udfff' }], 'client-a')

    // Assess
    expect(await owners.taskOf('weather', 'odd-context')).toEqual({ principal: 'client-a' })
  })

  it('records a task whose context id is too long to keep without it (a caller may choose it)', async () => {
    // Act
    await owners.record(
      'weather',
      [{ taskId: 'long-context', contextId: 'c'.repeat(3000) }],
      'client-a',
    )

    // Assess: the task is the caller's; the context is not kept.
    expect(await owners.taskOf('weather', 'long-context')).toEqual({ principal: 'client-a' })
  })

  it('records none of an answer’s tasks when one of them cannot be recorded', async () => {
    // Act
    const recording = owners.record('weather', ['fits', 'x'.repeat(3000)], 'client-a')

    // Assess: no half-written record of a task the caller was never shown.
    await expect(recording).rejects.toThrow(UnrecordableTaskError)
    expect(await owners.ownerOf('weather', 'fits')).toBeUndefined()
  })

  describe("an agent's registrations", () => {
    const first = '2026-12-01T10:00:00.000Z'
    const again = '2026-12-06T12:00:00.000Z'

    it('keeps a task of an earlier registration of the id from everyone, and lets another caller record it anew', async () => {
      // Prepare
      await owners.record('reused', [{ taskId: 't-1', contextId: 'c-old' }], 'client-a', first)

      // Act
      const seen = await Promise.all([
        owners.taskOf('reused', 't-1', again),
        owners.ownerOf('reused', 't-1', again),
        owners.ownedBy('reused', ['t-1'], 'client-a', again),
      ])
      await owners.record('reused', ['t-1'], 'client-b', again)

      // Assess
      expect(seen).toEqual([undefined, undefined, new Set()])
      expect(await owners.ownerOf('reused', 't-1', again)).toBe('client-b')
      expect(await owners.ownerOf('reused', 't-1', first)).toBeUndefined()
    })

    it("still refuses another caller a task of the agent's own registration", async () => {
      // Prepare
      await owners.record('kept', ['t-1'], 'client-a', again)

      // Act
      const taken = owners.record('kept', ['t-1'], 'client-b', again)

      // Assess
      await expect(taken).rejects.toBeInstanceOf(TaskOwnedElsewhereError)
      expect(await owners.taskOf('kept', 't-1', again)).toEqual({ principal: 'client-a' })
    })

    it("never lets an earlier registration take a later one's task (an instance still holding the old record)", async () => {
      // Prepare
      await owners.record('later', ['t-1'], 'client-b', again)

      // Act
      const taken = owners.record('later', ['t-1'], 'client-a', first)

      // Assess
      await expect(taken).rejects.toBeInstanceOf(TaskOwnedElsewhereError)
      expect(await owners.ownerOf('later', 't-1', again)).toBe('client-b')
    })

    it("never lets a call to an earlier registration move its caller's task back to it", async () => {
      // Prepare: client-a's task under the later registration
      await owners.record('moved', ['t-1'], 'client-a', again)

      // Act: an instance still holding the earlier record answers client-a with the same task
      const movedBack = owners.record('moved', ['t-1'], 'client-a', first)

      // Assess: refused, and the task stays client-a's under the later registration alone
      await expect(movedBack).rejects.toBeInstanceOf(TaskOwnedElsewhereError)
      expect(await owners.ownerOf('moved', 't-1', again)).toBe('client-a')
      await expect(owners.record('moved', ['t-1'], 'client-b', again)).rejects.toBeInstanceOf(
        TaskOwnedElsewhereError,
      )
    })

    it("holds a caller's task at /route only for the registration it was recorded under", async () => {
      // Prepare: client-a's t-1 under an agent's first registration, and under another's current one
      await owners.record('registered-again', ['t-1'], 'client-a', first)
      await owners.record('still-held', ['t-1'], 'client-a', again)
      const registrations: Record<string, string> = {
        'registered-again': again,
        'still-held': again,
      }

      // Act
      const holders = await owners.holdersOf(
        't-1',
        ['registered-again', 'still-held'],
        'client-a',
        async (id) => registrations[id],
      )

      // Assess: 'registered-again' was registered again since, so its old record holds nothing
      expect(holders).toEqual(['still-held'])
    })

    it('awaits a registration read that fails, even for a task id too long to look up', async () => {
      // Act
      const looked = owners.taskOf(
        'weather',
        'x'.repeat(2100),
        Promise.reject(new Error('throttled')),
      )

      // Assess: the failure is the caller's to answer, never an unhandled rejection
      await expect(looked).rejects.toThrow('throttled')
    })

    it('takes a record from before registrations were named by when it was last written', async () => {
      // Prepare: recorded without a registration, as before the field, between the two
      const betweenThem = Date.parse('2026-12-03T00:00:00.000Z')
      const [since, earlier] = await (async () => {
        const saved = now
        now = Date.parse(again) + 60_000
        await owners.record('legacy', ['t-since'], 'client-a')
        now = betweenThem
        await owners.record('legacy', ['t-earlier'], 'client-a')
        now = saved
        return ['t-since', 't-earlier']
      })()

      // Act
      const found = await Promise.all([
        owners.ownerOf('legacy', since, again),
        owners.ownerOf('legacy', earlier, again),
        owners.ownerOf('legacy', earlier, first),
      ])
      const retaken = owners.record('legacy', [since], 'client-b', again)

      // Assess: one written since the registration is its; one written before, an earlier one's
      expect(found).toEqual(['client-a', undefined, 'client-a'])
      await expect(retaken).rejects.toBeInstanceOf(TaskOwnedElsewhereError)
      await owners.record('legacy', [earlier], 'client-b', again)
      expect(await owners.ownerOf('legacy', earlier, again)).toBe('client-b')
    })
  })

  describe('a record whose write went unanswered', () => {
    const timeout = () =>
      Object.assign(new Error('DynamoDB sent nothing for 3000 ms'), {
        name: 'TimeoutError',
        $metadata: { attempts: 3 },
      })
    /** Owners on a client whose task-owner updates are carried out (or not) and never answered. */
    const unanswered = ({ lands }: { lands: boolean }) => {
      const client = documentClientOn(database)
      return new DynamoTaskOwners({
        client: {
          send: async (command: { constructor: { name: string } }) => {
            if (command.constructor.name !== 'UpdateCommand') {
              return client.send(command as Parameters<typeof client.send>[0])
            }
            if (lands) await client.send(command as Parameters<typeof client.send>[0])
            throw timeout()
          },
        } as unknown as typeof client,
        tableName: tableName('taskOwners', 'owners-'),
        now: () => now,
      })
    }

    it("records it when the write landed, so the caller's answer is not withheld", async () => {
      // Act
      const recording = unanswered({ lands: true }).record('weather', ['t-landed'], 'client-a')

      // Assess
      await expect(recording).resolves.toBeUndefined()
      expect(await owners.ownerOf('weather', 't-landed')).toBe('client-a')
    })

    it('still fails when it did not land', async () => {
      // Act
      const recording = unanswered({ lands: false }).record('weather', ['t-lost'], 'client-a')

      // Assess
      await expect(recording).rejects.toMatchObject({ name: 'TimeoutError' })
      expect(await owners.ownerOf('weather', 't-lost')).toBeUndefined()
    })
  })
})
