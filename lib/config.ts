import * as z from 'zod'
import { defaultRouteThresholds } from './discovery/route-threshold.ts'

/** Raised at start-up when an environment variable is missing or malformed. */
export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/** The longest a Node.js timer waits: one set for longer runs after 1 ms (TimeoutOverflowWarning). */
export const maxTimerMs = 2_147_483_647

/**
 * A whole number from `min` to `max`, refused with one message saying so, whatever was wrong
 * (not a number, a fraction, out of range), rather than zod's one line per check.
 */
const wholeNumber = (
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  wanted = max === Number.MAX_SAFE_INTEGER
    ? `a whole number, ${min} or more`
    : `a whole number from ${min} to ${max}`,
) => {
  const message = `must be ${wanted}`
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message)
}
/** A number from `min` to `max`, fractions allowed. */
const numberFrom = (min: number, max: number) => {
  const message = `must be a number from ${min} to ${max}`
  return z.coerce.number({ error: message }).min(min, message).max(max, message)
}
const positiveInt = wholeNumber(1)
/** What a timer waits: past maxTimerMs it would fire at once, and every call time out. */
const durationMs = wholeNumber(
  1,
  maxTimerMs,
  `a whole number of milliseconds from 1 to ${maxTimerMs} (24.8 days, the longest a timer waits)`,
)
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
)
const url = z.url({
  protocol: /^https?$/,
  error: 'must be an http:// or https:// URL, such as https://host.example.com/path',
})
/** An IPv4 or IPv6 CIDR block, each octet and prefix in range (zod's checks: no `node:net` here). */
const cidrBlock = z.union([z.cidrv4(), z.cidrv6()])
/** `10.1.0.0/016` is `10.1.0.0/16`, as Terraform's `cidrhost` and Node's BlockList read it. */
const isCidr = (block: string) => cidrBlock.safeParse(block.replace(/\/0+(?=\d)/, '/')).success
const cidrList = commaList
  .pipe(z.array(z.string().refine(isCidr, 'must be CIDR blocks such as 10.1.0.0/16')))
  .default([])

/**
 * A delete or deactivation must stop every call that starts a second after it
 * returns, on every warm instance; a cached agent record may be at most this old
 * (counted from when its read began), leaving a margin under that second.
 */
export const maxRegistryCacheTtlMs = 900

/**
 * Lambda's own limit on a request, and MAX_REQUEST_BYTES's default. Lambda counts it on the whole
 * event (the body JSON-escaped, the headers, the request context), so on AWS no body this large
 * reaches a handler (`maxInvocationPayloadBytes`, lib/gateway-responses.ts).
 */
export const defaultMaxRequestBytes = 6 * 1024 * 1024

/** The longest an audit entry is kept: 100 years. */
export const maxAuditRetentionDays = 36_500

/**
 * The fewest dimensions the local embedder hashes a text's concepts into (beside its 100 of word
 * vectors): fewer collide too often to rank. Checked at start, where a smaller
 * EMBEDDING_DIMENSION left every agent unindexed and every search a 503 inviting a retry.
 */
export const localEmbedderMinimumDimension = 256

/** The window RATE_LIMIT_PER_MINUTE counts in. */
export const rateLimitWindowSeconds = 60

/** How long a backend's OAuth2 token endpoint may take to answer. */
export const tokenFetchTimeoutMs = 10_000

/** The push-delivery function's timeout (terraform/locals.tf; test/terraform holds them equal). */
export const pushDeliveryFunctionTimeoutMs = 300_000

/**
 * What the push-delivery function keeps of its time for the gateway's own steps
 * after a push's attempts (its dead letter, the batch's answer to SQS): the
 * attempts must end this long before the function's time does.
 */
export const pushDeliveryReserveMs = 20_000

/**
 * The longest one push's attempts may take: every attempt its whole timeout, and
 * the waits between them (`retryBaseMs`, then doubling).
 *
 * @example
 * pushAttemptsMaxMs({ attempts: 5, retryBaseMs: 1_000, webhookTimeoutMs: 10_000 }) // 65_000
 */
