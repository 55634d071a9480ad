import { createServer, request as forward } from 'node:http'
import type { AddressInfo } from 'node:net'
import { JSONRPC_PATH } from '../agents/a2a/agent-card.ts'
import type { RunningAgent } from '../agents/serve.ts'
import { agentCoreRuntimeOf, agentCoreRuntimeOfCard } from '../lib/backend/agentcore.ts'
import { sessionHeader } from '../lib/backend/agentcore-session.ts'
import {
  answer,
  answerRefusal,
  hopHeaders,
  localAwsCredentials,
  readBody,
} from './sigv4-function-url.ts'
import { verifySigV4 } from './sigv4-verify.ts'

/** One request the stand-in let through to a runtime's agent. */
export interface RuntimeInvocation {
  arn: string
  /** `invoke` (InvokeAgentRuntime) or `card` (GetAgentCard). */
  kind: 'invoke' | 'card'
  sessionId: string
  qualifier?: string
  /** The request headers the agent was handed (names in lower case), framing aside. */
  headers: Record<string, string>
}

/** A runtime the stand-in hosts: its ARN, the agent in its container, its configuration. */
export interface StandInRuntime {
  arn: string
  agent: RunningAgent
  /**
   * The runtime's `requestHeaderConfiguration.requestHeaderAllowlist`: the only request headers
   * AgentCore hands the agent, besides the payload's `Content-Type` and the session id. None by
   * default, as on AgentCore. Checked as AgentCore's control plane checks it
   * (`requestHeaderAllowlistRefusal`).
   */
  requestHeaderAllowlist?: readonly string[]
}

export interface AgentCoreStandIn {
  /** What AWS_ENDPOINT_URL_BEDROCK_AGENTCORE names for the gateway: the stand-in's origin. */
  url: string
  /** Every request let through, in order (for tests: the session each one carried). */
  invocations(): RuntimeInvocation[]
  close(): Promise<void>
}

/** AgentCore's bounds on X-Amzn-Bedrock-AgentCore-Runtime-Session-Id. */
const sessionIdPattern = /^[\x21-\x7E]{33,256}$/

/**
 * The allow-list the README tells operators to give a runtime the gateway calls: a 1.0 A2A SDK
 * agent reads a call without `A2A-Version` as 0.3; `A2A-Extensions` carries the extensions a
 * caller activates; the `X-Switchboard-*` headers name the verified caller and an auditor's read.
 */
export const gatewayRequestHeaderAllowlist: readonly string[] = [
  'A2A-Version',
  'A2A-Extensions',
  'X-Switchboard-Caller',
  'X-Switchboard-Task-Access',
]

/** The one `x-amzn-` prefix an allow-list may name (AgentCore's older custom-header scheme). */
const customHeaderPrefix = 'x-amzn-bedrock-agentcore-runtime-custom-'

/**
 * Headers AgentCore's guide ("Pass custom headers to Amazon Bedrock AgentCore Runtime",
 * *Restricted headers*) says cannot be configured for propagation, in lower case. `x-amz-*`
 * and `x-amzn-*` (but the custom prefix) are refused by prefix.
 */
const restrictedHeaders = new Set(
  [
    'proxy-authorization www-authenticate',
    'accept accept-charset accept-encoding accept-language content-type content-length',
    'content-encoding content-language content-location content-range',
    'cache-control etag expires if-match if-modified-since if-none-match if-range',
    'if-unmodified-since last-modified pragma vary',
    'connection keep-alive proxy-connection upgrade host user-agent referer from',
    'range accept-ranges transfer-encoding te trailer server date location retry-after',
    'set-cookie cookie content-security-policy content-security-policy-report-only',
    'strict-transport-security x-content-type-options x-frame-options x-xss-protection',
    'referrer-policy permissions-policy cross-origin-embedder-policy',
    'cross-origin-opener-policy cross-origin-resource-policy',
    'access-control-allow-origin access-control-allow-methods access-control-allow-headers',
    'access-control-allow-credentials access-control-expose-headers access-control-max-age',
    'access-control-request-method access-control-request-headers origin',
    'accept-ch accept-ch-lifetime dpr width viewport-width downlink ect rtt save-data',
    'clear-site-data feature-policy expect-ct public-key-pins public-key-pins-report-only',
    'via forwarded x-forwarded-for x-forwarded-host x-forwarded-proto x-real-ip',
    'x-requested-with x-csrf-token true-client-ip x-client-ip x-cluster-client-ip',
    'x-originating-ip x-source-ip x-original-url x-original-host x-rewrite-url',
    'cf-ray cf-connecting-ip x-cache x-served-by link',
    'sec-websocket-key sec-websocket-accept sec-websocket-version sec-websocket-protocol',
    'sec-websocket-extensions',
  ]
    .join(' ')
    .split(' '),
)

