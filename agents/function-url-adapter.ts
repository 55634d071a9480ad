import type { Writable } from 'node:stream'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { AGENT_CARD_PATH } from '@a2a-js/sdk'
import type { LambdaFunctionURLEvent } from 'aws-lambda'
import type { RunningAgent } from './serve.ts'

/** The response-streaming globals the Lambda Node.js runtime provides. */
declare const awslambda: {
  streamifyResponse(
    handler: (event: LambdaFunctionURLEvent, responseStream: Writable) => Promise<void>,
  ): unknown
  HttpResponseStream: {
    from(
      stream: Writable,
      prelude: { statusCode: number; headers: Record<string, string> },
    ): Writable
  }
}

// Hop-by-hop and length headers describe the loopback hop, not the answer Lambda sends.
const hopHeaders = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'host',
  'keep-alive',
  'transfer-encoding',
])
const endToEnd = (headers: Iterable<[string, string]>) =>
  Object.fromEntries([...headers].filter(([name]) => !hopHeaders.has(name.toLowerCase())))

/**
 * Serves a sample agent from a Lambda function URL in RESPONSE_STREAM mode. The
 * agent's own server (Express, the A2A SDK) listens on loopback inside the
 * function, started once per execution environment; each invocation is passed
 * to it and its answer streamed back as it comes, server-sent events included.
 * The card names the loopback address the agent listens on, so it is answered
 * with the function URL instead.
 *
 * @example
 * export const handler = functionUrlHandler(() => startWeatherAgent())
 */
export const functionUrlHandler = (start: () => Promise<RunningAgent>) => {
  const running = start()
  return awslambda.streamifyResponse(async function functionUrlAdapter(event, responseStream) {
    const agent = await running
    const { method } = event.requestContext.http
    const query = event.rawQueryString ? `?${event.rawQueryString}` : ''
    const body =
      event.body === undefined || method === 'GET' || method === 'HEAD'
        ? undefined
        : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
    const answer = await fetch(`${agent.url}${event.rawPath}${query}`, {
      method,
      headers: endToEnd(
        Object.entries(event.headers).map(
          ([name, value]) => [name, value ?? ''] as [string, string],
        ),
      ),
      body,
    })
    const out = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: answer.status,
      headers: endToEnd(answer.headers),
    })
    if (event.rawPath === `/${AGENT_CARD_PATH}`) {
      const card = await answer.text()
      out.end(card.replaceAll(agent.url, `https://${event.requestContext.domainName}`))
      return
    }
    if (!answer.body) {
      out.end()
      return
    }
    await pipeline(Readable.fromWeb(answer.body as WebReadableStream), out)
  })
}
