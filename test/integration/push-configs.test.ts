import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DynamoPushConfigs,
  PushConfigChangedError,
  type PushConfigRecord,
  pushConfigTtlSeconds,
  secretHashOf,
} from '../../lib/push/push-configs.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

describe.each(databaseEngines)('push configs on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  const now = Date.UTC(2026, 0, 1)
  let configs: DynamoPushConfigs

  const setting = (
    configId: string,
    secret: string,
    expiresAt = now / 1000 + 60,
  ): PushConfigRecord => ({
    configId,
    agentId: 'weather',
    taskId: 't-1',
    principal: 'client-a',
    secretHash: secretHashOf(secret),
    webhook: { url: `https://${secret}.example.com/hook` },
    expiresAt,
  })

  beforeAll(async () => {
    database = await startDatabase('push-')
    configs = new DynamoPushConfigs({
      client: documentClientOn(database),
      tableName: tableName('pushConfigs', 'push-'),
      now: () => now,
    })
  })
  afterAll(() => database.stop())

  it('writes a setting over the one it read, and refuses one that read a setting since replaced', async () => {
    // Prepare
    const first = setting('config-aaaaaaaaaaaaaa', 'first')
    await configs.put(first)
    const second = { ...setting('config-aaaaaaaaaaaaaa', 'second'), previous: first }

    // Act
    await configs.put(second, first)
    const crossing = configs.put(setting('config-aaaaaaaaaaaaaa', 'third'), first)

    // Assess
    await expect(crossing).rejects.toBeInstanceOf(PushConfigChangedError)
    expect(await configs.get('config-aaaaaaaaaaaaaa')).toMatchObject({
      secretHash: second.secretHash,
      previous: { secretHash: first.secretHash, webhook: first.webhook },
    })
  })

  it('refuses a first setting where another was written meanwhile, and takes one over an expired record', async () => {
    // Prepare
    await configs.put(setting('config-bbbbbbbbbbbbbb', 'kept'))
    await configs.put(setting('config-cccccccccccccc', 'lapsed', now / 1000 - 1))

    // Act
    const overKept = configs.put(setting('config-bbbbbbbbbbbbbb', 'late'))
    const overLapsed = configs.put(setting('config-cccccccccccccc', 'fresh'))

    // Assess
    await expect(overKept).rejects.toBeInstanceOf(PushConfigChangedError)
    await expect(overLapsed).resolves.toBeUndefined()
    expect((await configs.get('config-cccccccccccccc'))?.webhook.url).toBe(
      'https://fresh.example.com/hook',
    )
  })

  it('deletes a setting only while it stands: one written since is left', async () => {
    // Prepare: a setting the agent refused, and another config whose setting was replaced since
    const refused = setting('config-rrrrrrrrrrrrrr', 'refused')
    await configs.put(refused)
    const replaced = setting('config-ssssssssssssss', 'replaced')
    await configs.put(replaced)
    const since = setting('config-ssssssssssssss', 'since')
    await configs.put(since, replaced)

    // Act
    const deleted = await configs.delete(refused.configId, refused)
    const left = await configs.delete(replaced.configId, replaced)

    // Assess
    expect(deleted).toMatchObject({ secretHash: refused.secretHash })
    expect(await configs.get(refused.configId)).toBeUndefined()
    expect(left).toBeUndefined()
    expect(await configs.get(since.configId)).toMatchObject({ secretHash: since.secretHash })
  })

  it('answers the record a Delete found, lapsed or not, and none when deleting again', async () => {
    // Prepare
    await configs.put(setting('config-dddddddd-live', 'live'))
    await configs.put(setting('config-dddddd-lapsed', 'lapsed', now / 1000 - 1))

    // Act
    const found = [
      await configs.delete('config-dddddddd-live'),
      await configs.delete('config-dddddd-lapsed'),
      await configs.delete('config-dddddddd-live'),
      await configs.delete('config-never-written'),
    ]

    // Assess
    expect(found.map((record) => record?.webhook.url)).toEqual([
      'https://live.example.com/hook',
      'https://lapsed.example.com/hook',
      undefined,
      undefined,
    ])
  })

  describe('binding a config set with the SendMessage that starts its task', () => {
    const unbound = (configId: string, expiresAt?: number): PushConfigRecord => {
      const { taskId: _none, ...rest } = setting(configId, 'inline', expiresAt)
      return rest
    }

    it('binds it to the first task, again to that task, never to another', async () => {
      // Prepare
      await configs.put(unbound('config-dddddddddddddd'))

      // Act
      const outcomes = [
        await configs.bindTask('config-dddddddddddddd', 'task-9'),
        await configs.bindTask('config-dddddddddddddd', 'task-9'),
        await configs.bindTask('config-dddddddddddddd', 'task-10'),
      ]

      // Assess
      expect(outcomes).toEqual(['bound', 'bound', 'elsewhere'])
      expect((await configs.get('config-dddddddddddddd'))?.taskId).toBe('task-9')
    })

    it('binds exactly one of two tasks racing', async () => {
      // Prepare
      await configs.put(unbound('config-eeeeeeeeeeeeee'))

      // Act
      const outcomes = await Promise.all(
        ['task-1', 'task-2', 'task-3'].map((taskId) =>
          configs.bindTask('config-eeeeeeeeeeeeee', taskId),
        ),
      )

      // Assess
      expect(outcomes.filter((outcome) => outcome === 'bound')).toHaveLength(1)
      expect(outcomes.filter((outcome) => outcome === 'elsewhere')).toHaveLength(2)
    })

    it('writes nothing for a config deleted or lapsed', async () => {
      // Prepare
      await configs.put(unbound('config-ffffffffffffff', now / 1000 - 1))

      // Act
      const outcomes = [
        await configs.bindTask('config-gggggggggggggg', 'task-9'),
        await configs.bindTask('config-ffffffffffffff', 'task-9'),
      ]

      // Assess
      expect(outcomes).toEqual(['gone', 'gone'])
      const lapsed = new DynamoPushConfigs({
        client: documentClientOn(database),
        tableName: tableName('pushConfigs', 'push-'),
        now: () => 0,
      })
      expect(await lapsed.get('config-gggggggggggggg')).toBeUndefined()
      expect((await lapsed.get('config-ffffffffffffff'))?.taskId).toBeUndefined()
    })
  })

  describe("linking a config set inline to the id its task's Delete derives", () => {
    it('answers the configs linked before a mark, and links none after it', async () => {
      // Prepare
      await configs.link('derived-a', 'config-hhhhhhhhhhhhhh')
      await configs.link('derived-a', 'config-hhhhhhhhhhhhhh')
      await configs.link('derived-a', 'config-iiiiiiiiiiiiii')

      // Act
      const marked = await configs.markDeleted('derived-a')
      const markedAgain = await configs.markDeleted('derived-a')
      const late = await configs.link('derived-a', 'config-jjjjjjjjjjjjjj')

      // Assess: a Delete sent again finds what the first found; a link after it is refused.
      expect(marked.sort()).toEqual(['config-hhhhhhhhhhhhhh', 'config-iiiiiiiiiiiiii'])
      expect(markedAgain.sort()).toEqual(marked)
      expect(late).toBe('deleted')
      expect(await configs.markDeleted('derived-a')).not.toContain('config-jjjjjjjjjjjjjj')
    })

    it('marks an id nothing was linked to, answering none, and refuses the link that comes after', async () => {
      // Act
      const marked = await configs.markDeleted('derived-b')
      const late = await configs.link('derived-b', 'config-kkkkkkkkkkkkkk')

      // Assess
      expect(marked).toEqual([])
      expect(late).toBe('deleted')
    })

    it('orders a link and a mark racing: the mark answers the config exactly when the link was taken', async () => {
      // Act
      const races = await Promise.all(
        Array.from({ length: 12 }, async (_, index) => {
          const derived = `derived-race-${index}`
          const link = () => configs.link(derived, 'config-llllllllllllll')
          const mark = () => configs.markDeleted(derived)
          // Each sent first in turn.
          const [linked, marked] =
            index % 2 === 0
              ? await Promise.all([link(), mark()])
              : await Promise.all([mark(), link()]).then(
                  ([found, taken]) => [taken, found] as const,
                )
          return { linked, marked, after: await mark() }
        }),
      )

      // Assess: linked and answered by the mark (and its retry), or refused and answered by none.
      for (const { linked, marked, after } of races) {
        const answered = linked === 'linked' ? ['config-llllllllllllll'] : []
        expect(marked).toEqual(answered)
        expect(after).toEqual(answered)
      }
    })

    it('takes a link again once the mark has lapsed', async () => {
      // Prepare
      await configs.markDeleted('derived-c')
      const later = new DynamoPushConfigs({
        client: documentClientOn(database),
        tableName: tableName('pushConfigs', 'push-'),
        now: () => now + (pushConfigTtlSeconds + 1) * 1000,
      })

      // Act
      const linked = await later.link('derived-c', 'config-mmmmmmmmmmmmmm')

      // Assess
      expect(linked).toBe('linked')
      expect(await later.markDeleted('derived-c')).toEqual(['config-mmmmmmmmmmmmmm'])
    })

    it('deletes a config set inline while unbound or bound to the Delete’s task, never one bound to another', async () => {
      // Prepare
      const { taskId: _none, ...unbound } = setting('config-nnnnnnnnnnnnnn', 'unbound')
      await configs.put(unbound)
      await configs.put(setting('config-oooooooooooooo', 'same'))
      await configs.put(setting('config-pppppppppppppp', 'other'))

      // Act
      await configs.deleteInline('config-nnnnnnnnnnnnnn', 't-1')
      await configs.deleteInline('config-oooooooooooooo', 't-1')
      await configs.deleteInline('config-pppppppppppppp', 't-2')
      await configs.deleteInline('config-qqqqqqqqqqqqqq', 't-1')

      // Assess
      expect(await configs.get('config-nnnnnnnnnnnnnn')).toBeUndefined()
      expect(await configs.get('config-oooooooooooooo')).toBeUndefined()
      expect((await configs.get('config-pppppppppppppp'))?.taskId).toBe('t-1')
    })
  })
})