/**
 * Why AgentCore's control plane would refuse `allowlist` as a runtime's
 * `requestHeaderAllowlist`, or undefined when it would take it: at most 20 names, each of
 * letters, digits, hyphens and underscores, none restricted, no two alike in any case, and
 * no `Authorization` (AgentCore passes it only to a runtime with a custom JWT authorizer; the
 * stand-in's runtimes are SigV4's).
 *
 * @example
 * requestHeaderAllowlistRefusal(['A2A-Version']) // undefined
 * requestHeaderAllowlistRefusal(['Accept']) // 'requestHeaderAllowlist may not name Accept: ...'
 */
export const requestHeaderAllowlistRefusal = (allowlist: readonly string[]): string | undefined => {
  if (allowlist.length > 20) {
    return `requestHeaderAllowlist names ${allowlist.length} headers: at most 20.`
  }
  const seen = new Set<string>()
  for (const name of allowlist) {
    const lower = name.toLowerCase()
    const refused = !/^[A-Za-z0-9_-]+$/.test(name)
      ? 'not a header name of letters, digits, hyphens and underscores'
      : restrictedHeaders.has(lower)
        ? 'a restricted header'
        : lower === 'authorization'
          ? 'it needs a custom JWT authorizer, and the stand-in checks SigV4 only'
          : lower.startsWith('x-amz-') ||
              (lower.startsWith('x-amzn-') &&
                !(lower.startsWith(customHeaderPrefix) && lower.length > customHeaderPrefix.length))
            ? 'reserved to AWS'
            : seen.has(lower)
              ? 'named twice'
              : undefined
    if (refused) return `requestHeaderAllowlist may not name ${name}: ${refused}.`
    seen.add(lower)
  }
  return undefined
}

const refuse = (
  response: Parameters<typeof answer>[0],
  status: number,
  errorType: string,
  message: string,
) => answer(response, status, { 'x-amzn-errortype': errorType }, JSON.stringify({ message }))

/**
 * A local stand-in for Amazon Bedrock AgentCore Runtime's data plane (never
 * deployed), hosting A2A agents as runtimes by ARN: InvokeAgentRuntime at
 * `POST /runtimes/{url-encoded ARN}/invocations/` passes the JSON-RPC payload
 * to the agent's JSON-RPC endpoint (AgentCore passes it to the container's
 * root), GetAgentCard at `GET .../invocations/.well-known/agent-card.json`
 * answers the agent's card with its JSON-RPC interface on the invocation URL
 * (as AgentCore's A2A guide has the agent declare). Like AgentCore, it refuses
 * a request whose SigV4 signature (service `bedrock-agentcore`, the ARN's
 * region) does not hold, a session id that is missing or outside 33 to 256
 * characters, and an unknown runtime. Like AgentCore it hands the agent only the
 * payload's `Content-Type`, the session id and the headers the runtime's
 * request-header allow-list names (so a header the gateway sends reaches the
 * agent here exactly when it would on AWS), and refuses at start an allow-list
 * AgentCore would refuse. It records the session and headers of every request
 * it lets through. Unlike AgentCore it keeps no microVM per session (the agent
 * is one process) and leaves alone a header value over AgentCore's 4 KB (its
 * guide gives the bound, not what happens past it).
 *
 * @example
 * const agentCore = await startAgentCoreStandIn([
 *   { arn, agent: await startWeatherAgent(), requestHeaderAllowlist: gatewayRequestHeaderAllowlist },
 * ])
 * process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = agentCore.url
 */
