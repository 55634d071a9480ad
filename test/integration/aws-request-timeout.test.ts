import { ScanCommand } from '@aws-sdk/client-dynamodb'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { isAwsUnavailable } from '../../lib/aws-unavailable.ts'
import { callerRegistryFor } from '../../lib/callers/caller-registry-for.ts'
import type { GatewayConfig } from '../../lib/config.ts'
import { embedderFor, vectorIndexFor } from '../../lib/discovery/adapters.ts'
import { createDocumentClient, createDynamoClient } from '../../lib/dynamo.ts'
import { secretStoreFor } from '../../lib/secrets/secret-store-for.ts'
import { gatewayKeyFor } from '../../lib/signing/gateway-key-for.ts'
import { startSilentService } from '../support/silent-service.ts'

/** Short, so three attempts and the SDK's backoff between them stay well under a second. */
const awsRequestTimeoutMs = 150
const region = 'us-east-1'

const discovery = (embedder: 'bedrock' | 'hashing', index: 's3vectors' | 'local') =>
  ({
    embedder,
    dimension: 256,
    index,
    bucket: 'vectors',
    indexName: 'agents',
  }) as GatewayConfig['discovery']

/** The timeout at the root of `error`: a library's own error may wrap the SDK's. */
const rootCauseOf = (error: unknown): unknown =>
  error instanceof Error && error.cause !== undefined ? rootCauseOf(error.cause) : error

/**
 * Every AWS client the gateway builds from its configuration, each reaching a service that takes
 * requests and never answers (the SDK's `AWS_ENDPOINT_URL_<SERVICE>`, or DYNAMODB_ENDPOINT): the
 * call fails with a timeout once the SDK has made its attempts (three; DynamoDB's four), where it
 * would wait for as long as the function may run (an attempt had no limit).
 */
describe('AWS requests that get no answer, with AWS_REQUEST_TIMEOUT_MS', () => {
  let silent: Awaited<ReturnType<typeof startSilentService>>
  let silentHttp2: Awaited<ReturnType<typeof startSilentService>>

  beforeAll(async () => {
    silent = await startSilentService()
    silentHttp2 = await startSilentService({ http2: true })
  })
  afterAll(async () => {
    await silent?.stop()
    await silentHttp2?.stop()
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  /**
   * Each: its name, the variable naming its endpoint (none: the call names it), the SDK's
   * attempts, the call; Bedrock Runtime's client speaks HTTP/2.
   */
  const services: [string, string | undefined, number, () => Promise<unknown>][] = [
    [
      'DynamoDB, through the SDK (a Scan)',
      undefined,
      4,
      () =>
        createDynamoClient({ region, dynamoDbEndpoint: silent.url, awsRequestTimeoutMs }).send(
          new ScanCommand({ TableName: 'switchboard-agents' }),
        ),
    ],
    [
      'DynamoDB, on the lean path (a GetItem)',
      undefined,
      4,
      () =>
        createDocumentClient({ region, dynamoDbEndpoint: silent.url, awsRequestTimeoutMs }).send(
          new GetCommand({ TableName: 'switchboard-agents', Key: { agentId: 'weather' } }),
        ),
    ],
    [
      'KMS (a card signed)',
      'AWS_ENDPOINT_URL_KMS',
      3,
      async () => {
        const key = await gatewayKeyFor({
          region,
          awsRequestTimeoutMs,
          cardSigningKeyId: 'alias/switchboard-cards',
          cardSigningKeyFile: undefined,
        })()
        return key.sign(new Uint8Array([1, 2, 3]))
      },
    ],
    [
      'Secrets Manager (an agent’s secret read)',
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      3,
      () =>
        secretStoreFor({
          region,
          awsRequestTimeoutMs,
          secretsFile: undefined,
          secretsKmsKeyId: undefined,
        }).read('arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/agents/w-AbCdEf'),
    ],
    [
      'Cognito (the scopes listed)',
      'AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER',
      3,
      () =>
        callerRegistryFor(
          {
            region,
            awsRequestTimeoutMs,
            token: { adminScope: 'admin' } as GatewayConfig['token'],
            callers: {
              userPoolId: 'us-east-1_AbC123',
              resourceServerIdentifier: 'switchboard',
              identityFile: undefined,
              managedClientIds: [],
              tokenValidityMinutes: 60,
            },
          },
          (_name, work) => work(),
        ).listScopes(),
    ],
    [
      'Bedrock (a text embedded)',
      'AWS_ENDPOINT_URL_BEDROCK_RUNTIME',
      3,
      () =>
        embedderFor({
          region,
          awsRequestTimeoutMs,
          discovery: discovery('bedrock', 'local'),
        }).embed('will it rain tomorrow?'),
    ],
    [
      'S3 Vectors (a search)',
      'AWS_ENDPOINT_URL_S3VECTORS',
      3,
      () =>
        vectorIndexFor({
          region,
          awsRequestTimeoutMs,
          discovery: discovery('hashing', 's3vectors'),
        }).query(new Array(256).fill(0.1), { topK: 3, agentIds: ['weather'] }),
    ],
  ]

  it.each(services)(
    '%s fails with a timeout once the SDK has made its attempts',
    async (_name, endpointVariable, attempts, call) => {
      // Prepare
      const service = endpointVariable === 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME' ? silentHttp2 : silent
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'local')
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local')
      if (endpointVariable) vi.stubEnv(endpointVariable, service.url)
      const before = service.requests()

      // Act
      const failure = await call().then(
        () => undefined,
        (error: unknown) => error,
      )

      // Assess
      expect(rootCauseOf(failure)).toMatchObject({ name: 'TimeoutError' })
      expect(isAwsUnavailable(failure)).toBe(true)
      expect(service.requests() - before).toBe(attempts)
    },
  )
})
