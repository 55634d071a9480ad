import type { IncomingHttpHeaders } from 'node:http'
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  DynamoDBServiceException,
  InternalServerError,
  InvalidEndpointException,
  ItemCollectionSizeLimitExceededException,
  ProvisionedThroughputExceededException,
  ReplicatedWriteConflictException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  type TranslateConfig,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import {
  type marshallOptions as MarshallOptions,
  marshall,
  type unmarshallOptions as UnmarshallOptions,
  unmarshall,
} from '@aws-sdk/util-dynamodb'
import {
  getRetryAfterHint,
  isServerError,
  isThrottlingError,
  isTransientError,
} from '@smithy/core/retry'
import type { RetryErrorInfo, RetryErrorType, RetryStrategyV2, RetryToken } from '@smithy/types'
import { type DynamoSigner, dynamoSigner } from './dynamo-sigv4.ts'
import { httpTransport, type LeanTransport, registeredTransport } from './lean-transport.ts'
import { tracing as processTracing, type Tracing } from './observability/tracing.ts'

/**
 * A lean path for DynamoDB's four single-item requests (docs/architecture.md, "A lean path for
 * single-item DynamoDB requests"): the request the SDK would send (DynamoDB JSON 1.0, SigV4),
 * built and sent without its per-command middleware stack, which costs about four times the
 * CPU of the request itself. Credentials, region, endpoint, retry strategy and clock offset are
 * the wrapped client's own.
 */

/** The lib-dynamodb commands the lean path takes, by the DynamoDB operation each one is. */
const leanOperations = new Map<unknown, LeanOperation>([
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
])

export type LeanOperation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem'

/** A command the lean path takes: one of the four, in a form it knows (no legacy parameters). */
export const leanOperationOf = (command: unknown): LeanOperation | undefined => {
  const operation = leanOperations.get((command as object | undefined)?.constructor)
  if (!operation) return undefined
  const input = (command as { input: Record<string, unknown> }).input
  // The legacy parameters nest values deeper; the SDK marshals those.
  return input.Expected || input.AttributeUpdates ? undefined : operation
}

/** The SDK's exception classes for what a single-item request can answer; others by name. */
const exceptionClasses = new Map<string, new (options: never) => DynamoDBServiceException>(
  [
    ConditionalCheckFailedException,
    InternalServerError,
    InvalidEndpointException,
    ItemCollectionSizeLimitExceededException,
    ProvisionedThroughputExceededException,
    ReplicatedWriteConflictException,
    RequestLimitExceeded,
    ResourceNotFoundException,
    ThrottlingException,
    TransactionConflictException,
  ].map((exception) => [exception.name, exception as never]),
)

/**
 * A string, boolean, null or safe finite number as `marshall` makes it, without its type
 * tests; undefined for any other value (then `marshall` takes it, and throws where it throws).
 * Not used when empty strings are to be converted (`convertEmptyValues`): `marshall` decides then.
 */
const scalarAttribute = (value: unknown) => {
  switch (typeof value) {
    case 'string':
      return { S: value }
    case 'boolean':
      return { BOOL: value }
    case 'number':
      return Number.isFinite(value) &&
        value <= Number.MAX_SAFE_INTEGER &&
        value >= Number.MIN_SAFE_INTEGER
        ? { N: String(value) }
        : undefined
    default:
      return value === null ? { NULL: true } : undefined
  }
}

/**
 * Each value of a map marshalled on its own, as lib-dynamodb does (functions and undefined left
 * out); `scalars` says whether every value was a scalar (so none is binary).
 */
const marshallValues = (values: Record<string, unknown>, options: MarshallOptions) => {
  const marshalled: Record<string, unknown> = {}
  let scalars = true
  for (const key of Object.keys(values)) {
    const value = values[key]
    if (value === undefined || typeof value === 'function') continue
    const scalar = options.convertEmptyValues ? undefined : scalarAttribute(value)
    if (scalar) {
      marshalled[key] = scalar
      continue
    }
    scalars = false
    const attribute = marshall(value as never, options)
    if (attribute !== undefined) marshalled[key] = attribute
  }
  return { marshalled, scalars }
}

/** Whether an input field other than the value maps is plain text, a number, a flag or names. */
const plainField = (value: unknown) => {
  if (typeof value !== 'object' || value === null) return true
  if (Object.getPrototypeOf(value) !== Object.prototype) return false
  for (const key in value) {
    if (typeof (value as Record<string, unknown>)[key] !== 'string') return false
  }
  return true
}

