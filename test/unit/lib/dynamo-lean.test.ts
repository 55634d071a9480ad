import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
} from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { ConfiguredRetryStrategy } from '@smithy/core/retry'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types'
import { getNamespace, Segment, Subsegment, setSegment } from 'aws-xray-sdk-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createDocumentClient, LeanDocumentClient } from '../../../lib/dynamo.ts'
import { LeanDynamo } from '../../../lib/dynamo-lean.ts'
import { type LeanRequest, useLeanTransport } from '../../../lib/lean-transport.ts'
import { createTracing } from '../../../lib/observability/tracing.ts'

const credentials = { accessKeyId: 'AKIDLEAN', secretAccessKey: 'lean/secret+key' }
const region = 'eu-west-1'

interface Captured {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/**
 * What the capturing server answers next, one entry per request: `body` as JSON, or `raw` as it
 * is; `drop` closes the socket unanswered.
 */
type Answer =
  | { status: number; body?: unknown; raw?: string; headers?: Record<string, string> }
  | 'drop'

/**
 * A DynamoDB stand-in on loopback: records every request and answers from a
 * script (the last answer repeats), with a request id on each answer.
 */
const startCapturingServer = async (host = '127.0.0.1') => {
  const requests: Captured[] = []
  let script: Answer[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      const answer = script.length > 1 ? script.shift() : script[0]
      if (!answer || answer === 'drop') {
        request.socket.destroy()
        return
      }
      response.writeHead(answer.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `request-${requests.length}`,
        ...answer.headers,
      })
      response.end(answer.raw ?? JSON.stringify(answer.body))
    })
  })
  server.listen(0, host)
  await once(server, 'listening')
  const hostname = host.includes(':') ? `[${host}]` : host
  return {
    endpoint: `http://${hostname}:${(server.address() as AddressInfo).port}`,
    requests,
    answer(...answers: Answer[]) {
      script = answers
      requests.length = 0
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A client as the gateway makes one, pointed at `endpoint`, retrying without pauses. */
const sdkClient = (endpoint: string, maxAttempts = 3) =>
  new DynamoDBClient({
    region,
    endpoint,
    credentials,
    maxAttempts,
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, () => 0),
  })

/** SigV4 recomputed with the SDK's signer and its own hash, over the headers the request says it signed. */
const signatureVerifies = async (request: Captured, endpoint: string) => {
  const authorization = String(request.headers.authorization)
  const [, signedHeaders, signature] =
    /SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(authorization) ?? []
  const date = String(request.headers['x-amz-date'])
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  )
  const url = new URL(endpoint)
  const headers = Object.fromEntries(
    (signedHeaders ?? '').split(';').map((name) => [name, String(request.headers[name])]),
  )
  const signer = new SignatureV4({
    service: 'dynamodb',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
  })
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: request.path,
      query: {},
      headers,
      body: request.body,
    },
    { signingDate },
  )
  return (
    authorization.includes(`Credential=${credentials.accessKeyId}/`) &&
    String(resigned.headers.authorization).endsWith(`Signature=${signature}`)
  )
}

/** Whether every request came the lean way: the SDK marks each of its own with `amz-sdk-request`. */
const allLean = (requests: Captured[]) =>
  requests.length > 0 &&
  requests.every((request) => request.headers['amz-sdk-request'] === undefined)

/** A counter's increment, as the rate limiter sends it. */
const addOneToCount = {
  TableName: 'rate-limits',
  Key: { pk: 'a' },
  UpdateExpression: 'ADD #count :one',
  ExpressionAttributeNames: { '#count': 'count' },
  ExpressionAttributeValues: { ':one': 1 },
  ReturnValues: 'UPDATED_NEW',
} as const

