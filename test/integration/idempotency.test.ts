import { randomBytes } from 'node:crypto'
import {
  IdempotencyConfig,
  IdempotencyItemAlreadyExistsError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence'
import middy from '@middy/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDynamoClient } from '../../lib/dynamo.ts'
import { tableName } from '../../lib/tables.ts'
import { idempotentRequest } from '../../middlewares/idempotent-request.ts'
import { databaseEngines, type TestDatabase } from '../support/databases.ts'
import { invoke, lambdaContext } from '../support/events.ts'

describe.each(databaseEngines)('idempotency records on %s', (_engine, startDatabase) => {
  let database: TestDatabase

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'local'
    process.env.AWS_SECRET_ACCESS_KEY = 'local'
    database = await startDatabase('idem-')
  })
  afterAll(() => database.stop())

  /** Idempotency records in the test database's table, as lib/tables.ts names it. */
  const recordsOnDatabase = () =>
    new DynamoDBPersistenceLayer({
      tableName: tableName('idempotency', 'idem-'),
      awsSdkV3Client: createDynamoClient({
        region: 'us-east-1',
        dynamoDbEndpoint: database.endpoint,
      }),
    })
  /** A request's key read from this header, its body the payload a reuse must match. */
  const keyedBy = (header: string) =>
    new IdempotencyConfig({
      eventKeyJmesPath: `headers."${header}"`,
      payloadValidationJmesPath: 'body',
    })

  it('runs a request once per Idempotency-Key and replays its answer, on the table lib/tables.ts defines', async () => {
    // Prepare
    const work = vi.fn(async (event: { body: { n: number } }, _context: unknown) => ({
      statusCode: 201,
      body: `made ${event.body.n}`,
    }))
    const handler = makeIdempotent(work, {
      persistenceStore: recordsOnDatabase(),
      config: keyedBy('Idempotency-Key'),
    })
    const event = { headers: { 'Idempotency-Key': 'k-1' }, body: { n: 1 } }

    // Act
    const first = await handler(event, lambdaContext('test'))
    const replay = await handler(event, lambdaContext('test'))
    const misuse = await handler({ ...event, body: { n: 2 } }, lambdaContext('test')).catch(
      (caught: unknown) => caught,
    )

    // Assess
    expect(work).toHaveBeenCalledOnce()
    expect(replay).toEqual(first)
    expect((misuse as Error).name).toBe('IdempotencyValidationError')
  })

  it('keeps the stored answer through a refused mismatch and the lock through a refused duplicate', async () => {
    // Prepare
    const persistenceStore = recordsOnDatabase()
    const config = keyedBy('idempotency-key')
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let holding = false
    const work = vi.fn(async (event: { body: { n: number } }) => {
      // Only the first run of request 3 waits, so a second run would answer, not hang.
      if (event.body.n === 3 && !holding) {
        holding = true
        await held
      }
      return { statusCode: 201, body: `made ${event.body.n}` }
    })
    const handler = middy<{ body: { n: number } }>()
      .use(idempotentRequest({ persistenceStore, config }))
      .handler(work)
    const request = (key: string, n: number) =>
      invoke(handler, { headers: { 'idempotency-key': key }, body: { n } }).catch(
        (caught: Error) => caught.name,
      )

    // Act
    const stored = await request('k-kept', 1)
    const mismatch = await request('k-kept', 2)
    const replay = await request('k-kept', 1)
    const running = request('k-locked', 3)
    await vi.waitFor(() => expect(holding).toBe(true), { timeout: 10_000 })
    const duplicates = [await request('k-locked', 3), await request('k-locked', 3)]
    release()
    const ran = await running

    // Assess
    expect([mismatch, replay]).toEqual(['IdempotencyValidationError', stored])
    expect(duplicates).toEqual([
      'IdempotencyAlreadyInProgressError',
      'IdempotencyAlreadyInProgressError',
    ])
    expect(ran).toEqual({ statusCode: 201, body: 'made 3' })
    expect(work).toHaveBeenCalledTimes(2)
  })

  /**
   * The race behind IdempotencyItemNotFoundError: the conditional put finds a record (and,
   * as on an engine without ReturnValuesOnConditionCheckFailure, does not return it), and
   * the record is gone when Powertools reads it back, because its owner failed and deleted it.
   */
  class RecordVanishingOnce extends DynamoDBPersistenceLayer {
    #vanished = false
    protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
      try {
        await super._putRecord(record)
      } catch (error) {
        if (!(error instanceof IdempotencyItemAlreadyExistsError)) throw error
        throw new IdempotencyItemAlreadyExistsError(error.message)
      }
    }
    protected override async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
      if (!this.#vanished) {
        this.#vanished = true
        await this._deleteRecord(new IdempotencyRecord({ idempotencyKey, status: 'COMPLETED' }))
      }
      return super._getRecord(idempotencyKey)
    }
  }

  it('runs a request again whose record vanished between the put and the read, instead of a 500', async () => {
    // Prepare
    const client = createDynamoClient({ region: 'us-east-1', dynamoDbEndpoint: database.endpoint })
    const table = tableName('idempotency', 'idem-')
    const config = keyedBy('idempotency-key')
    const work = vi.fn(async () => ({ statusCode: 201, body: 'made' }))
    const handlerWith = (persistenceStore: DynamoDBPersistenceLayer) =>
      middy().use(idempotentRequest({ persistenceStore, config })).handler(work)
    const event = { headers: { 'idempotency-key': 'k-vanish' }, body: { n: 1 } }
    await invoke(
      handlerWith(new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: client })),
      event,
    )

    // Act
    const again = await invoke(
      handlerWith(new RecordVanishingOnce({ tableName: table, awsSdkV3Client: client })),
      event,
    )

    // Assess
    expect(again).toEqual({ statusCode: 201, body: 'made' })
    expect(work).toHaveBeenCalledTimes(2)
  })

  /** A table that takes the in-progress record but throttles the saving of the answer. */
  class AnswerNotSaved extends DynamoDBPersistenceLayer {
    protected override async _updateRecord(): Promise<void> {
      throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 3 },
      })
    }
  }

  it('answers a change made whose answer could not be saved as made, logging the failed save', async () => {
    // Prepare
    const client = createDynamoClient({ region: 'us-east-1', dynamoDbEndpoint: database.endpoint })
    const persistenceStore = new AnswerNotSaved({
      tableName: tableName('idempotency', 'idem-'),
      awsSdkV3Client: client,
    })
    const config = keyedBy('idempotency-key')
    const logger = { error: vi.fn() }
    const work = vi.fn(async () => ({ statusCode: 201, body: 'made' }))
    const handler = middy()
      .use(idempotentRequest({ persistenceStore, config }, { logger }))
      .handler(work)

    // Act
    const answer = await invoke(handler, {
      headers: { 'idempotency-key': 'k-unsaved' },
      body: { n: 1 },
    })

    // Assess
    expect(answer).toEqual({ statusCode: 201, body: 'made' })
    expect(work).toHaveBeenCalledOnce()
    expect(logger.error).toHaveBeenCalledWith(
      'idempotency record not saved; the answer goes out unsaved',
      { error: expect.any(Error) },
    )
  })
  /** An answer sent twice under one key: both answers, how often it ran, and what was logged. */
  const answeredTwice = async (
    key: string,
    answer: { statusCode: number; headers: object | null; body: string },
  ) => {
    const persistenceStore = recordsOnDatabase()
    const config = keyedBy('idempotency-key')
    const logger = { error: vi.fn() }
    const work = vi.fn(async () => answer)
    const handler = middy()
      .use(idempotentRequest({ persistenceStore, config }, { logger }))
      .handler(work)
    const request = () =>
      invoke(handler, { headers: { 'idempotency-key': key }, body: { n: 1 } }).catch(
        (caught: Error) => caught.name,
      )
    const first = await request()
    const retry = await request()
    return { first, retry, runs: work.mock.calls.length, logged: logger.error.mock.calls }
  }

  it("replays an answer past DynamoDB's 400 KB item as it was sent, not a 409 in progress", async () => {
    // Prepare: an 850 KB answer, as a 250 KB card of 9e15s is written back (each as 16 digits)
    const body = JSON.stringify({ card: { numbers: Array(50_000).fill(9e15) } })

    // Act
    const { first, retry, runs, logged } = await answeredTwice('k-large', {
      statusCode: 201,
      headers: { 'content-type': 'application/json', location: '/admin/agents/big' },
      body,
    })

    // Assess
    expect(body.length).toBeGreaterThan(800_000)
    expect(retry).toEqual(first)
    expect([runs, logged]).toEqual([1, []])
  })

  it('replays an answer too large even compressed as its status and headers, marked as without its body', async () => {
    // Prepare: 530 KB that gzip cannot shrink below the record's budget
    const body = JSON.stringify({ noise: randomBytes(400_000).toString('base64') })

    // Act
    const { retry, runs, logged } = await answeredTwice('k-noise', {
      statusCode: 201,
      headers: { 'content-type': 'application/json', location: '/admin/agents/big', etag: '"v1"' },
      body,
    })

    // Assess
    expect(body.length).toBeGreaterThan(500_000)
    expect(retry).toEqual({
      statusCode: 201,
      headers: {
        location: '/admin/agents/big',
        etag: '"v1"',
        'idempotent-replay': 'body-not-kept',
      },
      body: '',
    })
    expect([runs, logged]).toEqual([1, []])
  })

  it('answers an answer with no headers (null) too large even compressed as it is, and replays its status', async () => {
    // Prepare: API Gateway takes `headers: null`; 530 KB that gzip cannot shrink below the budget
    const body = JSON.stringify({ noise: randomBytes(400_000).toString('base64') })
    const answer = { statusCode: 201, headers: null, body }

    // Act
    const { first, retry, runs, logged } = await answeredTwice('k-null-headers', answer)

    // Assess
    expect(first).toEqual(answer)
    expect(retry).toEqual({
      statusCode: 201,
      headers: { 'idempotent-replay': 'body-not-kept' },
      body: '',
    })
    expect([runs, logged]).toEqual([1, []])
  })
})