/** The attribute-value maps of each operation's input. */
const valueMaps = new Set(['Key', 'Item', 'ExpressionAttributeValues'])

/** Each operation's input members (`GetItemInput` … `DeleteItemInput`): the SDK sends these and no other key. */
const members: Record<LeanOperation, readonly string[]> = {
  GetItem: [
    'TableName',
    'Key',
    'AttributesToGet',
    'ConsistentRead',
    'ReturnConsumedCapacity',
    'ProjectionExpression',
    'ExpressionAttributeNames',
  ],
  PutItem: [
    'TableName',
    'Item',
    'Expected',
    'ReturnValues',
    'ReturnConsumedCapacity',
    'ReturnItemCollectionMetrics',
    'ConditionalOperator',
    'ConditionExpression',
    'ExpressionAttributeNames',
    'ExpressionAttributeValues',
    'ReturnValuesOnConditionCheckFailure',
  ],
  UpdateItem: [
    'TableName',
    'Key',
    'AttributeUpdates',
    'Expected',
    'ConditionalOperator',
    'ReturnValues',
    'ReturnConsumedCapacity',
    'ReturnItemCollectionMetrics',
    'UpdateExpression',
    'ConditionExpression',
    'ExpressionAttributeNames',
    'ExpressionAttributeValues',
    'ReturnValuesOnConditionCheckFailure',
  ],
  DeleteItem: [
    'TableName',
    'Key',
    'Expected',
    'ConditionalOperator',
    'ReturnValues',
    'ReturnConsumedCapacity',
    'ReturnItemCollectionMetrics',
    'ConditionExpression',
    'ExpressionAttributeNames',
    'ExpressionAttributeValues',
    'ReturnValuesOnConditionCheckFailure',
  ],
}

/** lib-dynamodb's options, its defaults filled in as its commands fill them. */
const translationOf = (translateConfig: TranslateConfig | undefined) => ({
  marshall: {
    ...translateConfig?.marshallOptions,
    convertTopLevelContainer: translateConfig?.marshallOptions?.convertTopLevelContainer ?? true,
  },
  unmarshall: {
    ...translateConfig?.unmarshallOptions,
    convertWithoutMapWrapper: translateConfig?.unmarshallOptions?.convertWithoutMapWrapper ?? true,
  },
})
type Translation = ReturnType<typeof translationOf>

/** Binary values (`B`, `BS`) as DynamoDB JSON has them: base64. */
function binaryAsBase64(this: Record<string, unknown>, key: string, value: unknown) {
  const raw = this[key]
  if (ArrayBuffer.isView(raw))
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('base64')
  if (raw instanceof Blob) throw new TypeError(`Binary value ${key}: give bytes, not a Blob`)
  return value
}