describe('the lean path for single-item DynamoDB requests', () => {
  let server: Awaited<ReturnType<typeof startCapturingServer>>

  beforeAll(async () => {
    server = await startCapturingServer()
  })
  afterAll(async () => {
    await server.stop()
  })
  beforeEach(() => {
    server.answer({ status: 200, body: {} })
  })
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })
  /** The document client the gateway makes, on the capturing server. */
  const leanOnServer = (maxAttempts?: number) =>
    createDocumentClient(
      { region, dynamoDbEndpoint: server.endpoint },
      sdkClient(server.endpoint, maxAttempts),
    )

  const item = {
    pk: 'caller#agent',
    sk: 7,
    note: undefined,
    tags: new Set(['a', 'b']),
    nested: { list: [1, 'two', { three: true }], nothing: null },
    bytes: new Uint8Array([1, 2, 254]),
  }
  const commands = {
    GetItem: () =>
      new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 1 }, ConsistentRead: true }),
    PutItem: () =>
      new PutCommand({
        TableName: 't',
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValues: 'ALL_OLD',
      }),
    UpdateItem: () =>
      new UpdateCommand({
        TableName: 't',
        Key: { pk: 'a', sk: 1 },
        UpdateExpression: 'ADD #n :one SET expiresAt = if_not_exists(expiresAt, :at)',
        ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':at': 1_700_000_000,
          ':limit': 10,
          ':gone': undefined,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    DeleteItem: () =>
      new DeleteCommand({
        TableName: 't',
        Key: { pk: 'a', sk: 1 },
        ConditionExpression: 'ownerId = :owner',
        ExpressionAttributeValues: { ':owner': 'someone' },
      }),
  }

  it.each(Object.entries(commands))(
    'sends %s with the target, content type and body the SDK sends, signed so that SigV4 verifies',
    async (operation, command) => {
      // Prepare
      const sdk = DynamoDBDocumentClient.from(sdkClient(server.endpoint), {
        marshallOptions: { removeUndefinedValues: true },
      })
      const lean = leanOnServer()

      // Act
      await sdk.send(command() as never)
      await lean.send(command() as never)

      // Assess
      const [viaSdk, viaLean] = server.requests
      if (!viaSdk || !viaLean) throw new Error('expected two requests')
      expect(viaLean.headers['x-amz-target']).toBe(`DynamoDB_20120810.${operation}`)
      expect(viaLean.headers['x-amz-target']).toBe(viaSdk.headers['x-amz-target'])
      expect(viaLean.headers['content-type']).toBe(viaSdk.headers['content-type'])
      expect(viaLean.path).toBe(viaSdk.path)
      expect(JSON.parse(viaLean.body)).toEqual(JSON.parse(viaSdk.body))
      expect(await signatureVerifies(viaSdk, server.endpoint)).toBe(true)
      expect(await signatureVerifies(viaLean, server.endpoint)).toBe(true)
      // The lean request is not the SDK's in disguise.
      expect(allLean([viaLean])).toBe(true)
    },
  )

  it('gives the output lib-dynamodb gives: values unmarshalled, binary as bytes, metadata', async () => {
    // Prepare
    const answer = {
      Item: {
        pk: { S: 'a' },
        n: { N: '3' },
        bytes: { B: Buffer.from([9, 8]).toString('base64') },
        set: { SS: ['x'] },
        map: { M: { B: { S: 'a string under a key named B' } } },
      },
      ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5 },
    }
    server.answer({ status: 200, body: answer })
    const sdk = DynamoDBDocumentClient.from(sdkClient(server.endpoint))
    const lean = leanOnServer()

    // Act
    const viaSdk = await sdk.send(commands.GetItem())
    const viaLean = await lean.send(commands.GetItem())

    // Assess
    const { $metadata: sdkMetadata, ...sdkOutput } = viaSdk
    const { $metadata: leanMetadata, ...leanOutput } = viaLean
    expect(leanOutput).toEqual(sdkOutput)
    expect(leanOutput.Item?.bytes).toBeInstanceOf(Uint8Array)
    expect(allLean(server.requests.slice(1))).toBe(true)
    expect(leanMetadata).toMatchObject({ httpStatusCode: 200, requestId: 'request-2', attempts: 1 })
    expect(sdkMetadata).toMatchObject({ httpStatusCode: 200, requestId: 'request-1', attempts: 1 })
  })

  it('leaves Item out of a GetItem output when there is no item, as the SDK does', async () => {
    // Prepare
    const lean = leanOnServer()

    // Act
    const output = await lean.send(commands.GetItem())

    // Assess
    expect('Item' in output).toBe(false)
    expect(allLean(server.requests)).toBe(true)
  })

  it('throws the SDK’s own ConditionalCheckFailedException, with its metadata, and does not retry it', async () => {
    // Prepare
    server.answer({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      },
    })
    const lean = leanOnServer()

    // Act
    const error = await lean.send(commands.UpdateItem()).catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(ConditionalCheckFailedException)
    expect(error).toBeInstanceOf(DynamoDBServiceException)
    expect(error).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'request-1', attempts: 1 },
    })
    expect(server.requests).toHaveLength(1)
    expect(allLean(server.requests)).toBe(true)
  })

  it('retries a throttled request and gives the answer that follows', async () => {
    // Prepare
    server.answer(
      {
        status: 400,
        body: {
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'Rate of requests exceeds the allowed throughput.',
        },
      },
      { status: 200, body: { Attributes: { count: { N: '1' } } } },
    )
    const lean = leanOnServer()

    // Act
    const output = await lean.send(commands.UpdateItem())

    // Assess
    expect(output.Attributes).toEqual({ count: 1 })
    expect(output.$metadata.attempts).toBe(2)
    expect(server.requests).toHaveLength(2)
    expect(allLean(server.requests)).toBe(true)
  })

  it('does not retry a ValidationException, and says what DynamoDB said', async () => {
    // Prepare
    server.answer({
      status: 400,
      body: {
        __type: 'com.amazon.coral.validate#ValidationException',
        message: 'One or more parameter values were invalid: Missing the key sk',
      },
    })
    const lean = leanOnServer()

    // Act
    const error = await lean.send(commands.GetItem()).catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(DynamoDBServiceException)
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Missing the key sk',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    })
    expect(server.requests).toHaveLength(1)
    expect(allLean(server.requests)).toBe(true)
  })

  it('retries a 500 up to the client’s maxAttempts, then throws it', async () => {
    // Prepare
    server.answer({
      status: 500,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' },
    })
    const lean = leanOnServer(4)

    // Act
    const error = await lean.send(commands.PutItem()).catch((caught: unknown) => caught)

    // Assess
    expect(error).toMatchObject({
      name: 'InternalServerError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, attempts: 4 },
    })
    expect(server.requests).toHaveLength(4)
    expect(allLean(server.requests)).toBe(true)
  })

  it('retries a request whose connection is dropped', async () => {
    // Prepare
    server.answer('drop', { status: 200, body: {} })
    const lean = leanOnServer()

    // Act
    const output = await lean.send(commands.DeleteItem())

    // Assess
    expect(output.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 2 })
    expect(server.requests).toHaveLength(2)
    expect(allLean(server.requests)).toBe(true)
  })

  it('hands a command sent with options, and any other command, to the SDK', async () => {
    // Prepare
    const lean = leanOnServer()

    // Act
    await lean.send(commands.GetItem(), { abortSignal: new AbortController().signal })

    // Assess: the SDK's request carries its retry header; the lean path's never does.
    expect(lean).toBeInstanceOf(LeanDocumentClient)
    expect(allLean(server.requests)).toBe(false)
  })

  it('corrects its clock from the server’s Date after a signature refused as skewed, and tries again', async () => {
    // Prepare: the server's clock is an hour ahead of this machine's.
    const serverDate = new Date(Date.now() + 3_600_000).toUTCString()
    server.answer(
      {
        status: 400,
        headers: { date: serverDate },
        body: {
          __type: 'com.amazon.coral.service#InvalidSignatureException',
          message: 'Signature expired',
        },
      },
      { status: 200, headers: { date: serverDate }, body: {} },
    )
    const lean = leanOnServer()

    // Act
    const output = await lean.send(commands.GetItem())

    // Assess
    const [first, second] = server.requests.map((request) =>
      Date.parse(
        String(request.headers['x-amz-date']).replace(
          /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
          '$1-$2-$3T$4:$5:$6Z',
        ),
      ),
    )
    expect(output.$metadata.attempts).toBe(2)
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThan(3_500_000)
    expect(allLean(server.requests)).toBe(true)
  })

  it.each([
    [
      'only scalars: text, flags, null, zero, negative and fractional numbers',
      {
        pk: 'caller#agent ✓',
        on: true,
        off: false,
        none: null,
        zero: 0,
        minusZero: -0,
        negative: -42,
        fraction: 0.1,
        largest: Number.MAX_SAFE_INTEGER,
        smallest: Number.MIN_SAFE_INTEGER,
        gone: undefined,
      },
    ],
    [
      'scalars and one binary value',
      { pk: 'a', bytes: new Uint8Array([0, 255]), buffer: Buffer.from('hi') },
    ],
    ['scalars and a nested map', { pk: 'a', nested: { list: [1, null, 'x'], flag: true } }],
  ])('sends a PutItem of %s with the body the SDK sends', async (_, item) => {
    // Prepare
    const command = () =>
      new PutCommand({
        TableName: 't',
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ReturnConsumedCapacity: 'NONE',
      })
    const sdk = DynamoDBDocumentClient.from(sdkClient(server.endpoint), {
      marshallOptions: { removeUndefinedValues: true },
    })
    const lean = leanOnServer()

    // Act
    await sdk.send(command())
    await lean.send(command())

    // Assess
    const [viaSdk, viaLean] = server.requests
    if (!viaSdk || !viaLean) throw new Error('expected two requests')
    expect(JSON.parse(viaLean.body)).toEqual(JSON.parse(viaSdk.body))
    expect(allLean([viaLean])).toBe(true)
  })

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a number beyond MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER + 2],
    ['a number below MIN_SAFE_INTEGER', Number.MIN_SAFE_INTEGER - 2],
  ])('refuses %s as a value with the SDK’s error, and sends nothing', async (_, value) => {
    // Prepare
    const command = () =>
      new UpdateCommand({
        TableName: 't',
        Key: { pk: 'a' },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': value },
      })
    const sdk = DynamoDBDocumentClient.from(sdkClient(server.endpoint))
    const lean = leanOnServer()

    // Act
    const sdkError = await sdk.send(command()).catch((caught: unknown) => caught)
    const leanError = await lean.send(command()).catch((caught: unknown) => caught)

    // Assess
    expect(leanError).toBeInstanceOf(Error)
    expect((leanError as Error).message).toBe((sdkError as Error).message)
    expect(server.requests).toHaveLength(0)
  })

  it('refuses a Blob as a binary value, naming the attribute, and sends nothing', async () => {
    // Prepare
    const lean = leanOnServer()

    // Act
    const error = await lean
      .send(new PutCommand({ TableName: 't', Item: { pk: 'a', file: new Blob(['x']) } }))
      .catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toMatch(/Blob/)
    expect(server.requests).toHaveLength(0)
  })

  it('steps aside for an endpoint from AWS_ENDPOINT_URL_DYNAMODB: every command goes to the SDK', async () => {
    // Prepare
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', server.endpoint)
    const client = new DynamoDBClient({ region, credentials })
    const lean = createDocumentClient({ region, dynamoDbEndpoint: undefined }, client)

    // Act
    await lean.send(commands.GetItem())

    // Assess
    expect(server.requests).toHaveLength(1)
    expect(allLean(server.requests)).toBe(false)
  })

  it('leaves out null members and keys that are no member of the operation, as the SDK does', async () => {
    // Prepare
    const command = () =>
      new UpdateCommand({
        TableName: 't',
        Key: { pk: 'a', sk: 1 },
        UpdateExpression: 'ADD hits :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: null,
        Extra: 'not a member',
      } as never)
    const sdk = DynamoDBDocumentClient.from(sdkClient(server.endpoint), {
      marshallOptions: { removeUndefinedValues: true },
    })
    const lean = leanOnServer()

    // Act
    await sdk.send(command())
    await lean.send(command())

    // Assess
    const [viaSdk, viaLean] = server.requests
    if (!viaSdk || !viaLean) throw new Error('expected two requests')
    expect(JSON.parse(viaLean.body)).toEqual(JSON.parse(viaSdk.body))
    expect(JSON.parse(viaLean.body)).not.toHaveProperty('Extra')
    expect(allLean([viaLean])).toBe(true)
  })

  it('gives a NumberValue for a number when the client was made with wrapNumbers, as lib-dynamodb does', async () => {
    // Prepare
    server.answer({
      status: 200,
      body: { Item: { pk: { S: 'a' }, n: { N: '12345678901234567890' } } },
    })
    const lean = LeanDocumentClient.from(sdkClient(server.endpoint), {
      unmarshallOptions: { wrapNumbers: true },
    })

    // Act
    const { Item } = await lean.send(commands.GetItem())

    // Assess
    expect(Item?.n).toBeInstanceOf(NumberValue)
    expect(String(Item?.n)).toBe('12345678901234567890')
    expect(allLean(server.requests)).toBe(true)
  })

  it('throws on a nested undefined value, as the SDK does, when the client was made without removeUndefinedValues', async () => {
    // Prepare
    const command = () =>
      new PutCommand({ TableName: 't', Item: { pk: 'a', map: { gone: undefined } } })
    const sdkError = await DynamoDBDocumentClient.from(sdkClient(server.endpoint))
      .send(command())
      .catch((caught: unknown) => caught)
    const lean = LeanDocumentClient.from(sdkClient(server.endpoint))

    // Act
    const error = await lean.send(command()).catch((caught: unknown) => caught)

    // Assess
    expect(sdkError).toBeInstanceOf(Error)
    expect((error as Error).message).toBe((sdkError as Error).message)
    expect(server.requests).toHaveLength(0)
  })

  it('sends to the China partition’s host for cn-north-1, as the SDK’s endpoint rules say', async () => {
    // Prepare
    const lean = new LeanDynamo(new DynamoDBClient({ region: 'cn-north-1', credentials }))

    // Act
    const endpoint = await lean.endpoint()

    // Assess
    expect(endpoint?.href).toBe('https://dynamodb.cn-north-1.amazonaws.com.cn/')
  })

  it('sends to an IPv6-literal endpoint', async (context) => {
    // Prepare
    const ipv6 = await startCapturingServer('::1').catch(() => undefined)
    if (!ipv6) {
      context.skip('this machine has no IPv6 loopback')
      return
    }
    ipv6.answer({ status: 200, body: { Item: { pk: { S: 'a' } } } })
    const lean = createDocumentClient(
      { region, dynamoDbEndpoint: ipv6.endpoint },
      sdkClient(ipv6.endpoint, 1),
    )

    // Act
    const output = await lean.send(commands.GetItem()).finally(() => ipv6.stop())

    // Assess
    expect(output.Item).toEqual({ pk: 'a' })
    expect(ipv6.requests).toHaveLength(1)
    expect(allLean(ipv6.requests)).toBe(true)
    expect(await signatureVerifies(ipv6.requests[0] as Captured, ipv6.endpoint)).toBe(true)
  })

  it('waits the delay the retry token gives, counts it, and tells the strategy the error and the Retry-After hint', async () => {
    // Prepare
    server.answer(
      {
        status: 500,
        headers: { 'retry-after': '1' },
        body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' },
      },
      { status: 200, body: {} },
    )
    const token = (count: number, delay: number): RetryToken => ({
      getRetryCount: () => count,
      getRetryDelay: () => delay,
    })
    const errorInfos: RetryErrorInfo[] = []
    const retryStrategy: RetryStrategyV2 = {
      acquireInitialRetryToken: async () => token(0, 0),
      refreshRetryTokenForRetry: async (_token, errorInfo) => {
        errorInfos.push(errorInfo)
        return token(1, 37)
      },
      recordSuccess: () => {},
    }
    const client = new DynamoDBClient({
      region,
      endpoint: server.endpoint,
      credentials,
      retryStrategy,
    })
    const lean = createDocumentClient({ region, dynamoDbEndpoint: server.endpoint }, client)
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')

    // Act
    const output = await lean.send(commands.GetItem())
    const sleeps = setTimeoutSpy.mock.calls.map(([, ms]) => ms)

    // Assess
    expect(output.$metadata).toMatchObject({ attempts: 2, totalRetryDelay: 37 })
    expect(sleeps).toContain(37)
    expect(errorInfos).toHaveLength(1)
    expect(errorInfos[0]?.errorType).toBe('TRANSIENT')
    expect(errorInfos[0]?.error).toMatchObject({ name: 'InternalServerError' })
    expect(errorInfos[0]?.retryAfterHint).toBeInstanceOf(Date)
    expect(allLean(server.requests)).toBe(true)
  })

  it('throws an SDK-like error with the status for a 200 whose body is not JSON, counted as no success and not retried', async () => {
    // Prepare
    server.answer({ status: 200, raw: '{"Item": {' })
    const client = sdkClient(server.endpoint)
    const strategy = (await client.config.retryStrategy()) as RetryStrategyV2
    const recordSuccess = vi.spyOn(strategy, 'recordSuccess')
    const lean = createDocumentClient({ region, dynamoDbEndpoint: server.endpoint }, client)

    // Act
    const error = await lean.send(commands.GetItem()).catch((caught: unknown) => caught)

    // Assess
    expect(error).toBeInstanceOf(SyntaxError)
    expect(error).toMatchObject({
      $metadata: { httpStatusCode: 200, requestId: 'request-1', attempts: 1 },
    })
    expect((error as Error).message).toMatch(/Deserialization error/)
    expect(recordSuccess).not.toHaveBeenCalled()
    expect(server.requests).toHaveLength(1)
  })

  it('signs with the region the endpoint rules name (region local is signed as us-east-1), as the SDK does', async () => {
    // Prepare: rules that send region `local` to this server and say to sign as us-east-1, as the
    // SDK's rules do for `local` (to localhost:8000); no custom endpoint.
    const client = () => {
      const made = new DynamoDBClient({ region: 'local', credentials, maxAttempts: 1 })
      made.config.endpointProvider = () => ({
        url: new URL(server.endpoint),
        properties: {
          authSchemes: [
            { name: 'sigv4', signingName: 'dynamodb', signingRegion: 'us-east-1' } as never,
          ],
        },
      })
      return made
    }
    const sdk = DynamoDBDocumentClient.from(client())
    const lean = createDocumentClient({ region: 'local', dynamoDbEndpoint: undefined }, client())

    // Act
    await sdk.send(commands.GetItem())
    await lean.send(commands.GetItem())

    // Assess
    const [viaSdk, viaLean] = server.requests
    if (!viaSdk || !viaLean) throw new Error('expected two requests')
    const scopeOf = (request: Captured) =>
      /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(request.headers.authorization))?.[1]
    expect(scopeOf(viaSdk)).toBe('us-east-1')
    expect(scopeOf(viaLean)).toBe('us-east-1')
    expect(allLean([viaLean])).toBe(true)
  })

  it('steps aside for an endpoint with a query string, which the SDK signs and sends', async () => {
    // Prepare
    const endpoint = `${server.endpoint}/?tenant=a`
    const lean = createDocumentClient({ region, dynamoDbEndpoint: endpoint }, sdkClient(endpoint))

    // Act
    await lean.send(commands.GetItem())

    // Assess
    expect(server.requests).toHaveLength(1)
    expect(allLean(server.requests)).toBe(false)
  })

  it('refuses a null Key with an error that names it, and sends nothing, where the SDK throws too', async () => {
    // Prepare
    const command = () => new GetCommand({ TableName: 't', Key: null } as never)
    const sdkError = await DynamoDBDocumentClient.from(sdkClient(server.endpoint))
      .send(command())
      .catch((caught: unknown) => caught)
    const lean = leanOnServer()

    // Act
    const error = await lean.send(command()).catch((caught: unknown) => caught)

    // Assess
    expect(sdkError).toBeInstanceOf(TypeError)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe('Key must be a map of attribute values, not null')
    expect(server.requests).toHaveLength(0)
  })

  describe('its transport', () => {
    /** A transport that records each request and answers from a script (the last answer repeats). */
    const scriptedTransport = (...answers: { status: number; body: unknown; type?: string }[]) => {
      const requests: LeanRequest[] = []
      const transport = async (request: LeanRequest) => {
        requests.push(request)
        const answer = (answers.length > 1 ? answers.shift() : answers[0]) as (typeof answers)[0]
        return {
          status: answer.status,
          headers: {
            'x-amzn-requestid': `transported-${requests.length}`,
            ...(answer.type ? { 'x-amzn-errortype': answer.type } : {}),
          },
          text: JSON.stringify(answer.body),
        }
      }
      return { transport, requests }
    }
    const update = () => new UpdateCommand(addOneToCount)

    it('hands each signed request to the transport registered for its endpoint’s origin, and goes back to HTTP once it is forgotten', async () => {
      // Prepare
      const { transport, requests } = scriptedTransport({
        status: 200,
        body: { Attributes: { count: { N: '3' } } },
      })
      const lean = leanOnServer()
      const forget = useLeanTransport(`${server.endpoint}/`, transport)

      // Act
      const transported = await lean.send(update()).finally(forget)
      const overHttp = await lean.send(update())

      // Assess: the same request either way, signed so that SigV4 verifies.
      expect(transported.Attributes).toEqual({ count: 3 })
      expect(transported.$metadata).toMatchObject({
        httpStatusCode: 200,
        requestId: 'transported-1',
      })
      const [sent] = requests
      if (!sent) throw new Error('expected a request through the transport')
      expect(sent.url.href).toBe(`${server.endpoint}/`)
      const [viaHttp] = server.requests
      if (!viaHttp) throw new Error('expected a request over HTTP once forgotten')
      expect(overHttp.$metadata.requestId).toBe('request-1')
      expect(sent.body).toBe(viaHttp.body)
      expect(sent.headers['x-amz-target']).toBe(viaHttp.headers['x-amz-target'])
      expect(
        await signatureVerifies(
          { method: 'POST', path: sent.url.pathname, headers: sent.headers, body: sent.body },
          server.endpoint,
        ),
      ).toBe(true)
    })

    it('keeps HTTP for another origin, and a transport given to the client wins over a registered one', async () => {
      // Prepare
      const registered = scriptedTransport({ status: 200, body: {} })
      const given = scriptedTransport({ status: 200, body: {} })
      const get = (lean: LeanDynamo) => lean.send('GetItem', { TableName: 't', Key: { pk: 'a' } })
      const forgetOther = useLeanTransport('http://127.0.0.1:1', registered.transport)

      // Act
      await get(new LeanDynamo(sdkClient(server.endpoint))).finally(forgetOther)
      const forgetOwn = useLeanTransport(server.endpoint, registered.transport)
      await get(new LeanDynamo(sdkClient(server.endpoint), { transport: given.transport })).finally(
        forgetOwn,
      )

      // Assess
      expect(server.requests).toHaveLength(1)
      expect(given.requests).toHaveLength(1)
      expect(registered.requests).toHaveLength(0)
    })

    it('leaves a newer registration for the same origin in place when an older one is forgotten', async () => {
      // Prepare
      const older = scriptedTransport({ status: 200, body: {} })
      const newer = scriptedTransport({ status: 200, body: {} })
      const get = () =>
        new LeanDynamo(sdkClient(server.endpoint)).send('GetItem', {
          TableName: 't',
          Key: { pk: 'a' },
        })
      const forgetOlder = useLeanTransport(server.endpoint, older.transport)
      const forgetNewer = useLeanTransport(`${server.endpoint}/`, newer.transport)

      // Act
      forgetOlder()
      await get().finally(forgetNewer)
      await get()

      // Assess: the newer took the request until it was itself forgotten, then HTTP.
      expect(older.requests).toHaveLength(0)
      expect(newer.requests).toHaveLength(1)
      expect(server.requests).toHaveLength(1)
    })

    it('reads a transport’s answers as HTTP ones: an error is the SDK’s exception, a throttle is retried', async () => {
      // Prepare
      const { transport, requests } = scriptedTransport(
        { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException' } },
        {
          status: 400,
          body: {
            __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
            message: 'The conditional request failed',
          },
        },
      )
      const lean = new LeanDynamo(sdkClient(server.endpoint), { transport })

      // Act
      const error = await lean
        .send('PutItem', {
          TableName: 't',
          Item: { pk: 'a' },
          ConditionExpression: 'attribute_not_exists(pk)',
        })
        .catch((caught: unknown) => caught)

      // Assess
      expect(error).toBeInstanceOf(ConditionalCheckFailedException)
      expect((error as ConditionalCheckFailedException).$metadata).toMatchObject({
        httpStatusCode: 400,
        attempts: 2,
      })
      expect(requests).toHaveLength(2)
      expect(server.requests).toHaveLength(0)
    })
  })

  describe('tracing', () => {
    it('records each lean request as a DynamoDB subsegment annotated with operation and table', async () => {
      // Prepare: Tracer enabled as on Lambda, a real X-Ray segment current.
      vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x')
      vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true')
      const tracing = await createTracing(true)
      const lean = new LeanDynamo(sdkClient(server.endpoint), { tracing })
      const segment = new Segment('switchboard-agents')

      // Act
      await getNamespace().runAndReturn(() => {
        setSegment(segment)
        return lean.send('GetItem', { TableName: 'rate-limits', Key: { pk: 'a' } })
      })

      // Assess
      const [subsegment] = segment.subsegments ?? []
      expect(segment.subsegments).toHaveLength(1)
      expect(subsegment?.name).toBe('DynamoDB')
      expect(subsegment?.toJSON().annotations).toEqual({
        operation: 'GetItem',
        table: 'rate-limits',
      })
      expect(subsegment?.isClosed()).toBe(true)
    })

    it.each([
      [
        'an answer',
        { status: 200, body: { ConsumedCapacity: { TableName: 'rate-limits', CapacityUnits: 1 } } },
      ],
      [
        'a conditional failure (4xx)',
        {
          status: 400,
          body: {
            __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
            message: 'The conditional request failed',
          },
        },
      ],
      [
        'a throttle',
        {
          status: 400,
          body: {
            __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
            message: 'Rate exceeded',
          },
        },
      ],
      [
        'a 500',
        {
          status: 500,
          body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' },
        },
      ],
    ] as const)(
      'records %s in the AWS-shaped subsegment the X-Ray SDK records for the SDK’s request',
      async (_case, answer) => {
        // Prepare: Tracer enabled as on Lambda, a real X-Ray segment current; one attempt each.
        vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x')
        vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true')
        const tracing = await createTracing(true)
        server.answer(answer)
        const sdk = DynamoDBDocumentClient.from(
          tracing.captureClient(sdkClient(server.endpoint, 1)),
        )
        const lean = new LeanDynamo(sdkClient(server.endpoint, 1), { tracing })
        const input = { TableName: 'rate-limits', Key: { pk: 'a' }, ConsistentRead: true }
        const segment = new Segment('switchboard-agents')

        // Act
        await getNamespace().runAndReturn(async () => {
          setSegment(segment)
          await sdk.send(new GetCommand(input)).catch(() => undefined)
          await lean.send('GetItem', input).catch(() => undefined)
        })

        // Assess
        const [viaSdk, viaLean] = (segment.subsegments ?? []).map((subsegment) => {
          const { name, namespace, aws, http, error, fault, throttle, cause } =
            subsegment.toJSON() as Record<string, unknown>
          const { request_id, ...awsRest } = aws as Record<string, unknown>
          return {
            name,
            namespace,
            aws: awsRest,
            hasRequestId: request_id !== undefined,
            http,
            error,
            fault,
            throttle,
            exceptions: (
              (cause as { exceptions?: Record<string, unknown>[] } | undefined)?.exceptions ?? []
            ).map(({ type, message, remote }) => ({ type, message, remote })),
          }
        })
        expect(segment.subsegments).toHaveLength(2)
        expect(viaLean).toEqual(viaSdk)
        expect(viaLean).toMatchObject({
          name: 'DynamoDB',
          namespace: 'aws',
          aws: { operation: 'GetItem', region, table_name: 'rate-limits', retries: 1 },
          hasRequestId: true,
          http: { response: { status: answer.status } },
        })
      },
    )

    it('opens no span when tracing is off', async () => {
      // Prepare
      const span = vi.fn()
      const tracing = { ...(await createTracing(false)), span }
      const lean = new LeanDynamo(sdkClient(server.endpoint), { tracing })

      // Act
      await lean.send('GetItem', { TableName: 'rate-limits', Key: { pk: 'a' } })

      // Assess
      expect(span).not.toHaveBeenCalled()
      expect(allLean(server.requests)).toBe(true)
    })

    it('answers a request that went through even when recording its subsegment fails', async () => {
      // Prepare: the subsegment refuses its aws attribute.
      vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x')
      vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true')
      const tracing = await createTracing(true)
      server.answer({ status: 200, body: { Attributes: { count: { N: '1' } } } })
      const addAttribute = Subsegment.prototype.addAttribute
      vi.spyOn(Subsegment.prototype, 'addAttribute').mockImplementation(function (
        this: Subsegment,
        name: string,
        data: unknown,
      ) {
        if (name === 'aws') throw new Error('cannot record')
        return addAttribute.call(this, name, data)
      })
      const lean = new LeanDynamo(sdkClient(server.endpoint, 1), { tracing })
      const segment = new Segment('switchboard-agents')

      // Act
      const output = await getNamespace().runAndReturn(() => {
        setSegment(segment)
        return lean.send('UpdateItem', addOneToCount)
      })

      // Assess
      expect(output.Attributes).toEqual({ count: 1 })
      expect(server.requests).toHaveLength(1)
      expect(segment.subsegments?.[0]?.isClosed()).toBe(true)
    })
  })
})