export const pushAttemptsMaxMs = (push: {
  attempts: number
  retryBaseMs: number
  webhookTimeoutMs: number
}) => push.attempts * push.webhookTimeoutMs + push.retryBaseMs * (2 ** (push.attempts - 1) - 1)

/**
 * Every environment variable the handlers read. The README's configuration table
 * lists the same names and defaults; change both together.
 */
const gatewayEnv = z.object({
  SWITCHBOARD_MODE: z.enum(['aws', 'local']).default('aws'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  DYNAMODB_ENDPOINT: url.optional(),
  /** The AWS SDK's endpoint override for AgentCore: where runtimes registered by ARN are called. */
  AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: url.optional(),
  TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/, 'only letters, digits, "_", "." and "-"')
    .default('switchboard-'),
  TOKEN_ISSUER: url,
  JWKS_URL: url.optional(),
  TOKEN_URL: url.optional(),
  SCOPE_PREFIX: z.string().default('switchboard/'),
  ADMIN_SCOPE: z
    .string()
    .regex(
      /^[A-Za-z0-9:._-]+$/,
      'must be letters, digits, ":", ".", "_" and "-" only, as Terraform\'s admin_scope (a token\'s scopes are separated by spaces)',
    )
    .default('admin'),
  ALLOWED_CLIENT_IDS: commaList
    .pipe(
      z
        .array(z.string())
        .min(1, 'must name at least one client id (unset, any client of the issuer is accepted)'),
    )
    .optional(),
  /** The user pool whose resource server and app clients the admin API manages (issue 18). */
  COGNITO_USER_POOL_ID: z
    .string()
    .regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id such as us-east-1_AbC123')
    .optional(),
  /** App clients the Terraform stack owns: the admin API shows them marked and never changes them. */
  MANAGED_CLIENT_IDS: commaList
    .pipe(
      z.array(z.string().regex(/^[\w+-]{1,128}$/, 'must be app client ids separated by commas')),
    )
    .default([]),
  /**
   * How long the access tokens of clients the admin API creates last, in minutes (Cognito's
   * AccessTokenValidity), as Terraform's own clients' do: the longest a revoked token works.
   */
  CALLER_TOKEN_VALIDITY_MINUTES: wholeNumber(5, 1440).default(60),
  /** Local runtime: the local identity's scopes and clients in this file instead of Cognito. */
  IDENTITY_FILE: z.string().min(1).optional(),
  /** The app client people sign in to the operator console with (authorization code + PKCE). */
  CONSOLE_CLIENT_ID: z.string().min(1).default('switchboard-console'),
  PUBLIC_BASE_URL: url.optional(),
  BACKEND_TIMEOUT_MS: durationMs.default(30_000),
  CARD_FETCH_TIMEOUT_MS: durationMs.default(5_000),
  // Below 1 s, so a deleted or deactivated agent is served by no instance a second later.
  REGISTRY_CACHE_TTL_MS: wholeNumber(0, maxRegistryCacheTtlMs).default(750),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(60),
  RATE_LIMIT_SHARDS: wholeNumber(1, 64).default(1),
  MAX_CONCURRENT_STREAMS: positiveInt.default(10),
  // A larger limit could never be reached: Lambda refuses such a request before any handler.
  MAX_REQUEST_BYTES: positiveInt
    .max(
      defaultMaxRequestBytes,
      `must be at most ${defaultMaxRequestBytes}, Lambda's own limit on a request`,
    )
    .default(defaultMaxRequestBytes),
  STREAM_KEEPALIVE_MS: durationMs.default(15_000),
  STREAM_IDLE_TIMEOUT_MS: durationMs.default(270_000),
  MAX_STREAM_EVENT_BYTES: positiveInt.default(1024 * 1024),
  SECRETS_FILE: z.string().min(1).optional(),
  SECRETS_KMS_KEY_ID: z.string().min(1).optional(),
  /**
   * The Terraform stack's `name`: backend secrets are stored as `switchboard/<STACK_NAME>/agents/`
   * and tagged `switchboard:stack`, so two stacks in one account keep apart (its IAM grants
   * that prefix and that tag only). Unset (a laptop): `switchboard/agents/`, untagged.
   * Not `agents`, whose prefix would hold the names every stack used before (the legacy ones).
   */
  STACK_NAME: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{2,22}$/,
      "must be Terraform's name: 3 to 23 lowercase letters, digits or hyphens, starting with a letter",
    )
    .refine((name) => name !== 'agents', {
      message: "must not be 'agents': switchboard/agents/agents/ is a name the legacy prefix holds",
    })
    .optional(),
  CARD_SIGNING_KEY_ID: z.string().min(1).optional(),
  CARD_SIGNING_KEY_FILE: z.string().min(1).optional(),
  EMBEDDER: z.enum(['bedrock', 'local', 'hashing', 'openai']).default('bedrock'),
  // Titan's sizes for bedrock (checked below); any size an embedding server's model has.
  EMBEDDING_DIMENSION: wholeNumber(2, 16_384).default(1024),
  /** EMBEDDER=openai: the server's base URL (POST {url}/v1/embeddings), its model and key. */
  EMBEDDING_URL: url.optional(),
  EMBEDDING_MODEL: z.string().min(1).optional(),
  EMBEDDING_API_KEY: z.string().min(1).optional(),
  EMBEDDING_BATCH_SIZE: wholeNumber(1, 2048).default(32),
  EMBEDDING_TIMEOUT_MS: durationMs.default(10_000),
  VECTOR_INDEX: z.enum(['s3vectors', 'local']).default('s3vectors'),
  VECTOR_INDEX_FILE: z.string().min(1).optional(),
  VECTOR_BUCKET: z.string().min(3).default('switchboard-vectors'),
  VECTOR_INDEX_NAME: z.string().min(3).default('agents'),
  ROUTE_MIN_SCORE: numberFrom(-1, 1).optional(),
  ROUTE_MIN_MARGIN: numberFrom(0, 2).optional(),
  ROUTE_THRESHOLD_CACHE_MS: wholeNumber(0, 3_600_000).default(60_000),
  CALIBRATION_MAX_EMBEDDINGS: positiveInt.default(500),
  BACKEND_ALLOWED_CIDRS: cidrList,
  PUSH_DELIVERY_QUEUE_URL: url.optional(),
  PUSH_DELIVERY_ATTEMPTS: wholeNumber(1, 10).default(5),
  PUSH_RETRY_BASE_MS: durationMs.default(1_000),
  PUSH_WEBHOOK_TIMEOUT_MS: durationMs.default(10_000),
  // An entry's expiry (now + the days, in seconds) stays an exact number DynamoDB's client writes.
  AUDIT_RETENTION_DAYS: wholeNumber(1, maxAuditRetentionDays).default(400),
  METRICS_SINK: z.enum(['emf', 'prometheus']).optional(),
  READY_TIMEOUT_MS: durationMs.default(2_000),
  /**
   * How long one attempt of a request to an AWS service (DynamoDB, KMS, Secrets Manager,
   * Bedrock, S3 Vectors; not Cognito) may wait for its answer to begin, connecting included, or
   * for more of it once begun; the SDK retries a timed-out attempt (three attempts, DynamoDB's
   * four), so a service that stopped answering fails a call within about four times this, not
   * at the function's timeout. Long against any answer of a service that works: a retried write
   * the service had carried out may meet itself (docs/architecture.md, rule 17). 5 s; 10 s in
   * local mode, whose database shares a laptop's (or a test run's) busy cores.
   */
  AWS_REQUEST_TIMEOUT_MS: durationMs.optional(),
})