/** DynamoDB JSON's base64 binary values back as bytes, as the SDK gives them. */
const base64AsBinary = (key: string, value: unknown) => {
  if (key === 'B' && typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'))
  if (key === 'BS' && Array.isArray(value) && value.every((item) => typeof item === 'string'))
    return value.map((item) => new Uint8Array(Buffer.from(item, 'base64')))
  return value
}

/**
 * The request body: the operation's members of the input (nulls left out, as the SDK's
 * serializer does) with their attribute values marshalled. Binary values are written as base64
 * by a replacer, which visits every key; when every value is a scalar and every other member
 * plain, there is nothing binary and the body is stringified without it.
 */
export const leanRequestBody = (
  operation: LeanOperation,
  input: Record<string, unknown>,
  options: MarshallOptions = translationOf(undefined).marshall,
): string => {
  const wire: Record<string, unknown> = {}
  let binaryFree = true
  for (const key of members[operation]) {
    const value = input[key]
    if (value === undefined) continue
    if (value === null) {
      // The SDK throws here too (it cannot marshal a null map), before sending anything.
      if (valueMaps.has(key))
        throw new TypeError(`${key} must be a map of attribute values, not null`)
      continue
    }
    if (valueMaps.has(key)) {
      const { marshalled, scalars } = marshallValues(value as Record<string, unknown>, options)
      wire[key] = marshalled
      binaryFree &&= scalars
    } else {
      wire[key] = value
      binaryFree &&= plainField(value)
    }
  }
  return binaryFree ? JSON.stringify(wire) : JSON.stringify(wire, binaryAsBase64)
}

const parseBody = (text: string): Record<string, unknown> =>
  text ? JSON.parse(text, text.includes('"B') ? base64AsBinary : undefined) : {}

const unmarshallValues = (values: Record<string, unknown>, options: UnmarshallOptions) => {
  const native: Record<string, unknown> = {}
  for (const key of Object.keys(values)) native[key] = unmarshall(values[key] as never, options)
  return native
}

/** The output as lib-dynamodb gives it: `Item`, `Attributes` and item collection keys unmarshalled. */
const documentOutput = (
  body: Record<string, unknown>,
  $metadata: Metadata,
  options: UnmarshallOptions,
) => {
  const output: Record<string, unknown> = { $metadata, ...body }
  if (body.Item) output.Item = unmarshallValues(body.Item as Record<string, unknown>, options)
  if (body.Attributes)
    output.Attributes = unmarshallValues(body.Attributes as Record<string, unknown>, options)
  const metrics = body.ItemCollectionMetrics as Record<string, unknown> | undefined
  if (metrics?.ItemCollectionKey) {
    output.ItemCollectionMetrics = {
      ...metrics,
      ItemCollectionKey: unmarshallValues(
        metrics.ItemCollectionKey as Record<string, unknown>,
        options,
      ),
    }
  }
  return output
}

/**
 * A 200 whose body is not JSON, as the SDK's deserializer throws it: the `SyntaxError` with a
 * hint and the answer's `$metadata` (its retry middleware then does not retry it: a client error).
 */
const deserializationError = (error: unknown, $metadata: Metadata) => {
  const failed = error instanceof Error ? error : new SyntaxError(String(error))
  failed.message += '\n  Deserialization error: the answer was not DynamoDB JSON.'
  return Object.assign(failed, { $metadata })
}

interface Metadata {
  httpStatusCode?: number
  requestId?: string
  extendedRequestId?: string
  cfId?: string
  attempts?: number
  totalRetryDelay?: number
  clockSkewCorrected?: boolean
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

const metadataOf = (status: number, headers: IncomingHttpHeaders): Metadata => ({
  httpStatusCode: status,
  requestId: header(headers, 'x-amzn-requestid'),
  extendedRequestId: header(headers, 'x-amz-id-2'),
  cfId: header(headers, 'x-amz-cf-id'),
})

/** DynamoDB's error answer as the SDK's exception: its class where the SDK has one, by name otherwise. */
const exceptionOf = (status: number, headers: IncomingHttpHeaders, text: string) => {
  let body: Record<string, unknown> = {}
  try {
    body = parseBody(text)
  } catch {
    // Not JSON (a proxy's page): the status says what there is to say.
  }
  const type = header(headers, 'x-amzn-errortype') ?? (body.__type as string | undefined) ?? ''
  const name = type.split(':')[0]?.split('#').pop() || `Http${status}Error`
  const { __type, message, Message, ...fields } = body
  const options = {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    message: String(message ?? Message ?? name),
    $metadata: metadataOf(status, headers),
    ...fields,
  }
  const exceptionClass = exceptionClasses.get(name)
  return exceptionClass
    ? new exceptionClass(options as never)
    : new DynamoDBServiceException(options as never)
}

/** The SDK's own classification, so the client's retry strategy decides as it does for the SDK. */
const retryErrorType = (error: Error): RetryErrorType => {
  const sdkError = error as Parameters<typeof isThrottlingError>[0]
  if (isThrottlingError(sdkError)) return 'THROTTLING'
  if (isTransientError(sdkError)) return 'TRANSIENT'
  if (isServerError(sdkError)) return 'SERVER_ERROR'
  return 'CLIENT_ERROR'
}

/** What the X-Ray SDK's AWS capture records of each operation (its whitelist's DynamoDB entries). */
const tracedParameters: Record<
  LeanOperation,
  { inputParameters: readonly string[]; outputParameters: readonly string[] }
> = {
  GetItem: {
    inputParameters: ['ConsistentRead', 'ProjectionExpression', 'TableName'],
    outputParameters: ['ConsumedCapacity'],
  },
  PutItem: {
    inputParameters: ['TableName'],
    outputParameters: ['ConsumedCapacity', 'ItemCollectionMetrics'],
  },
  UpdateItem: {
    inputParameters: ['TableName'],
    outputParameters: ['ConsumedCapacity', 'ItemCollectionMetrics'],
  },
  DeleteItem: {
    inputParameters: ['TableName'],
    outputParameters: ['ConsumedCapacity', 'ItemCollectionMetrics'],
  },
}

/** An endpoint rule's auth scheme, as the SDK reads it to sign (`properties.authSchemes`). */
interface AuthScheme {
  name?: string
  signingName?: string
  signingRegion?: string
}

/** A custom endpoint as a URL: protocol, host, port and path (its query refused above). */
const resolvedUrl = (endpoint: {
  protocol: string
  hostname: string
  port?: number
  path: string
}) =>
  `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path}`

/** Where requests go, and how they are signed: resolved once from the client's config. */
interface Route {
  url: URL
  /** The URL's origin, for `useLeanTransport`'s registry. */
  origin: string
  region: string
  signer: DynamoSigner
  /** The transport the client was built with, or HTTP. */
  transport: LeanTransport
  retryStrategy: RetryStrategyV2
  /** Whether the client keeps its clock offset from the server's `Date` (the SDK's default). */
  sampleClock: boolean
}

export interface LeanDynamoOptions {
  /** A socket that sends nothing for this long is given up (and the request retried); 10 s. */
  socketTimeoutMs?: number
  /** Where each request's subsegment goes (the process's tracing). */
  tracing?: Tracing
  /** The DocumentClient's `translateConfig` (marshall and unmarshall options), as lib-dynamodb takes it. */
  translateConfig?: TranslateConfig
  /**
   * How each signed request is exchanged (`LeanTransport`); HTTP(S) by default, or what
   * `useLeanTransport` registered for the endpoint's origin.
   */
  transport?: LeanTransport
}

/**
 * Sends lib-dynamodb's Get, Put, Update and Delete commands as the SDK would, at about a
 * quarter of its CPU. Not `available()` when the client asks for what it does not do (FIPS or
 * dual-stack endpoints, an endpoint from `AWS_ENDPOINT_URL*`, a retry strategy of the old
 * interface): then every command goes to the SDK.
 *
 * @example
 * const lean = new LeanDynamo(client)
 * if (await lean.available()) await lean.send('GetItem', { TableName, Key: { pk } })
 */
export class LeanDynamo {
  readonly #route: Promise<Route | undefined>
  readonly #socketTimeoutMs: number
  readonly #config: DynamoDBClient['config']
  readonly #tracing: Tracing
  readonly #translation: Translation
  readonly #transport: LeanTransport | undefined

  constructor(client: DynamoDBClient, options: LeanDynamoOptions = {}) {
    this.#config = client.config
    this.#transport = options.transport
    this.#socketTimeoutMs = options.socketTimeoutMs ?? 10_000
    this.#tracing = options.tracing ?? processTracing
    this.#translation = translationOf(options.translateConfig)
    this.#route = this.#resolveRoute()
    // A failure to resolve shows on the first request; none is unhandled meanwhile.
    this.#route.catch(() => {})
  }

  /** Whether the lean path is used for this client (false: the SDK takes every command). */
  async available(): Promise<boolean> {
    return (await this.#route.catch(() => undefined)) !== undefined
  }

  /** Where the lean path sends its requests (undefined: it is not available). */
  async endpoint(): Promise<URL | undefined> {
    const route = await this.#route.catch(() => undefined)
    return route && new URL(route.url)
  }

  async #resolveRoute(): Promise<Route | undefined> {
    const config = this.#config
    const [fips, dualStack, region, configured, retryStrategy] = await Promise.all([
      config.useFipsEndpoint(),
      config.useDualstackEndpoint(),
      config.region(),
      config.serviceConfiguredEndpoint?.(),
      config.retryStrategy(),
    ])
    if (fips || dualStack || (!config.endpoint && configured)) return undefined
    if (!('acquireInitialRetryToken' in retryStrategy)) return undefined
    const endpoint = config.endpoint ? await config.endpoint() : undefined
    // The SDK signs and sends a query string given with an endpoint; the lean path sends none.
    if (endpoint?.query && Object.keys(endpoint.query).length > 0) return undefined
    // The SDK's endpoint rules, so each partition gets its host (`.amazonaws.com.cn`, `.c2s.ic.gov`),
    // and the region they say to sign with (`local` is signed as us-east-1).
    const resolved = config.endpointProvider({
      Region: region,
      UseFIPS: false,
      UseDualStack: false,
      AccountIdEndpointMode: 'disabled',
      ...(endpoint ? { Endpoint: resolvedUrl(endpoint) } : {}),
    })
    const scheme = (resolved.properties?.authSchemes as AuthScheme[] | undefined)?.[0]
    if (scheme && (scheme.name !== 'sigv4' || (scheme.signingName ?? 'dynamodb') !== 'dynamodb'))
      return undefined
    const signingRegion = scheme?.signingRegion ?? region
    const url = new URL(endpoint ? resolvedUrl(endpoint) : resolved.url)
    return {
      url,
      origin: url.origin,
      region,
      signer: dynamoSigner({
        host: url.host,
        path: url.pathname,
        region: signingRegion,
        credentials: config.credentials,
      }),
      transport: this.#transport ?? httpTransport(url),
      retryStrategy: retryStrategy as RetryStrategyV2,
      sampleClock: !(await config.disableClockSkewCorrection?.()),
    }
  }

  /**
   * One request, retried as the client's retry strategy says; the output as lib-dynamodb's
   * command gives it, or the SDK's exception. A subsegment per request when tracing is on.
   */
  async send(
    operation: LeanOperation,
    input: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const route = await this.#route
    if (!route) throw new Error('The lean DynamoDB path is not available for this client')
    const body = leanRequestBody(operation, input, this.#translation.marshall)
    if (!this.#tracing.enabled) return this.#sendRetried(route, operation, body)
    return this.#tracing.awsCall(
      {
        service: 'DynamoDB',
        operation,
        region: route.region,
        input,
        ...tracedParameters[operation],
      },
      { operation, table: String(input.TableName ?? '') },
      () => this.#sendRetried(route, operation, body),
    )
  }

  async #sendRetried(route: Route, operation: LeanOperation, body: string) {
    const strategy = route.retryStrategy
    let token: RetryToken = await strategy.acquireInitialRetryToken('')
    let attempts = 0
    let totalRetryDelay = 0
    while (true) {
      let retryAfterHint: Date | undefined
      try {
        const sentAt = Date.now()
        const { status, headers, text } = await this.#post(route, operation, body)
        const clockCorrected = route.sampleClock && this.#sampleClock(headers, sentAt)
        const $metadata = metadataOf(status, headers)
        if (status >= 300) {
          const exception = exceptionOf(status, headers, text)
          // As the SDK: a request refused for a clock it has now corrected is worth another try.
          if (clockCorrected) (exception.$metadata as Metadata).clockSkewCorrected = true
          retryAfterHint = getRetryAfterHint({ statusCode: status, headers } as never)
          throw exception
        }
        let answer: Record<string, unknown>
        try {
          answer = parseBody(text)
        } catch (malformed) {
          throw deserializationError(malformed, $metadata)
        }
        strategy.recordSuccess(token)
        return documentOutput(
          answer,
          { ...$metadata, attempts: attempts + 1, totalRetryDelay },
          this.#translation.unmarshall,
        )
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught))
        // As the SDK's retry middleware: the error, its class, and the server's Retry-After.
        const errorInfo: RetryErrorInfo = { error, errorType: retryErrorType(error) } as never
        if (retryAfterHint) errorInfo.retryAfterHint = retryAfterHint
        try {
          token = await strategy.refreshRetryTokenForRetry(token, errorInfo)
        } catch {
          const failed = error as Error & { $metadata?: Metadata }
          failed.$metadata = { ...failed.$metadata, attempts: attempts + 1, totalRetryDelay }
          throw failed
        }
        attempts = token.getRetryCount()
        const delay = token.getRetryDelay()
        totalRetryDelay +=
          ((token as { $retryLog?: { acquisitionDelay?: number } }).$retryLog?.acquisitionDelay ??
            0) + delay
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  /**
   * The client's clock offset from the server's `Date`, kept as the SDK's signer keeps it
   * (`AwsSdkSigV4Signer`, shared through the client's config); whether it moved by 4 minutes or more.
   */
  #sampleClock(headers: IncomingHttpHeaders, sentAt: number): boolean {
    const date = header(headers, 'date')
    if (!date || headers.age !== undefined) return false
    const serverTime = Date.parse(date)
    const now = Date.now()
    if (Number.isNaN(serverTime) || now - sentAt > 900_000) return false
    const before = this.#config.systemClockOffset
    const offset = serverTime - now
    this.#config.systemClockOffset = offset
    return Math.abs(offset) >= 240_000 && offset !== before
  }

  async #post(route: Route, operation: LeanOperation, body: string) {
    const headers = await route.signer.sign(
      `DynamoDB_20120810.${operation}`,
      body,
      new Date(Date.now() + (this.#config.systemClockOffset ?? 0)),
    )
    const transport = this.#transport ?? registeredTransport(route.origin) ?? route.transport
    return transport({ url: route.url, headers, body, timeoutMs: this.#socketTimeoutMs })
  }
}
