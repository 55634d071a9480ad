import type { BatchGetCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { batchGetItems } from '../../../lib/batch-get.ts'
import { DependencyUnavailableError, retryAfterOf } from '../../../lib/errors.ts'

/** A client whose answers leave the first `throttled` requests' keys unprocessed but one. */
const throttlingClient = (throttled: number) => {
  const asked: { keys: number; consistent: boolean | undefined }[] = []
  return {
    asked,
    send: async (command: BatchGetCommand) => {
      const { Keys, ConsistentRead } = command.input.RequestItems?.t ?? {}
      const keys = (Keys ?? []) as Record<string, unknown>[]
      asked.push({ keys: keys.length, consistent: ConsistentRead })
      const throttling = asked.length <= throttled
      const [first, ...rest] = keys
      return {
        Responses: { t: (throttling ? [first] : keys).map((key) => ({ ...key, found: true })) },
        UnprocessedKeys: throttling && rest.length > 0 ? { t: { Keys: rest } } : {},
      }
    },
  }
}

describe('batchGetItems', () => {
  it('reads 100 keys a request and asks again for the keys left unprocessed', async () => {
    // Prepare
    const client = throttlingClient(2)
    const keys = Array.from({ length: 150 }, (_, i) => ({ id: `k${i}` }))

    // Act
    const items = await batchGetItems(client as never, 't', keys, {
      lookup: 'test lookup',
      consistentRead: true,
    })

    // Assess
    expect(items.map(({ id }) => id).sort()).toEqual(keys.map(({ id }) => id).sort())
    expect(client.asked).toEqual([
      { keys: 100, consistent: true },
      { keys: 99, consistent: true },
      { keys: 98, consistent: true },
      { keys: 50, consistent: true },
    ])
  })

  it('gives up after five requests for the same batch, naming the lookup, as a service to retry shortly', async () => {
    // Prepare
    const client = throttlingClient(Number.POSITIVE_INFINITY)
    const keys = Array.from({ length: 10 }, (_, i) => ({ id: `k${i}` }))

    // Act
    const failure = await batchGetItems(client as never, 't', keys, {
      lookup: 'test lookup',
    }).catch((error: Error) => error)

    // Assess
    expect(failure).toBeInstanceOf(DependencyUnavailableError)
    expect((failure as Error).message).toContain('test lookup still throttled after 5 attempts')
    expect(retryAfterOf(failure)).toBe(1)
    expect(client.asked).toHaveLength(5)
    expect(client.asked[0]?.consistent).toBeUndefined()
  })
})
