import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  DynamoDBDocumentClient,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type TranslateConfig,
} from '@aws-sdk/lib-dynamodb'
import type { SmithyResolvedConfiguration } from '@smithy/core/client'
import type { Command, HttpHandlerOptions } from '@smithy/types'
import { type AwsClientConfig, awsClientOptions } from './aws-client-options.ts'
import { CachedKeySha256 } from './cached-key-sha256.ts'
import type { GatewayConfig } from './config.ts'
import {
  LeanDynamo,
  type LeanDynamoOptions,
  type LeanOperation,
  leanOperationOf,
} from './dynamo-lean.ts'
import { tracing } from './observability/tracing.ts'

type DatabaseConfig = AwsClientConfig & Pick<GatewayConfig, 'dynamoDbEndpoint'>

/**
 * One DynamoDB client per process, traced; its endpoint comes from config. Its
 * SigV4 signer reuses its HMAC keys (`CachedKeySha256`): signing is paid on
 * every request of every call.
 */
export const createDynamoClient = (config: DatabaseConfig): DynamoDBClient =>
  tracing.captureClient(
    new DynamoDBClient({
      ...awsClientOptions(config),
      sha256: CachedKeySha256,
      ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    }),
  )

/** A command as the DocumentClient's `send` takes it. */
type DocumentCommand<I extends ServiceInputTypes, O extends ServiceOutputTypes> = Command<
  ServiceInputTypes,
  I,
  ServiceOutputTypes,
  O,
  SmithyResolvedConfiguration<HttpHandlerOptions>
>
type RequestOptions = Parameters<DynamoDBDocumentClient['send']>[1]

/**
 * A DocumentClient whose Get, Put, Update and Delete commands (sent without
 * options) take the lean path (`LeanDynamo`, lib/dynamo-lean.ts); every other
 * command, and any command sent with options or a callback, goes to the SDK as
 * it would. The stores see a `DynamoDBDocumentClient` and nothing else.
 *
 * @example
 * const client = LeanDocumentClient.from(new DynamoDBClient({ region }), { marshallOptions })
 */
export class LeanDocumentClient extends DynamoDBDocumentClient {
  readonly #lean: LeanDynamo

  protected constructor(
    client: DynamoDBClient,
    translateConfig?: TranslateConfig,
    leanOptions: Pick<LeanDynamoOptions, 'socketTimeoutMs'> = {},
  ) {
    super(client, translateConfig)
    this.#lean = new LeanDynamo(client, {
      ...leanOptions,
      translateConfig: this.config.translateConfig,
    })
  }

  /** `leanOptions`: how long the lean path waits for an answer (the SDK's client has its own). */
  static override from(
    client: DynamoDBClient,
    translateConfig?: TranslateConfig,
    leanOptions?: Pick<LeanDynamoOptions, 'socketTimeoutMs'>,
  ) {
    return new LeanDocumentClient(client, translateConfig, leanOptions)
  }

  override send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: DocumentCommand<I, O>,
    options?: RequestOptions,
  ): Promise<O>
  override send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: DocumentCommand<I, O>,
    cb: (err: unknown, data?: O) => void,
  ): void
  override send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: DocumentCommand<I, O>,
    options: RequestOptions,
    cb: (err: unknown, data?: O) => void,
  ): void
  override send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: DocumentCommand<I, O>,
    optionsOrCb?: RequestOptions | ((err: unknown, data?: O) => void),
    cb?: (err: unknown, data?: O) => void,
    // biome-ignore lint/suspicious/noConfusingVoidType: as the SDK's: nothing when given a callback.
  ): Promise<O> | void {
    const operation =
      optionsOrCb === undefined && cb === undefined ? leanOperationOf(command) : undefined
    if (!operation) return super.send(command, optionsOrCb as RequestOptions, cb as never)
    return this.#sendLean(operation, command)
  }

  async #sendLean<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    operation: LeanOperation,
    command: DocumentCommand<I, O>,
  ): Promise<O> {
    if (!(await this.#lean.available())) return super.send(command)
    return (await this.#lean.send(operation, command.input as Record<string, unknown>)) as O
  }
}

export const createDocumentClient = (
  config: DatabaseConfig,
  client: DynamoDBClient = createDynamoClient(config),
): DynamoDBDocumentClient =>
  LeanDocumentClient.from(
    client,
    { marshallOptions: { removeUndefinedValues: true } },
    // The SDK client's limit on an attempt (awsClientOptions), for the lean path's too.
    config.awsRequestTimeoutMs === undefined ? {} : { socketTimeoutMs: config.awsRequestTimeoutMs },
  )
