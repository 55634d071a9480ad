import { setTimeout as sleep } from 'node:timers/promises'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoLease } from '../../lib/dynamo-lease.ts'
import { ChangeInProgressError } from '../../lib/errors.ts'
import { tableName } from '../../lib/tables.ts'
import { databaseEngines, documentClientOn, type TestDatabase } from '../support/databases.ts'

/** A promise and the function that settles it, for steps a test orders itself. */
const gate = () => {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

describe.each(databaseEngines)('a lease in the settings table on %s', (_engine, startDatabase) => {
  let database: TestDatabase
  let client: ReturnType<typeof documentClientOn>
  const settings = tableName('settings', 'lease-')
  const lease = (options: { leaseMs?: number; waitMs?: number } = {}) =>
    new DynamoLease({ client, tableName: settings, ...options })

  beforeAll(async () => {
    database = await startDatabase('lease-')
    client = documentClientOn(database)
  })
  afterAll(() => database.stop())

  it('runs the works of five instances wanting it at once one after another, each of them', async () => {
    // Prepare: five instances, each with its own lease object, as five Lambdas would be
    let running = 0
    let mostAtOnce = 0
    const ran: number[] = []

    // Act
    await Promise.all(
      [1, 2, 3, 4, 5].map((instance) =>
        lease().hold('scopes', async () => {
          running++
          mostAtOnce = Math.max(mostAtOnce, running)
          await sleep(20)
          ran.push(instance)
          running--
        }),
      ),
    )

    // Assess
    expect(mostAtOnce).toBe(1)
    expect(ran.sort()).toEqual([1, 2, 3, 4, 5])
  })

  it('gives up with ChangeInProgressError, running nothing, while another holds it past the wait', async () => {
    // Prepare
    const holding = gate()
    const held = gate()
    const first = lease().hold('clients', async () => {
      held.open()
      await holding.opened
    })
    await held.opened
    let ran = false

    // Act
    const second = lease({ waitMs: 300 }).hold('clients', async () => {
      ran = true
    })

    // Assess
    await expect(second).rejects.toThrow(ChangeInProgressError)
    await expect(second).rejects.toThrow(/Another change to clients is being made/)
    expect(ran).toBe(false)
    holding.open()
    await first
  })

  it('takes a lease its holder never gave back once it lapses, and not before', async () => {
    // Prepare: a holder that died (a Lambda timed out mid-change)
    const now = Date.now()
    const dead = (lapsesAtMs: number) =>
      client.send(
        new PutCommand({
          TableName: settings,
          Item: { name: 'lease#abandoned', holder: 'a dead instance', lapsesAtMs },
        }),
      )
    await dead(now + 60_000)

    // Act
    const beforeLapse = lease({ waitMs: 0 }).hold('abandoned', async () => 'ran')
    await expect(beforeLapse).rejects.toThrow(ChangeInProgressError)
    await dead(now - 1)
    const afterLapse = await lease({ waitMs: 0 }).hold('abandoned', async () => 'ran')

    // Assess
    expect(afterLapse).toBe('ran')
  })

  it('gives the lease back when the work fails, and passes the failure on', async () => {
    // Act
    const failed = lease().hold('failing', async () => {
      throw new Error('Cognito said no')
    })

    // Assess
    await expect(failed).rejects.toThrow('Cognito said no')
    await expect(lease({ waitMs: 0 }).hold('failing', async () => 'free')).resolves.toBe('free')
  })

  /** The client, its first PutItem doing `first` instead (what the network did to it). */
  const puttingOnce = (first: (put: PutCommand) => Promise<unknown>) => {
    let done = false
    return {
      send: (command: unknown) => {
        if (command instanceof PutCommand && !done) {
          done = true
          return first(command)
        }
        return client.send(command as PutCommand)
      },
    } as unknown as typeof client
  }

  it('takes its lease when a put that landed is sent again, as the SDK retries one whose answer was lost', async () => {
    // Prepare: the put reaches the table twice
    const retried = new DynamoLease({
      client: puttingOnce(async (put) => {
        await client.send(put)
        return client.send(put)
      }),
      tableName: settings,
      waitMs: 0,
    })

    // Act
    const ran = await retried.hold('retried', async () => 'ran')

    // Assess
    expect(ran).toBe('ran')
    await expect(lease({ waitMs: 0 }).hold('retried', async () => 'free')).resolves.toBe('free')
  })

  it('gives back a lease whose put landed but failed on the way back, running nothing, and passes the failure on', async () => {
    // Prepare
    const failing = new DynamoLease({
      client: puttingOnce(async (put) => {
        await client.send(put)
        throw new Error('socket hang up')
      }),
      tableName: settings,
    })
    let ran = false

    // Act
    const held = failing.hold('lost-answer', async () => {
      ran = true
    })

    // Assess
    await expect(held).rejects.toThrow('socket hang up')
    expect(ran).toBe(false)
    await expect(lease({ waitMs: 0 }).hold('lost-answer', async () => 'free')).resolves.toBe('free')
  })

  it('never gives back a lease that lapsed under it and another instance took', async () => {
    // Prepare: the first holder outlives its lease; a second takes it
    const slowDone = gate()
    const slowStarted = gate()
    const slow = lease({ leaseMs: 50 }).hold('outlived', async () => {
      slowStarted.open()
      await slowDone.opened
    })
    await slowStarted.opened
    await sleep(60)
    const secondDone = gate()
    const secondStarted = gate()
    const second = lease({ waitMs: 1_000 }).hold('outlived', async () => {
      secondStarted.open()
      await secondDone.opened
    })
    await secondStarted.opened

    // Act: the first finishes and gives back what it no longer holds
    slowDone.open()
    await slow

    // Assess: the second's lease still stands
    await expect(lease({ waitMs: 0 }).hold('outlived', async () => 'ran')).rejects.toThrow(
      ChangeInProgressError,
    )
    secondDone.open()
    await second
  })
})
