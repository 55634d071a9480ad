import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoAuditLog } from '../../lib/admin/audit-log.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

/** Entries of some 190 KB each (an agent's large card in `after`), 60 of them: 11 MB in all. */
const entryCount = 60
const recordBytes = 190_000

/**
 * What a page reads, on AWS's own engine: DynamoDB answers a Query with at most 1 MB, so a page
 * can stop reading once its entries fill 5 MiB. dynalite answers a Query whole (no 1 MB cut), so
 * there the one read is as long as its `Limit`, whatever the page does after it.
 */
describe.each(databaseEngines.filter(([engine]) => engine === 'DynamoDB Local'))(
  'a page of the audit trail on %s',
  (_engine, startDatabase) => {
    let database: TestDatabase
    const tablePrefix = 'auditreads-'
    /** A trail on a client that counts the entries each Query answers. */
    const countingTrail = () => {
      const client = documentClientOn(database)
      const read = { entries: 0 }
      const send = client.send.bind(client)
      client.send = (async (...args: Parameters<typeof send>) => {
        const answer: unknown = await send(...args)
        read.entries += (answer as { Items?: unknown[] }).Items?.length ?? 0
        return answer
      }) as typeof send
      const trail = new DynamoAuditLog({
        client,
        tableName: tableName('audit', tablePrefix),
        retentionDays: 400,
      })
      return { trail, read }
    }

    beforeAll(async () => {
      database = await startDatabase(tablePrefix)
      const { trail } = countingTrail()
      const first = Date.parse('2026-12-01T00:00:00.000Z')
      for (let i = 0; i < entryCount; i++) {
        const intent = {
          id: randomUUID(),
          action: 'agent.replace',
          actor: 'alice',
          clientId: 'console',
          target: 'catalog',
          agentId: 'catalog',
          requestId: `request-${i}`,
          at: new Date(first + i * 1000).toISOString(),
        }
        await trail.intend(intent)
        await trail.record({
          ...intent,
          before: null,
          after: { edition: i, card: 'x'.repeat(recordBytes) },
        })
      }
    }, 120_000)
    afterAll(() => database.stop())

    it('reads no more entries than fill its 5 MiB and one read of the database past them, and pages on exactly after the last shown', async () => {
      // Prepare: one read of the database is at most 1 MB, so at most this many entries
      const perRead = Math.floor(1_048_576 / recordBytes) + 1

      // Act: every page of the trail at ?limit=100, each one's reads counted
      const pages: { shown: number[]; read: number }[] = []
      let cursor: string | undefined
      do {
        const { trail, read } = countingTrail()
        const page = await trail.list({ limit: 100, ...(cursor ? { cursor } : {}) })
        pages.push({
          shown: page.entries.map(({ after }) => (after as { edition: number }).edition),
          read: read.entries,
        })
        cursor = page.cursor
      } while (cursor !== undefined && pages.length < 10)

      // Assess: each page read what it shows and at most one read more, never the 60 behind it
      const [first] = pages
      expect(first?.shown.length).toBeGreaterThan(20)
      expect(first?.shown.length).toBeLessThan(30)
      for (const { shown, read } of pages) {
        expect(read).toBeLessThanOrEqual(shown.length + perRead)
      }
      // ...and every entry shown once, newest first, each page going on where the last stopped
      expect(pages.flatMap(({ shown }) => shown)).toEqual(
        Array.from({ length: entryCount }, (_, i) => entryCount - 1 - i),
      )
    }, 60_000)
  },
)
