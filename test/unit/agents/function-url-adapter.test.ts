import { Writable } from 'node:stream'
import type { LambdaFunctionURLEvent } from 'aws-lambda'
import { beforeAll, describe, expect, it } from 'vitest'
import { installAwsLambdaShim, preludeDelimiter } from '../../../local/awslambda-shim.ts'

type StreamedHandler = (event: LambdaFunctionURLEvent, stream: Writable) => Promise<void>

const domainName = 'abc123.lambda-url.eu-west-1.on.aws'

const functionUrlEvent = (method: string, rawPath: string, body?: unknown) =>
  ({
    version: '2.0',
    rawPath,
    rawQueryString: '',
    headers: { host: domainName, 'content-type': 'application/json', 'a2a-version': '1.0' },
    requestContext: { domainName, http: { method, path: rawPath } },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  }) as unknown as LambdaFunctionURLEvent

/** Runs one invocation and splits what was streamed into the prelude and the body. */
const invokeStreamed = async (handler: StreamedHandler, event: LambdaFunctionURLEvent) => {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk))
      done()
    },
  })
  const finished = new Promise((resolve) => stream.on('finish', resolve))
  await handler(event, stream)
  await finished
  const all = Buffer.concat(chunks)
  const split = all.indexOf(preludeDelimiter)
  return {
    prelude: JSON.parse(all.subarray(0, split).toString()) as { statusCode: number },
    body: all.subarray(split + preludeDelimiter.length).toString(),
  }
}

describe('function URL adapter (sample agents on Lambda)', () => {
  let handler: StreamedHandler
  beforeAll(async () => {
    installAwsLambdaShim()
    handler = (await import('../../../agents/lambda/weather.ts')).handler as StreamedHandler
  })

  it('answers the card with the function URL in place of the loopback address', async () => {
    // Act
    const { prelude, body } = await invokeStreamed(
      handler,
      functionUrlEvent('GET', '/.well-known/agent-card.json'),
    )

    // Assess
    expect(prelude.statusCode).toBe(200)
    const card = JSON.parse(body) as { supportedInterfaces: { url: string }[] }
    expect(card.supportedInterfaces.map((entry) => entry.url)).toEqual([
      `https://${domainName}/a2a/jsonrpc`,
      `https://${domainName}/a2a/rest`,
    ])
  })

  it('streams a message:stream answer as server-sent events', async () => {
    // Act
    const { prelude, body } = await invokeStreamed(
      handler,
      functionUrlEvent('POST', '/a2a/rest/message:stream', {
        message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'Weather in Tokyo?' }] },
      }),
    )

    // Assess
    expect(prelude.statusCode).toBe(200)
    expect(body).toMatch(/^data: /m)
    expect(body).toContain('Tokyo')
  })
})
