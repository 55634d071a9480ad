import { vi } from 'vitest'
import { LeanDocumentClient } from '../../lib/dynamo.ts'
import { type TableKey, tables } from '../../lib/tables.ts'

/** One DynamoDB request, as `{Command} {table}`, e.g. `Update rate-limits` (the table without its prefix). */
type Label = string

const tableKeyOf = (tableName: unknown) =>
  (Object.keys(tables) as TableKey[]).find(
    (key) => typeof tableName === 'string' && tableName.endsWith(tables[key].name),
  )

/** A stream slot lives in the rate-limits table, under a key ending `#streams`: `Update stream-slots`. */
const labelOf = (command: unknown): Label => {
  const name = (command as object).constructor.name.replace(/Command$/, '')
  const input = (command as { input?: { TableName?: unknown; Key?: Record<string, unknown> } })
    .input
  const key = tableKeyOf(input?.TableName)
  const slot =
    key === 'rateLimits' &&
    String(input?.Key?.[tables.rateLimits.partitionKey]).endsWith('#streams')
  return `${name} ${slot ? 'stream-slots' : key ? tables[key].name : '?'}`
}

/**
 * Watches the DynamoDB requests this process's handlers send (the local stack
 * runs them in-process), at the document client, when `send` is called and
 * before anything async: which were in flight at once. No timing: a request
 * sent before another's answer came back overlaps it, whatever the database
 * does. `during(act)` gives the most in flight at once while `act` ran, and
 * each pair that overlapped (labels sorted, joined by ` + `).
 *
 * @example
 * const overlap = watchDynamoOverlap()
 * const { peak, pairs } = await overlap.during(() => fetch(url))
 * overlap.stop()
 */
export const watchDynamoOverlap = () => {
  const send = LeanDocumentClient.prototype.send as (...args: unknown[]) => Promise<unknown>
  const inFlight = new Set<{ label: Label }>()
  let seen: { peak: number; pairs: Set<string> } | undefined
  const spy = vi
    .spyOn(LeanDocumentClient.prototype, 'send')
    .mockImplementation(function watchedSend(this: LeanDocumentClient, ...args: unknown[]) {
      const request = { label: labelOf(args[0]) }
      if (seen) {
        for (const other of inFlight)
          seen.pairs.add([other.label, request.label].sort().join(' + '))
        seen.peak = Math.max(seen.peak, inFlight.size + 1)
      }
      inFlight.add(request)
      const answer = send.apply(this, args)
      void answer.then(
        () => inFlight.delete(request),
        () => inFlight.delete(request),
      )
      return answer as never
    })
  return {
    async during(act: () => Promise<unknown>) {
      seen = { peak: inFlight.size, pairs: new Set() }
      try {
        await act()
        return { peak: seen.peak, pairs: [...seen.pairs].sort() }
      } finally {
        seen = undefined
      }
    },
    stop: () => spy.mockRestore(),
  }
}