/** What one variable cannot be without another: checked after each is read on its own. */
const gatewayEnvChecked = gatewayEnv.superRefine((env, context) => {
  if (env.EMBEDDER === 'bedrock' && ![256, 512, 1024].includes(env.EMBEDDING_DIMENSION)) {
    context.addIssue({
      code: 'custom',
      path: ['EMBEDDING_DIMENSION'],
      message: 'must be 256, 512 or 1024 with EMBEDDER=bedrock (Titan V2 sizes)',
    })
  }
  if (env.EMBEDDER === 'local' && env.EMBEDDING_DIMENSION < localEmbedderMinimumDimension) {
    context.addIssue({
      code: 'custom',
      path: ['EMBEDDING_DIMENSION'],
      message: `must be ${localEmbedderMinimumDimension} or more with EMBEDDER=local (fewer hash its concepts into too few buckets to rank)`,
    })
  }
  if (env.EMBEDDER === 'local' && env.SWITCHBOARD_MODE === 'aws') {
    // Its model is files beside lib/discovery/local-embedder.ts, which the bundles leave out: on
    // Lambda every embedding would fail, and /search and /route answer 503 for good. (hashing
    // is code alone; openai calls a server.)
    context.addIssue({
      code: 'custom',
      path: ['EMBEDDER'],
      message:
        "must not be local with SWITCHBOARD_MODE=aws: the local embedder's model files (lib/discovery/local/) are not in the Lambda zips, so /search and /route would answer 503. Use bedrock (Terraform's), or SWITCHBOARD_MODE=local on a laptop",
    })
  }
  const pushAttemptsMs = pushAttemptsMaxMs({
    attempts: env.PUSH_DELIVERY_ATTEMPTS,
    retryBaseMs: env.PUSH_RETRY_BASE_MS,
    webhookTimeoutMs: env.PUSH_WEBHOOK_TIMEOUT_MS,
  })
  const pushAttemptsBudgetMs = pushDeliveryFunctionTimeoutMs - pushDeliveryReserveMs
  if (pushAttemptsMs > pushAttemptsBudgetMs) {
    // Else one slow webhook outlasts the function and takes its whole batch with it. Any of
    // the three may be the one to lower: the message names them all, with their values.
    context.addIssue({
      code: 'custom',
      path: [],
      message: `PUSH_DELIVERY_ATTEMPTS=${env.PUSH_DELIVERY_ATTEMPTS} attempts of PUSH_WEBHOOK_TIMEOUT_MS=${env.PUSH_WEBHOOK_TIMEOUT_MS}, waiting from PUSH_RETRY_BASE_MS=${env.PUSH_RETRY_BASE_MS} doubling between them, may take ${pushAttemptsMs} ms: more than the ${pushAttemptsBudgetMs} ms the push-delivery function's ${pushDeliveryFunctionTimeoutMs} ms leave them (${pushDeliveryReserveMs} ms are kept for a dead letter). Lower one of them.`,
    })
  }
  if (env.EMBEDDER !== 'openai') return
  for (const [name, what] of [
    ['EMBEDDING_URL', "the embedding server's base URL, e.g. http://127.0.0.1:11434"],
    ['EMBEDDING_MODEL', 'the model the server embeds with, e.g. nomic-embed-text'],
  ] as const) {
    if (!env[name]) {
      context.addIssue({ code: 'custom', path: [name], message: `EMBEDDER=openai needs ${what}` })
    }
  }
})

