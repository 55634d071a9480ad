import { MessageChannel, Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LeanDynamo, type LeanOperation } from '../../lib/dynamo-lean.ts'
import { dynamoSigner } from '../../lib/dynamo-sigv4.ts'
import type { LeanRequest } from '../../lib/lean-transport.ts'
import { tableName } from '../../lib/tables.ts'
import {
  type LocalDatabase,
  localDatabaseClient,
  startLocalDatabase,
} from '../../local/database.ts'
import { databaseChannel, LocalDatabaseStoppedError } from '../../local/database-channel.ts'
import { httpRequestsDuring } from '../support/http-requests.ts'

/** An answer or an error, without what differs from one request to the next (the request id). */
const outcomeOf = async (answer: Promise<Record<string, unknown>>) => {
  try {
    const { $metadata, ...output } = await answer
    const { httpStatusCode, attempts } = $metadata as Record<string, unknown>
    return { output, httpStatusCode, attempts }
  } catch (caught) {
    const error = caught as Error & { $fault?: string; $metadata?: Record<string, unknown> }
    return {
      error: error.name,
      message: error.message,
      fault: error.$fault,
      httpStatusCode: error.$metadata?.httpStatusCode,
      attempts: error.$metadata?.attempts,
    }
  }
}

describe('the local database channel', () => {
  let database: LocalDatabase
  let overHttp: LeanDynamo
  let overChannel: LeanDynamo
  const table = tableName('audit', 'channel-')

  beforeAll(async () => {
    database = await startLocalDatabase({ tablePrefix: 'channel-' })
    overHttp = new LeanDynamo(localDatabaseClient(database.endpoint))
    overChannel = new LeanDynamo(localDatabaseClient(database.endpoint), {
      transport: database.transport,
    })
  })
  afterAll(() => database.stop())

  /** The same requests, one after another, through one client, each one's outcome. */
  const run = async (
    lean: LeanDynamo,
    id: string,
    requests: [LeanOperation, Record<string, unknown>][],
  ) => {
    const outcomes = []
    for (const [operation, input] of requests) {
      outcomes.push(
        await outcomeOf(
          lean.send(operation, JSON.parse(JSON.stringify(input).replaceAll('$id', id))),
        ),
      )
    }
    return outcomes
  }

  const scenario: [LeanOperation, Record<string, unknown>][] = [
    ['PutItem', { TableName: table, Item: { id: '$id', feed: 'all', sortKey: 's', n: 1 } }],
    [
      'UpdateItem',
      {
        TableName: table,
        Key: { id: '$id' },
        UpdateExpression: 'ADD n :one SET tags = :tags',
        ExpressionAttributeValues: { ':one': 1, ':tags': ['a', 'b'] },
        ReturnValues: 'ALL_NEW',
      },
    ],
    ['GetItem', { TableName: table, Key: { id: '$id' }, ConsistentRead: true }],
    // A condition that fails: ConditionalCheckFailedException.
    [
      'PutItem',
      {
        TableName: table,
        Item: { id: '$id' },
        ConditionExpression: 'attribute_not_exists(id)',
      },
    ],
    // An expression that does not parse: dynalite's ValidationException.
    ['UpdateItem', { TableName: table, Key: { id: '$id' }, UpdateExpression: 'SET = nothing' }],
    // A key of the wrong shape: another ValidationException.
    ['GetItem', { TableName: table, Key: { nope: '$id' } }],
    // A table that is not there: ResourceNotFoundException.
    ['GetItem', { TableName: 'channel-missing', Key: { id: '$id' } }],
    ['DeleteItem', { TableName: table, Key: { id: '$id' }, ReturnValues: 'ALL_OLD' }],
    ['GetItem', { TableName: table, Key: { id: '$id' } }],
  ]

  it('gives the lean path the same answers and errors as HTTP does, from the same database', async () => {
    // Act
    const viaHttp = await run(overHttp, 'over-http', scenario)
    const viaChannel = await run(overChannel, 'over-channel', scenario)

    // Assess: the same outcomes, item ids aside.
    expect(JSON.parse(JSON.stringify(viaChannel).replaceAll('over-channel', 'over-http'))).toEqual(
      JSON.parse(JSON.stringify(viaHttp)),
    )
    expect(viaChannel.map((outcome) => outcome.error ?? 'ok')).toEqual([
      'ok',
      'ok',
      'ok',
      'ConditionalCheckFailedException',
      'ValidationException',
      'ValidationException',
      'ResourceNotFoundException',
      'ok',
      'ok',
    ])
    expect(viaChannel[2]).toMatchObject({
      output: { Item: { id: 'over-channel', n: 2, tags: ['a', 'b'] } },
      httpStatusCode: 200,
    })
  })

  it('sends no HTTP request for the channel’s client, and counts its requests at the database', async () => {
    // Prepare
    const before = database.requests()

    // Act
    const hosts = await httpRequestsDuring(() =>
      run(overChannel, 'counted', [
        ['PutItem', { TableName: table, Item: { id: '$id' } }],
        ['GetItem', { TableName: table, Key: { id: '$id' } }],
        [
          'UpdateItem',
          {
            TableName: table,
            Key: { id: '$id' },
            UpdateExpression: 'SET n = :n',
            ExpressionAttributeValues: { ':n': 1 },
          },
        ],
        ['DeleteItem', { TableName: table, Key: { id: '$id' } }],
      ]),
    )

    // Assess
    const after = database.requests()
    expect(hosts).toEqual([])
    for (const operation of ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem']) {
      expect(after[operation], operation).toBe((before[operation] ?? 0) + 1)
    }
  })

  it('answers the lean path’s requests straight from dynalite’s action, each with the date its clock offset reads', async () => {
    // Prepare
    const body = JSON.stringify({ TableName: table, Key: { id: { S: 'dated' } } })
    const headers = await dynamoSigner({
      host: new URL(database.endpoint).host,
      path: '/',
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }).sign('DynamoDB_20120810.GetItem', body, new Date())

    // Act
    const answer = await database.transport({
      url: new URL(database.endpoint),
      headers,
      body,
      timeoutMs: 5_000,
    })

    // Assess
    expect(database.answersDirectly).toBe(true)
    expect(answer.status).toBe(200)
    expect(Math.abs(Date.parse(String(answer.headers.date)) - Date.now())).toBeLessThan(60_000)
  })

  it('answers a request the lean path would never send as dynalite’s HTTP handler does: unsigned, it is refused', async () => {
    // Prepare: a request with no signature, sent on the channel and over HTTP.
    const request = {
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.GetItem',
      },
      body: JSON.stringify({ TableName: table, Key: { id: { S: 'unsigned' } } }),
    }

    // Act
    const viaChannel = await database.transport({
      url: new URL(database.endpoint),
      ...request,
      timeoutMs: 5_000,
    })
    const viaHttp = await fetch(database.endpoint, { method: 'POST', ...request })

    // Assess
    expect(viaChannel.status).toBe(400)
    expect(JSON.parse(viaChannel.text)).toEqual(await viaHttp.json())
    expect(JSON.parse(viaChannel.text).__type).toBe(
      'com.amazon.coral.service#MissingAuthenticationTokenException',
    )
  })

  it('leaves a client of the database’s endpoint on HTTP unless it is given the channel', async () => {
    // Act: startLocalDatabase hands out the channel; it does not put anyone on it.
    const hosts = await httpRequestsDuring(() =>
      run(overHttp, 'by-url', [['GetItem', { TableName: table, Key: { id: '$id' } }]]),
    )

    // Assess
    expect(hosts).toEqual([new URL(database.endpoint).host])
  })
})

