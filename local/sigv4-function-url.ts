import {
  createServer,
  request as forward,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { AGENT_CARD_PATH } from '@a2a-js/sdk'
import type { RunningAgent } from '../agents/serve.ts'
import { urlHost } from '../agents/url-host.ts'
import { type Refusal, verifySigV4 } from './sigv4-verify.ts'

/**
 * The AWS credentials of the laptop runtime: `npm start` gives them to the
 * in-process handlers as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, so the
 * gateway finds them through the AWS SDK's default provider chain, and the
 * SigV4 stand-ins accept signatures made with them alone. LOCAL ONLY: they
 * open nothing on AWS.
 */
export const localAwsCredentials = {
  accessKeyId: 'AKIDLOCALSWITCHBOARD',
  secretAccessKey: 'local-only-secret-access-key-not-a-secret',
}

/** Lambda's own limit on a request payload. */
const maxBodyBytes = 6 * 1024 * 1024

/** A sample agent behind its SigV4 stand-in; `origin` is where the agent itself listens. */
export type PrivateAgent = RunningAgent & {
  origin: string
  /**
   * From now on, lets through only requests signed with `credentials`: the function's resource
   * policy changed under the gateway (its role lost the grant), on the same address.
   */
  acceptOnly(credentials: { accessKeyId: string; secretAccessKey: string }): void
}

/** Headers of one connection, never passed on. */
export const hopHeaders = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'content-length',
])

/** The whole request body, or undefined past Lambda's 6 MB. */
export const readBody = async (request: IncomingMessage): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBodyBytes) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** A whole answer, JSON by default. */
export const answer = (
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(body)
}

/** verifySigV4's refusal, answered as AWS answers it (status, x-amzn-errortype, JSON body). */
export const answerRefusal = (response: ServerResponse, refused: Refusal) =>
  answer(
    response,
    refused.status,
    { 'x-amzn-errortype': refused.errorType },
    JSON.stringify(refused.body),
  )

/**
 * A local stand-in for a Lambda function URL with `AWS_IAM` auth (never
 * deployed): it fronts a running agent and lets a request through only when
 * its SigV4 signature, recomputed with `credentials` (verifySigV4), holds;
 * otherwise a 403 with AWS's error type and body. Answers are streamed back as
 * they come (server-sent events too); the agent's card names the stand-in's
 * URL instead of the agent's own, as the function URL adapter does on AWS.
 *
 * @example
 * const calculator = await startSigV4FunctionUrl(await startCalculatorAgent(), { port: 4002 })
 */
export const startSigV4FunctionUrl = async (
  agent: RunningAgent,
  options: {
    host?: string
    port?: number
    credentials?: { accessKeyId: string; secretAccessKey: string }
    region?: string
    service?: string
  } = {},
): Promise<PrivateAgent> => {
  const host = options.host ?? '127.0.0.1'
  const expected = {
    credentials: options.credentials ?? localAwsCredentials,
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'lambda',
  }
  let url = ''
  const server = createServer(async (request, response) => {
    const body = await readBody(request)
    if (body === undefined) {
      answer(
        response,
        413,
        { 'x-amzn-errortype': 'RequestEntityTooLargeException' },
        '{"message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}',
      )
      return
    }
    const target = request.url ?? '/'
    const refused = await verifySigV4(
      { method: request.method ?? 'GET', target, headers: request.headers, body },
      expected,
    )
    if (refused) {
      answerRefusal(response, refused)
      return
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !hopHeaders.has(name)),
    ) as Record<string, string | string[]>
    const upstream = forward(`${agent.url}${target}`, {
      method: request.method,
      headers: { ...headers, 'content-length': String(body.length) },
    })
    upstream.on('response', async (answered) => {
      const passed = Object.fromEntries(
        Object.entries(answered.headers).filter(([name]) => !hopHeaders.has(name)),
      ) as Record<string, string | string[]>
      if (new URL(target, url).pathname === `/${AGENT_CARD_PATH}`) {
        const chunks: Buffer[] = []
        for await (const chunk of answered as AsyncIterable<Buffer>) chunks.push(chunk)
        answer(
          response,
          answered.statusCode ?? 502,
          passed as Record<string, string>,
          Buffer.concat(chunks).toString().replaceAll(agent.url, url),
        )
        return
      }
      response.writeHead(answered.statusCode ?? 502, passed)
      response.flushHeaders()
      answered.pipe(response)
    })
    upstream.on('error', () => {
      if (response.headersSent) response.destroy()
      else answer(response, 502, {}, '{"Message":"The function could not be reached"}')
    })
    // The caller going away ends the agent's request too (a stream it abandons).
    response.on('close', () => upstream.destroy())
    upstream.end(body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `Cannot start the ${agent.agentId} agent's SigV4 stand-in: port ${options.port ?? 0} on ${host}: ${error.code === 'EADDRINUSE' ? 'already in use' : error.message}`,
          { cause: error },
        ),
      ),
    )
    server.listen(options.port ?? 0, host, () => resolve())
  }).catch(async (error: unknown) => {
    await agent.close()
    throw error
  })
  url = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`
  let closing: Promise<void> | undefined
  return {
    agentId: agent.agentId,
    url,
    cardUrl: `${url}/${AGENT_CARD_PATH}`,
    origin: agent.url,
    requestCount: () => agent.requestCount(),
    acceptOnly(credentials) {
      expected.credentials = credentials
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }).then(() => agent.close())
      return closing
    },
  }
}