/** The names of every variable the handlers read (Terraform must set what they need). */
export const gatewayEnvironmentVariables = Object.keys(gatewayEnv.shape)

/**
 * Who sets each variable on AWS. Every handler loads the whole configuration, so
 * the Terraform stack sets each `terraform` variable on every function (the
 * Terraform checks in test/terraform/ hold it to this). Typed by the schema, so
 * a new variable cannot be added without saying how it reaches Lambda.
 * - `terraform`: set by the stack.
 * - `lambda`: set by the Lambda runtime itself (reserved, cannot be set).
 * - `local-only`: the laptop runtime's; on AWS it would swap an AWS adapter for a local one.
 * - `derived`: left unset on purpose; the handlers derive it (JWKS from the issuer, the
 *   public URL from the request, since the stage URL is only known after the functions).
 */
export const awsEnvironmentSource = {
  SWITCHBOARD_MODE: 'terraform',
  AWS_REGION: 'lambda',
  DYNAMODB_ENDPOINT: 'local-only',
  AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: 'local-only',
  TABLE_PREFIX: 'terraform',
  TOKEN_ISSUER: 'terraform',
  JWKS_URL: 'derived',
  TOKEN_URL: 'terraform',
  SCOPE_PREFIX: 'terraform',
  ADMIN_SCOPE: 'terraform',
  ALLOWED_CLIENT_IDS: 'terraform',
  COGNITO_USER_POOL_ID: 'terraform',
  MANAGED_CLIENT_IDS: 'terraform',
  CALLER_TOKEN_VALIDITY_MINUTES: 'terraform',
  IDENTITY_FILE: 'local-only',
  CONSOLE_CLIENT_ID: 'terraform',
  PUBLIC_BASE_URL: 'derived',
  BACKEND_TIMEOUT_MS: 'terraform',
  CARD_FETCH_TIMEOUT_MS: 'terraform',
  REGISTRY_CACHE_TTL_MS: 'terraform',
  RATE_LIMIT_PER_MINUTE: 'terraform',
  RATE_LIMIT_SHARDS: 'terraform',
  MAX_CONCURRENT_STREAMS: 'terraform',
  MAX_REQUEST_BYTES: 'terraform',
  STREAM_KEEPALIVE_MS: 'terraform',
  STREAM_IDLE_TIMEOUT_MS: 'terraform',
  MAX_STREAM_EVENT_BYTES: 'terraform',
  SECRETS_FILE: 'local-only',
  SECRETS_KMS_KEY_ID: 'terraform',
  STACK_NAME: 'terraform',
  CARD_SIGNING_KEY_ID: 'terraform',
  CARD_SIGNING_KEY_FILE: 'local-only',
  EMBEDDER: 'terraform',
  EMBEDDING_DIMENSION: 'terraform',
  // An embedding server of one's own: the laptop's for now (the stack embeds with Bedrock).
  EMBEDDING_URL: 'local-only',
  EMBEDDING_MODEL: 'local-only',
  EMBEDDING_API_KEY: 'local-only',
  EMBEDDING_BATCH_SIZE: 'local-only',
  EMBEDDING_TIMEOUT_MS: 'local-only',
  VECTOR_INDEX: 'terraform',
  VECTOR_INDEX_FILE: 'local-only',
  VECTOR_BUCKET: 'terraform',
  VECTOR_INDEX_NAME: 'terraform',
  ROUTE_MIN_SCORE: 'terraform',
  ROUTE_MIN_MARGIN: 'terraform',
  ROUTE_THRESHOLD_CACHE_MS: 'terraform',
  CALIBRATION_MAX_EMBEDDINGS: 'terraform',
  BACKEND_ALLOWED_CIDRS: 'terraform',
  PUSH_DELIVERY_QUEUE_URL: 'terraform',
  PUSH_DELIVERY_ATTEMPTS: 'terraform',
  PUSH_RETRY_BASE_MS: 'terraform',
  PUSH_WEBHOOK_TIMEOUT_MS: 'terraform',
  METRICS_SINK: 'local-only',
  READY_TIMEOUT_MS: 'terraform',
  AWS_REQUEST_TIMEOUT_MS: 'terraform',
  AUDIT_RETENTION_DAYS: 'terraform',
} as const satisfies Record<
  keyof typeof gatewayEnv.shape,
  'terraform' | 'lambda' | 'local-only' | 'derived'
