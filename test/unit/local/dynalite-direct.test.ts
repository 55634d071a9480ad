import { crc32 } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dynamoSigner } from '../../../lib/dynamo-sigv4.ts'
import { tableName, tables } from '../../../lib/tables.ts'
import {
  type DirectAnswer,
  type DirectDynalite,
  installDirectRequests,
} from '../../../local/dynalite-direct.ts'
import type { TestDatabase } from '../../support/databases.ts'
import { startInProcessDynalite } from '../../support/in-process-dynalite.ts'

/**
 * The channel's requests handed straight to dynalite's validations and action
 * (local/dynalite-direct.ts), installed here in this test's own dynalite
 * before it creates its store, beside its HTTP server: what a request gets
 * either way is compared.
 */
describe('dynalite direct requests', () => {
  let direct: DirectDynalite | string
  let database: TestDatabase | undefined
  let endpoint: string
  const table = tableName('audit', 'direct-')
  const signer = dynamoSigner({
    host: 'localhost',
    path: '/',
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })

  beforeAll(async () => {
    direct = installDirectRequests()
    database = await startInProcessDynalite('direct-')
    endpoint = database.endpoint
  })
  afterAll(async () => {
    await database?.stop()
  })

  const signed = async (operation: string, input: unknown) => {
    const body = JSON.stringify(input)
    return { headers: await signer.sign(`DynamoDB_20120810.${operation}`, body, new Date()), body }
  }
  const takenDirectly = (request: { headers: Record<string, string>; body: string }) =>
    new Promise<DirectAnswer>((resolve, reject) => {
      if (typeof direct === 'string') return reject(new Error(direct))
      if (!direct(request, resolve)) reject(new Error('declined'))
    })
  const overHttp = async ({ headers, body }: { headers: Record<string, string>; body: string }) => {
    const response = await fetch(endpoint, { method: 'POST', headers, body })
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
    }
  }

  /** What a caller can tell apart: status, body, and the headers that describe the body. */
  const outcome = (answer: DirectAnswer) => ({
    status: answer.status,
    body: JSON.parse(answer.body) as unknown,
    contentType: answer.headers['content-type'],
    contentLength: answer.headers['content-length'],
  })

  const scenario = (id: string): [string, unknown][] => [
    ['PutItem', { TableName: table, Item: { id: { S: id }, n: { N: '1' } } }],
    [
      'UpdateItem',
      {
        TableName: table,
        Key: { id: { S: id } },
        UpdateExpression: 'ADD n :one SET tags = :tags',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':tags': { SS: ['a', 'b'] } },
        ReturnValues: 'ALL_NEW',
      },
    ],
    ['GetItem', { TableName: table, Key: { id: { S: id } }, ConsistentRead: true }],
    // A condition that fails: ConditionalCheckFailedException.
    [
      'PutItem',
      {
        TableName: table,
        Item: { id: { S: id } },
        ConditionExpression: 'attribute_not_exists(id)',
      },
    ],
    // An expression that does not parse, and a key of the wrong shape: ValidationExceptions.
    ['UpdateItem', { TableName: table, Key: { id: { S: id } }, UpdateExpression: 'SET = x' }],
    ['GetItem', { TableName: table, Key: { nope: { S: id } } }],
    // A field of the wrong type: SerializationException, from dynalite's type check.
    ['GetItem', { TableName: 5, Key: { id: { S: id } } }],
    // A table that is not there: ResourceNotFoundException.
    ['GetItem', { TableName: 'direct-missing', Key: { id: { S: id } } }],
    ['DeleteItem', { TableName: table, Key: { id: { S: id } }, ReturnValues: 'ALL_OLD' }],
    ['GetItem', { TableName: table, Key: { id: { S: id } } }],
  ]

  it('installs in the dynalite this project depends on', () => {
    // Assess
    expect(direct).toBeTypeOf('function')
  })

  it('answers each request as dynalite’s HTTP handler does: status, body and its headers', async () => {
    // Act
    const viaHttp = []
    for (const [operation, input] of scenario('item-http')) {
      viaHttp.push(outcome(await overHttp(await signed(operation, input))))
    }
    const viaDirect = []
    for (const [operation, input] of scenario('item-call')) {
      viaDirect.push(outcome(await takenDirectly(await signed(operation, input))))
    }

    // Assess: the same outcomes, item ids (of the same length) aside.
    expect(JSON.parse(JSON.stringify(viaDirect).replaceAll('item-call', 'item-http'))).toEqual(
      viaHttp,
    )
    expect(
      viaDirect.map(({ status, body }) => (body as { __type?: string }).__type ?? status),
    ).toEqual([
      200,
      200,
      200,
      'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      'com.amazon.coral.validate#ValidationException',
      'com.amazon.coral.validate#ValidationException',
      'com.amazon.coral.service#SerializationException',
      'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      200,
      200,
    ])
    expect(viaDirect[2]?.body).toEqual({
      Item: { id: { S: 'item-call' }, n: { N: '2' }, tags: { SS: ['a', 'b'] } },
    })
  })

  it('gives each answer a request id and the CRC-32 of its body, as dynalite does', async () => {
    // Act
    const answers = [
      await takenDirectly(await signed('GetItem', { TableName: table, Key: { id: { S: 'x' } } })),
      await takenDirectly(await signed('GetItem', { TableName: table, Key: { id: { S: 'x' } } })),
    ]

    // Assess
    for (const answer of answers) {
      expect(answer.headers['x-amzn-requestid']).toMatch(/^[A-Z0-9]{52}$/)
      expect(answer.headers['x-amz-crc32']).toBe(String(crc32(answer.body)))
    }
    expect(answers[0]?.headers['x-amzn-requestid']).not.toBe(
      answers[1]?.headers['x-amzn-requestid'],
    )
  })

  it.each([
    ['unsigned', (headers: Record<string, string>) => ({ ...headers, authorization: '' })],
    [
      'signed with no Signature',
      (headers: Record<string, string>) => ({
        ...headers,
        authorization: (headers.authorization as string).replace(/, Signature=\w+/, ''),
      }),
    ],
    [
      'undated',
      ({ 'x-amz-date': _, ...headers }: Record<string, string>) =>
        headers as Record<string, string>,
    ],
    ['dated with nothing', (headers: Record<string, string>) => ({ ...headers, 'x-amz-date': '' })],
    [
      'sent as application/json',
      (headers: Record<string, string>) => ({ ...headers, 'content-type': 'application/json' }),
    ],
    [
      'for an older API',
      (headers: Record<string, string>) => ({
        ...headers,
        'x-amz-target': 'DynamoDB_20111205.GetItem',
      }),
    ],
  ])('declines a request %s, and leaves it to dynalite’s handler', async (_, change) => {
    // Prepare
    const request = await signed('GetItem', { TableName: table, Key: { id: { S: 'x' } } })
    let answered = false

    // Act
    const taken = (direct as DirectDynalite)(
      { ...request, headers: change(request.headers) },
      () => {
        answered = true
      },
    )

    // Assess
    expect(taken).toBe(false)
    expect(answered).toBe(false)
  })

  it.each([
    ['an operation the lean path never sends', 'Query', { TableName: table }, undefined],
    ['a body that is not JSON', 'GetItem', undefined, '{"TableName":'],
    ['an empty body', 'GetItem', undefined, ''],
  ])('declines %s', async (_, operation, input, body) => {
    // Prepare
    const request = await signed(operation, input ?? {})
    let answered = false

    // Act
    const taken = (direct as DirectDynalite)(
      { headers: request.headers, body: body ?? request.body },
      () => {
        answered = true
      },
    )

    // Assess
    expect(taken).toBe(false)
    expect(answered).toBe(false)
  })

  it('declines a body over dynalite’s 16 MiB limit, which its handler refuses with a 413', async () => {
    // Prepare: a 17 MiB item, signed as the lean path signs.
    const request = await signed('PutItem', {
      TableName: table,
      Item: { id: { S: 'large' }, text: { S: 'x'.repeat(17 * 1024 * 1024) } },
    })
    let answered = false

    // Act
    const taken = (direct as DirectDynalite)(request, () => {
      answered = true
    })
    const viaHttp = await overHttp(request)

    // Assess
    expect(taken).toBe(false)
    expect(answered).toBe(false)
    expect(viaHttp.status).toBe(413)
  })

  it('keeps the rate limiter’s counter as over HTTP: its condition holds the count at the limit', async () => {
    // Prepare
    const increment = () =>
      signed('UpdateItem', {
        TableName: tableName('rateLimits', 'direct-'),
        Key: { [tables.rateLimits.partitionKey]: { S: 'limited' } },
        UpdateExpression: 'ADD #count :one',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: '2' } },
      })

    // Act
    const statuses = []
    for (let call = 0; call < 4; call++)
      statuses.push((await takenDirectly(await increment())).status)

    // Assess
    expect(statuses).toEqual([200, 200, 400, 400])
  })
})
