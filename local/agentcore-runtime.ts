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
 * characters, and an unknown runtime; it records the session of every request
 * it lets through. Unlike AgentCore it passes the gateway's headers on
 * (`X-Switchboard-Caller` included; AgentCore passes only
 * `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` and `Authorization`) and keeps
 * no microVM per session: the agent is one process.
 *
 * @example
 * const agentCore = await startAgentCoreStandIn([{ arn, agent: await startWeatherAgent() }])
 * process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = agentCore.url
 */
export const startAgentCoreStandIn = async (
  runtimes: { arn: string; agent: RunningAgent }[],
  options: {
    host?: string
    port?: number
    credentials?: { accessKeyId: string; secretAccessKey: string }
  } = {},
): Promise<AgentCoreStandIn> => {
  const host = options.host ?? '127.0.0.1'
  const credentials = options.credentials ?? localAwsCredentials
  const agents = new Map(runtimes.map(({ arn, agent }) => [arn, agent]))
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
    const agent = agents.get(runtime.arn)
    if (!agent) {
      refuse(response, 404, 'ResourceNotFoundException', `No agent runtime ${runtime.arn}.`)
      return
    }
    seen.push({
      arn: runtime.arn,
      kind: card ? 'card' : 'invoke',
      sessionId,
      ...(runtime.qualifier ? { qualifier: runtime.qualifier } : {}),
    })
    const invocationUrl = `${url}${requestUrl.pathname.replace(/\.well-known\/agent-card\.json$/, '')}`
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        ([name]) => !hopHeaders.has(name) && name !== 'authorization' && !name.startsWith('x-amz-'),
      ),
    ) as Record<string, string | string[]>
    const upstream = forward(card ? agent.cardUrl : `${agent.url}${JSONRPC_PATH}`, {
      method: request.method,
      headers: { ...headers, 'content-length': String(body.length), [sessionHeader]: sessionId },
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