>

/** The variables the Terraform stack sets on every gateway function. */
export const terraformEnvironmentVariables = Object.entries(awsEnvironmentSource)
  .filter(([, source]) => source === 'terraform')
  .map(([name]) => name)

/** The variables that must never be set on AWS (they select local adapters). */
export const localOnlyEnvironmentVariables = Object.entries(awsEnvironmentSource)
  .filter(([, source]) => source === 'local-only')
  .map(([name]) => name)

export type GatewayConfig = ReturnType<typeof toGatewayConfig>

const toGatewayConfig = (env: z.infer<typeof gatewayEnv>) => ({
  mode: env.SWITCHBOARD_MODE,
  region: env.AWS_REGION,
  dynamoDbEndpoint: env.DYNAMODB_ENDPOINT,
  agentCoreEndpointUrl: env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE,
  tablePrefix: env.TABLE_PREFIX,
  token: {
    issuer: env.TOKEN_ISSUER,
    jwksUrl: env.JWKS_URL ?? `${env.TOKEN_ISSUER.replace(/\/$/, '')}/.well-known/jwks.json`,
    tokenUrl: env.TOKEN_URL ?? `${env.TOKEN_ISSUER.replace(/\/$/, '')}/oauth2/token`,
    scopePrefix: env.SCOPE_PREFIX,
    adminScope: env.ADMIN_SCOPE,
    allowedClientIds: env.ALLOWED_CLIENT_IDS,
  },
  callers: {
    /** The user pool the admin API manages scopes and clients in (AWS). */
    userPoolId: env.COGNITO_USER_POOL_ID,
    /** The resource server's identifier: the scope prefix without its `/`. */
    resourceServerIdentifier: env.SCOPE_PREFIX.replace(/\/$/, ''),
    /** Local runtime: the local identity's file instead of Cognito. */
    identityFile: env.IDENTITY_FILE,
    /** The clients Terraform owns (its admin, sample and console clients): refused changes. */
    managedClientIds: env.MANAGED_CLIENT_IDS,
    /** How long the tokens of clients the admin API creates last, in minutes. */
    tokenValidityMinutes: env.CALLER_TOKEN_VALIDITY_MINUTES,
  },
  consoleClientId: env.CONSOLE_CLIENT_ID,
  publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/$/, ''),
  backendTimeoutMs: env.BACKEND_TIMEOUT_MS,
  tokenFetchTimeoutMs,
  cardFetchTimeoutMs: env.CARD_FETCH_TIMEOUT_MS,
  registryCacheTtlMs: env.REGISTRY_CACHE_TTL_MS,
  /** How often an open stream rechecks its agent (through that cache): it ends within a second of a delete. */
  streamRecheckMs: Math.max(100, 1000 - env.REGISTRY_CACHE_TTL_MS),
  rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
  rateLimitWindowSeconds,
  /** Counter items per caller, agent and window: above 1 for pairs hotter than one item's write rate. */
  rateLimitShards: env.RATE_LIMIT_SHARDS,
  maxConcurrentStreams: env.MAX_CONCURRENT_STREAMS,
  maxRequestBytes: env.MAX_REQUEST_BYTES,
  /** Below API Gateway's idle limit, so a quiet stream stays open. */
  streamKeepAliveMs: env.STREAM_KEEPALIVE_MS,
  streamIdleTimeoutMs: env.STREAM_IDLE_TIMEOUT_MS,
  /** One SSE event from an agent may hold no more; past it the stream ends with an error event. */
  maxStreamEventBytes: env.MAX_STREAM_EVENT_BYTES,
  backendAllowedCidrs: env.BACKEND_ALLOWED_CIDRS,
  /** Local runtime: backend secrets in this file instead of Secrets Manager. */
  secretsFile: env.SECRETS_FILE,
  /** The KMS key new backend secrets are encrypted with (Secrets Manager's own key when unset). */
  secretsKmsKeyId: env.SECRETS_KMS_KEY_ID,
  /** The stack whose backend secrets the gateway names and tags (none on a laptop). */
  stackName: env.STACK_NAME,
  /** The KMS key (ECC_NIST_P256) served cards are signed with. */
  cardSigningKeyId: env.CARD_SIGNING_KEY_ID,
  /** Local runtime: the card signing key in this file instead of KMS. */
  cardSigningKeyFile: env.CARD_SIGNING_KEY_FILE,
  /** Where metrics go: EMF documents in the log on AWS, a Prometheus registry (`GET /metrics`) locally. */
  metricsSink: env.METRICS_SINK ?? (env.SWITCHBOARD_MODE === 'local' ? 'prometheus' : 'emf'),
  /** How long `GET /health/ready` waits for each dependency before calling it failed. */
  readyTimeoutMs: env.READY_TIMEOUT_MS,
  /** How long one attempt of an AWS request may wait for its answer (awsClientOptions, the lean path). */
  awsRequestTimeoutMs:
    env.AWS_REQUEST_TIMEOUT_MS ?? (env.SWITCHBOARD_MODE === 'local' ? 10_000 : 5_000),
  push: {
    /** The SQS queue pushes wait in for delivery; unset, they are delivered in this process. */
    queueUrl: env.PUSH_DELIVERY_QUEUE_URL,
    /** Delivery attempts per push, the first included, before it is dead-lettered. */
    attempts: env.PUSH_DELIVERY_ATTEMPTS,
    /** The wait before the second attempt; it doubles after each. */
    retryBaseMs: env.PUSH_RETRY_BASE_MS,
    /** The limit on one attempt: a webhook's own, not an agent call's (BACKEND_TIMEOUT_MS). */
    webhookTimeoutMs: env.PUSH_WEBHOOK_TIMEOUT_MS,
  },
  /** How long an admin change's audit entry is kept (DynamoDB TTL deletes it after). */
  auditRetentionDays: env.AUDIT_RETENTION_DAYS,
  discovery: {
    embedder: env.EMBEDDER,
    dimension: env.EMBEDDING_DIMENSION,
    /** EMBEDDER=openai's server (the checks above make url and model present then). */
    server: {
      url: env.EMBEDDING_URL ?? '',
      model: env.EMBEDDING_MODEL ?? '',
      apiKey: env.EMBEDDING_API_KEY,
      batchSize: env.EMBEDDING_BATCH_SIZE,
      timeoutMs: env.EMBEDDING_TIMEOUT_MS,
    },
    index: env.VECTOR_INDEX,
    indexFile: env.VECTOR_INDEX_FILE,
    bucket: env.VECTOR_BUCKET,
    indexName: env.VECTOR_INDEX_NAME,
    /**
     * When /route sends a message until a calibration (POST /admin/route/calibrate)
     * is stored for this embedder: ROUTE_MIN_SCORE / ROUTE_MIN_MARGIN, else the
     * embedder's precision-first default (lib/discovery/route-threshold.ts).
     */
    routeThreshold: {
      minScore: env.ROUTE_MIN_SCORE ?? defaultRouteThresholds[env.EMBEDDER].minScore,
      minMargin: env.ROUTE_MIN_MARGIN ?? defaultRouteThresholds[env.EMBEDDER].minMargin,
    },
    /** How long an instance keeps the calibrated threshold before reading it again. */
    routeThresholdCacheMs: env.ROUTE_THRESHOLD_CACHE_MS,
    /** The most embedding calls (Bedrock on AWS) one calibration may make. */
    calibrationMaxEmbeddings: env.CALIBRATION_MAX_EMBEDDINGS,
  },
})