export const startAgentCoreStandIn = async (
  runtimes: StandInRuntime[],
  options: {
    host?: string
    port?: number
    credentials?: { accessKeyId: string; secretAccessKey: string }
  } = {},
): Promise<AgentCoreStandIn> => {
  const host = options.host ?? '127.0.0.1'
  const credentials = options.credentials ?? localAwsCredentials
  for (const { arn, requestHeaderAllowlist = [] } of runtimes) {
    const refused = requestHeaderAllowlistRefusal(requestHeaderAllowlist)
    if (refused) throw new Error(`The runtime ${arn} cannot be configured: ${refused}`)
  }
  const hosted = new Map(
    runtimes.map(({ arn, agent, requestHeaderAllowlist = [] }) => [
      arn,
      { agent, passed: new Set(requestHeaderAllowlist.map((name) => name.toLowerCase())) },
    ]),
  )
  const seen: RuntimeInvocation[] = []
  let url = ''

  const server = createServer(async (request, response) => {
    const target = request.url ?? '/'
    const requestUrl = new URL(target, url)
    const card = agentCoreRuntimeOfCard(requestUrl.toString())
    const runtime = card ?? agentCoreRuntimeOf(requestUrl.toString())
    const body = await readBody(request)
    if (body === undefined) {
      refuse(response, 413, 'ValidationException', 'The payload is too large.')
      return
    }
    if (!runtime || (card ? request.method !== 'GET' : request.method !== 'POST')) {
      refuse(
        response,
        404,
        'UnknownOperationException',
        `No operation ${request.method} ${requestUrl.pathname}.`,
      )
      return
    }
    const refused = await verifySigV4(
      { method: request.method ?? 'GET', target, headers: request.headers, body },
      { credentials, region: runtime.region, service: 'bedrock-agentcore' },
    )
    if (refused) {
      answerRefusal(response, refused)
      return
    }
    const sessionId = request.headers[sessionHeader]
    if (typeof sessionId !== 'string' || !sessionIdPattern.test(sessionId)) {
      refuse(
        response,
        400,
        'ValidationException',
        `1 validation error detected: Value at 'runtimeSessionId' failed to satisfy constraint: Member must have length between 33 and 256 (got ${typeof sessionId === 'string' ? sessionId.length : 'none'}).`,
      )
      return
    }
    const runtimeHosted = hosted.get(runtime.arn)
    if (!runtimeHosted) {
      refuse(response, 404, 'ResourceNotFoundException', `No agent runtime ${runtime.arn}.`)
      return
    }
    const { agent, passed: allowlisted } = runtimeHosted
    // What AgentCore hands a container: the payload's type, the session, the allow-listed rest.
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || !(name === 'content-type' || allowlisted.has(name))) continue
      headers[name] = Array.isArray(value) ? value.join(', ') : value
    }
    headers[sessionHeader] = sessionId
    seen.push({
      arn: runtime.arn,
      kind: card ? 'card' : 'invoke',
      sessionId,
      ...(runtime.qualifier ? { qualifier: runtime.qualifier } : {}),
      headers: { ...headers },
    })
    const invocationUrl = `${url}${requestUrl.pathname.replace(/\.well-known\/agent-card\.json$/, '')}`
    const upstream = forward(card ? agent.cardUrl : `${agent.url}${JSONRPC_PATH}`, {
      method: request.method,
      headers: { ...headers, 'content-length': String(body.length) },
    })
    upstream.on('response', async (answered) => {
      const passed = Object.fromEntries(
        Object.entries(answered.headers).filter(([name]) => !hopHeaders.has(name)),
      ) as Record<string, string | string[]>
      passed[sessionHeader] = sessionId
      if (card) {
        const chunks: Buffer[] = []
        for await (const chunk of answered as AsyncIterable<Buffer>) chunks.push(chunk)
        const text = Buffer.concat(chunks)
          .toString()
          .replaceAll(`${agent.url}${JSONRPC_PATH}`, invocationUrl)
        answer(response, answered.statusCode ?? 502, passed as Record<string, string>, text)
        return
      }
      response.writeHead(answered.statusCode ?? 502, passed)
      response.flushHeaders()
      answered.pipe(response)
    })
    upstream.on('error', () => {
      if (response.headersSent) response.destroy()
      else refuse(response, 424, 'RuntimeClientError', 'The agent runtime could not be reached.')
    })
    response.on('close', () => upstream.destroy())
    upstream.end(body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  url = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`
  return {
    url,
    invocations: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
