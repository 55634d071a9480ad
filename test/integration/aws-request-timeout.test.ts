import { ScanCommand } from '@aws-sdk/client-dynamodb'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { isAwsUnavailable } from '../../lib/aws-unavailable.ts'
import type { GatewayConfig } from '../../lib/config.ts'
import { embedderFor, vectorIndexFor } from '../../lib/discovery/adapters.ts'
import { createDocumentClient, createDynamoClient } from '../../lib/dynamo.ts'
import { secretStoreFor } from '../../lib/secrets/secret-store-for.ts'
import { gatewayKeyFor } from '../../lib/signing/gateway-key-for.ts'
import { startSilentService } from '../support/silent-service.ts'

/** Short, so the SDK's attempts and its backoff between them stay near a second. */
const awsRequestTimeoutMs = 300
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
 * Each: its name, the variable naming its endpoint (none: the call names it), the SDK's attempts,
 * the call to a service at `url`; Bedrock Runtime's client speaks HTTP/2.
 */
const services: [string, string | undefined, number, (url: string) => Promise<unknown>][] = [
  [
    'DynamoDB, through the SDK (a Scan)',
    undefined,
    4,
    (url) =>
      createDynamoClient({ region, dynamoDbEndpoint: url, awsRequestTimeoutMs }).send(
        new ScanCommand({ TableName: 'switchboard-agents' }),
      ),
  ],
  [
    'DynamoDB, on the lean path (a GetItem)',
    undefined,
    4,
    (url) =>
      createDocumentClient({ region, dynamoDbEndpoint: url, awsRequestTimeoutMs }).send(
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
    'Bedrock (a text embedded)',
    'AWS_ENDPOINT_URL_BEDROCK_RUNTIME',
    3,
    () =>
      embedderFor({ region, awsRequestTimeoutMs, discovery: discovery('bedrock', 'local') }).embed(
        'will it rain tomorrow?',
      ),
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

/**
 * Every AWS client the gateway builds from its configuration with a limit on each attempt
 * (all but Cognito's), each reaching a service that takes requests and never answers (the SDK's
 * `AWS_ENDPOINT_URL_<SERVICE>`, or DYNAMODB_ENDPOINT): the call fails with a timeout once the
 * SDK has made its attempts, where it would wait for as long as the function may run.
 */
describe('AWS requests that get no answer, with AWS_REQUEST_TIMEOUT_MS', () => {
  let silent: Awaited<ReturnType<typeof startSilentService>> | undefined

  afterEach(async () => {
    vi.unstubAllEnvs()
    await silent?.stop()
  })

  it.each(services)(
    '%s fails with a timeout once the SDK has made its attempts',
    async (_name, endpointVariable, attempts, call) => {
      // Prepare: a service of its own, so no other case's late request is counted here
      const http2 = endpointVariable === 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME'
      silent = await startSilentService({ http2 })
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'local')
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local')
      if (endpointVariable) vi.stubEnv(endpointVariable, silent.url)

      // Act
      const failure = await call(silent.url).then(
        () => undefined,
        (error: unknown) => error,
      )

      // Assess: the SDK counts its attempts; a busy machine may cut one before it arrives
      const timedOut = rootCauseOf(failure) as { name?: string; $metadata?: { attempts?: number } }
      expect(timedOut).toMatchObject({ name: 'TimeoutError' })
      expect(timedOut.$metadata?.attempts).toBe(attempts)
      expect(isAwsUnavailable(failure)).toBe(true)
      expect(silent.requests()).toBeGreaterThanOrEqual(1)
      expect(silent.requests()).toBeLessThanOrEqual(attempts)
      // Each of Bedrock's attempts on a session of its own, as the SDK's own default has it: a
      // timed-out stream's session is dropped only so, and a retry would reuse a bad one.
      if (http2) expect(silent.sessions()).toBe(silent.requests())
    },
  )
})