describe('the local database channel when the database’s thread is silent or gone', () => {
  /** A thread that takes requests and never answers, telling the test when one arrived. */
  const silentDatabase = () => {
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads')
       workerData.port.on('message', () => parentPort.postMessage('received'))`,
      { eval: true, workerData: { port: port2 }, transferList: [port2] },
    )
    return { worker, transport: databaseChannel(port1, worker) }
  }
  const request = (target: string, timeoutMs = 60_000) => ({
    url: new URL('http://127.0.0.1:1/'),
    headers: { 'x-amz-target': target },
    body: '{}',
    timeoutMs,
  })

  it('fails a request its thread does not answer within the request’s timeout with the TimeoutError HTTP gives', async () => {
    // Prepare
    const { worker, transport } = silentDatabase()

    // Act
    const error = await transport(request('DynamoDB_20120810.GetItem', 50))
      .catch((caught: unknown) => caught)
      .finally(() => worker.terminate())

    // Assess: the error the lean path's HTTP transport gives a silent socket.
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({
      name: 'TimeoutError',
      message: 'DynamoDB sent nothing for 50 ms',
    })
  })

  it('waits for the answer without a deadline when the request’s timeout is 0, as HTTP’s socket timeout 0 does', async () => {
    // Prepare: a thread that answers each request 20 ms after it arrives.
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads')
       workerData.port.on('message', ({ id }) =>
         setTimeout(() => workerData.port.postMessage({ id, status: 200, headers: {}, body: '{}' }), 20))`,
      { eval: true, workerData: { port: port2 }, transferList: [port2] },
    )
    const transport = databaseChannel(port1, worker)

    // Act
    const answer = await transport(request('DynamoDB_20120810.GetItem', 0)).finally(() =>
      worker.terminate(),
    )

    // Assess
    expect(answer).toEqual({ status: 200, headers: {}, text: '{}' })
  })

  it('gives an unanswered lean request the client’s socketTimeoutMs, and retries it as over HTTP', async () => {
    // Prepare
    const { worker, transport } = silentDatabase()
    const sent: LeanRequest[] = []
    const client = localDatabaseClient('http://127.0.0.1:1')
    const maxAttempts = await client.config.maxAttempts()
    const lean = new LeanDynamo(client, {
      transport: (request) => {
        sent.push(request)
        return transport(request)
      },
      socketTimeoutMs: 50,
    })

    // Act
    const outcome = await outcomeOf(
      lean.send('GetItem', { TableName: 'silent', Key: { id: 'x' } }),
    ).finally(() => worker.terminate())

    // Assess: a TimeoutError is transient to the SDK's retry strategy, tried maxAttempts times.
    expect(maxAttempts).toBeGreaterThan(1)
    expect(outcome).toMatchObject({
      error: 'TimeoutError',
      message: 'DynamoDB sent nothing for 50 ms',
      attempts: maxAttempts,
    })
    expect(sent.map(({ timeoutMs }) => timeoutMs)).toEqual(Array(maxAttempts).fill(50))
  })

  it('fails the requests waiting for a thread that died, and every later one at once', async () => {
    // Prepare
    const { worker, transport } = silentDatabase()
    const waiting = transport(request('DynamoDB_20120810.UpdateItem'))
    const failed = waiting.catch((error: Error) => error)
    await new Promise((resolve) => worker.once('message', resolve))

    // Act
    await worker.terminate()
    const later = await transport(request('DynamoDB_20120810.GetItem')).catch(
      (error: Error) => error,
    )

    // Assess
    const waited = await failed
    expect(waited).toBeInstanceOf(LocalDatabaseStoppedError)
    expect(String(waited)).toBe(
      'LocalDatabaseStoppedError: The local database stopped before answering DynamoDB_20120810.UpdateItem',
    )
    expect(later).toBeInstanceOf(LocalDatabaseStoppedError)
    expect(String(later)).toBe(
      'LocalDatabaseStoppedError: The local database has stopped: it answers no more requests',
    )
  })

  it('fails a lean request to a stopped database with that error, not a hang or a retry', async () => {
    // Prepare
    const database = await startLocalDatabase({ tablePrefix: 'stopped-' })
    const lean = new LeanDynamo(localDatabaseClient(database.endpoint), {
      transport: database.transport,
    })
    await database.stop()

    // Act
    const outcome = await outcomeOf(
      lean.send('GetItem', { TableName: tableName('audit', 'stopped-'), Key: { id: 'x' } }),
    )

    // Assess
    expect(outcome).toMatchObject({ error: 'LocalDatabaseStoppedError', attempts: 1 })
    expect(outcome.message).toBe('The local database has stopped: it answers no more requests')
  })
})