/** The levels Powertools' Logger knows. */
const powertoolsLogLevels = [
  'TRACE',
  'DEBUG',
  'INFO',
  'WARN',
  'ERROR',
  'CRITICAL',
  'SILENT',
] as const

/** Settings of the laptop runtime (`npm start`); never read on AWS. */
const localEnv = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: wholeNumber(0, 65_535).default(3000),
  SWITCHBOARD_STATE_DIR: z.string().min(1).default('.switchboard'),
  AUTHORIZER_CACHE_TTL_SECONDS: wholeNumber(0, 3600).default(300),
  WEATHER_AGENT_PORT: wholeNumber(0, 65_535).default(4001),
  CALCULATOR_AGENT_PORT: wholeNumber(0, 65_535).default(4002),
  // The developer's own, allowed beside the loopback the sample agents need.
  BACKEND_ALLOWED_CIDRS: cidrList,
  // The handlers' (Powertools reads it, and takes an unknown or lower-case level for INFO).
  POWERTOOLS_LOG_LEVEL: z
    .string()
    .toUpperCase()
    .pipe(
      z.enum(powertoolsLogLevels, {
        error: `must be one of ${powertoolsLogLevels.join(', ')} (in any case)`,
      }),
    )
    .default('WARN'),
})

/** The names of the laptop runtime's own variables (the README's second table). */
export const localEnvironmentVariables = Object.keys(localEnv.shape)

