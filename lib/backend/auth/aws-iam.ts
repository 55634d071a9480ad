import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import * as z from 'zod'
import { BackendCredentialsError } from '../../errors.ts'
import { agentCoreRuntimeOf, parseRuntimeArn } from '../agentcore.ts'
import type { AwsCredentials, AwsCredentialsSource } from './aws-credentials.ts'
import type { BackendAuthType, ConfigIssue, OutgoingRequest } from './backend-auth.ts'

export const awsServices = ['lambda', 'bedrock-agentcore'] as const
export type AwsService = (typeof awsServices)[number]

const region = z
  .string()
  .max(32, 'must be at most 32 characters')
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region, e.g. us-east-1')

const config = z.strictObject({
  type: z.literal('aws_iam'),
  service: z.enum(awsServices).optional(),
  region: region.optional(),
})

export interface AwsIamAuth {
  type: 'aws_iam'
  service: AwsService
  region: string
}

/**
 * The service and region an AWS address says: a Lambda function URL
 * (`<id>.lambda-url.<region>.on.aws`), the AgentCore endpoint
 * (`bedrock-agentcore.<region>.amazonaws.com`), or an AgentCore runtime, by its
 * ARN or its invocation URL on any host (the region is the ARN's); nothing for
 * any other address.
 *
 * @example
 * awsTargetOf('https://abc.lambda-url.eu-west-1.on.aws/') // { service: 'lambda', region: 'eu-west-1' }
 */
export const awsTargetOf = (url: string): Partial<Omit<AwsIamAuth, 'type'>> => {
  const runtime = parseRuntimeArn(url) ?? agentCoreRuntimeOf(url)
  if (runtime) return { service: 'bedrock-agentcore', region: runtime.region }
  const host = URL.parse(url)?.hostname ?? ''
  const lambda =
    /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.(?:aws|amazonwebservices\.com\.cn)$/.exec(host)
  if (lambda) return { service: 'lambda', region: lambda[1] as string }
  const agentCore = /^bedrock-agentcore\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)
  if (agentCore) return { service: 'bedrock-agentcore', region: agentCore[1] as string }
  return {}
}

/** The hosts AWS serves a service on in a region: function URLs, AgentCore's endpoint and its VPC endpoints. */
const awsHostPatterns: Record<AwsService, (region: string) => RegExp> = {
  lambda: (region) =>
    new RegExp(`^[a-z0-9]+\\.lambda-url\\.${region}\\.on\\.(?:aws|amazonwebservices\\.com\\.cn)$`),
  'bedrock-agentcore': (region) =>
    new RegExp(
      `^(?:[a-z0-9-]+\\.)?bedrock-agentcore\\.${region}\\.(?:vpce\\.)?amazonaws\\.com(?:\\.cn)?$`,
    ),
}

/**
 * Whether `url` is an address of AWS's own for `service` in `region` (https, on a function URL
 * host, AgentCore's endpoint or one of its VPC endpoints), or, for AgentCore, on `override`'s
 * origin (the SDK's endpoint override, `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`). A request signed for the service
 * carries the gateway's access key id and session token: it goes nowhere else.
 *
 * @example
 * isAwsEndpointOf('https://abc.lambda-url.eu-west-1.on.aws/', { service: 'lambda', region: 'eu-west-1' }) // true
 * isAwsEndpointOf('https://agents.example.com/', { service: 'lambda', region: 'eu-west-1' }) // false
 */
export const isAwsEndpointOf = (
  url: string,
  target: { service: AwsService; region: string },
  override?: string,
): boolean => {
  const parsed = URL.parse(url)
  if (!parsed) return false
  const overridden = override === undefined ? undefined : URL.parse(override)
  if (target.service === 'bedrock-agentcore' && parsed.origin === overridden?.origin) return true
  return (
    parsed.protocol === 'https:' &&
    region.safeParse(target.region).success &&
    hostPatternOf(target).test(parsed.hostname)
  )
}

/** Each service's and region's host pattern, made once: the signer asks on every request. */
const hostPatterns = new Map<string, RegExp>()
const hostPatternOf = ({ service, region }: { service: AwsService; region: string }) => {
  const key = `${service} ${region}`
  let pattern = hostPatterns.get(key)
  if (!pattern) {
    pattern = awsHostPatterns[service](region)
    hostPatterns.set(key, pattern)
  }
  return pattern
}

/**
 * Where a signed request may go: on AWS, only to AWS's own addresses of the service and region
 * it is signed for (isAwsEndpointOf); on a laptop anywhere, as its stand-ins are local.
 */
export const signingDestinations = (config: {
  mode: 'aws' | 'local'
  agentCoreEndpointUrl?: string | undefined
}) =>
  config.mode === 'local'
    ? undefined
    : (url: string, target: { service: AwsService; region: string }) =>
        isAwsEndpointOf(url, target, config.agentCoreEndpointUrl)