export type LocalConfig = ReturnType<typeof toLocalConfig>

const toLocalConfig = (env: z.infer<typeof localEnv>) => ({
  host: env.HOST,
  port: env.PORT,
  stateDir: env.SWITCHBOARD_STATE_DIR,
  authorizerCacheTtlSeconds: env.AUTHORIZER_CACHE_TTL_SECONDS,
  agentPorts: { weather: env.WEATHER_AGENT_PORT, calculator: env.CALCULATOR_AGENT_PORT },
  backendAllowedCidrs: env.BACKEND_ALLOWED_CIDRS,
  /** The handlers' log level (POWERTOOLS_LOG_LEVEL, as Powertools spells it). */
  logLevel: env.POWERTOOLS_LOG_LEVEL,
})

const parseEnv = <T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> => {
  // Values are read without the spaces around them (an env file's line, a pasted value: a scope
  // "admin " no token holds); empty or blank ones count as unset, the way shells and Terraform
  // leave them, so a blank number is its default, never 0.
  const present = Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) => {
      const trimmed = value?.trim()
      return trimmed ? [[name, trimmed]] : []
    }),
  )
  // Read once: zod would compile a fast path for the schema's objects (`new Function`) first,
  // 4 ms of every cold start's CPU, for one parse (issue 20).
  const result = schema.safeParse(present, { jitless: true })
  if (result.success) return result.data
  throw new ConfigError([
    // One line a variable and reason: each bad item of a list would repeat it.
    ...new Set(
      result.error.issues.map((issue) => {
        // A check of several variables names each, with its value, in its message.
        if (issue.path.length === 0) return issue.message
        // The variable, not the item of a list within it (`BACKEND_ALLOWED_CIDRS.1`).
        const name = String(issue.path[0] ?? '')
        const given = env[name]
        // An enum's values in the words every other setting's problem uses, not zod's own
        // (`Invalid option: expected one of "emf"|"prometheus"`); a schema's own message stays.
        const reason =
          issue.code === 'invalid_value' && issue.message.startsWith('Invalid option')
            ? `must be one of ${issue.values.join(', ')}`
            : issue.message
        // A blank value is unset, so one it needs is missing, not a wrong value.
        return !given?.trim()
          ? `${name} is required: ${reason}`
          : `${name}=${JSON.stringify(given)} is invalid: ${reason}`
      }),
    ),
  ])
}

/**
 * Reads the gateway's configuration from the environment, once, at start-up.
 *
 * @example
 * const config = loadConfig() // throws ConfigError naming e.g. TOKEN_ISSUER
 */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  toGatewayConfig(parseEnv(gatewayEnvChecked, env))

export const loadLocalConfig = (env: NodeJS.ProcessEnv = process.env): LocalConfig =>
  toLocalConfig(parseEnv(localEnv, env))