/** The service and region a config is signed for: given, else inferred from backendUrl. */
export const awsTargetFor = (
  auth: z.output<typeof config>,
  backendUrl: string,
): Partial<Omit<AwsIamAuth, 'type'>> => resolve(auth, backendUrl)

const resolve = (auth: z.output<typeof config>, backendUrl: string) => {
  const inferred = awsTargetOf(backendUrl)
  return { service: auth.service ?? inferred.service, region: auth.region ?? inferred.region }
}

const sha256 = Hash.bind(null, 'sha256')

/**
 * The request signed with AWS Signature Version 4 by the AWS SDK's own signer:
 * `authorization`, `x-amz-date`, `x-amz-security-token` (temporary
 * credentials) and, unless `contentHash` is false, `x-amz-content-sha256`, the
 * SHA-256 of the exact body bytes (Lambda function URLs require it for POST).
 * Every header given is signed, with the URL's host; `host` itself is not
 * returned, since fetch sends that same value from the URL.
 *
 * @example
 * const signed = await signAwsRequest(request, { service: 'lambda', region: 'us-east-1' }, { credentials })
 */
export const signAwsRequest = async (
  request: OutgoingRequest,
  target: { service: string; region: string },
  options: {
    credentials: AwsCredentials | AwsCredentialsSource
    now?: () => number
    /** x-amz-content-sha256 (default true); AWS's published test suite signs without it. */
    contentHash?: boolean
  },
): Promise<OutgoingRequest> => {
  const url = new URL(request.url)
  const query: Record<string, string | string[]> = {}
  for (const [name, value] of url.searchParams) {
    const had = query[name]
    query[name] = had === undefined ? value : [...[had].flat(), value]
  }
  const signer = new SignatureV4({
    service: target.service,
    region: target.region,
    credentials: options.credentials,
    sha256,
    applyChecksum: options.contentHash ?? true,
  })
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      body: request.body,
    },
    { signingDate: new Date((options.now ?? Date.now)()) },
  )
  const { host: _host, ...headers } = signed.headers
  return { ...request, headers }
}

/**
 * `aws_iam`: every request (calls, streams, card fetches) SigV4-signed with
 * the gateway's own AWS credentials for `service` in `region`, both inferred
 * from an AWS host name when not given. Nothing secret is stored. A 401 is not
 * retried: AWS refuses a signature with 403, and new credentials would not
 * change a policy's answer.
 */
export const awsIamAuth: BackendAuthType<typeof config, AwsIamAuth> = {
  type: 'aws_iam',
  config,
  checkConfig(auth, { backendUrl }) {
    const { service, region } = resolve(auth, backendUrl)
    const issues: ConfigIssue[] = []
    const cannotInfer = `backendUrl is neither a Lambda function URL (*.lambda-url.<region>.on.aws) nor an AgentCore runtime (its ARN, or an address on bedrock-agentcore.<region>.amazonaws.com) to infer it from`
    if (!service) {
      issues.push({
        path: 'service',
        message: `give 'lambda' or 'bedrock-agentcore': ${cannotInfer}`,
      })
    }
    if (!region) issues.push({ path: 'region', message: `give the AWS region: ${cannotInfer}` })
    const runtime = parseRuntimeArn(backendUrl) ?? agentCoreRuntimeOf(backendUrl)
    if (runtime && auth.region && auth.region !== runtime.region) {
      issues.push({
        path: 'region',
        message: `must be ${runtime.region}, the region of the AgentCore runtime backendUrl names (or left out)`,
      })
    }
    if (runtime && auth.service && auth.service !== 'bedrock-agentcore') {
      issues.push({
        path: 'service',
        message: `must be 'bedrock-agentcore' for the AgentCore runtime backendUrl names (or left out)`,
      })
    }
    return issues
  },
  namedSecret: () => undefined,
  secretDestination: () => undefined,
  toRecord: async (auth, { backendUrl }) => {
    const { service, region } = resolve(auth, backendUrl)
    // checkConfig refused a config without both before any record is made.
    return { type: 'aws_iam', service: service as AwsService, region: region as string }
  },
  ownedSecret: () => undefined,
  renewsOn401: false,
  authenticatesCardFetch: true,
  authenticator: (deps) => ({
    authenticate: async (request, auth) => {
      // A record from before registration checked its URLs (or a card URL a sync reads) is not
      // trusted with the gateway's signature and session token either.
      if (deps.signsFor && !deps.signsFor(request.url, auth)) {
        throw new BackendCredentialsError(
          `not signing a request to ${URL.parse(request.url)?.origin}: it is no AWS address of ${auth.service} in ${auth.region}; register the agent again with its AWS endpoint`,
          { gatewaysOwn: true },
        )
      }
      return signAwsRequest(request, auth, { credentials: deps.awsCredentials, now: deps.now })
    },
  }),
}
