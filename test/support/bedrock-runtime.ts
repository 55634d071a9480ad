import {
  createServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { Embedder } from '../../lib/discovery/embedder.ts'
import { asyncListener } from './async-listener.ts'

/**
 * A Bedrock Runtime endpoint on a free port, for a stack whose handlers embed
 * with `EMBEDDER=bedrock` (point AWS_ENDPOINT_URL_BEDROCK_RUNTIME at `url`). It
 * answers Titan's InvokeModel with `model`'s vectors, or, while `down`, with the
 * 503 ServiceUnavailableException Bedrock sends in an outage. It speaks
 * HTTP/2, as the SDK's Bedrock Runtime client does.
 */
export const startBedrockRuntime = async (model: Embedder) => {
  let down = false
  let refused = 0
  const embedded: string[] = []
  const sessions = new Set<Http2Session>()
  const server = createServer(
    asyncListener<Http2ServerRequest, Http2ServerResponse>(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      if (down) {
        refused++
        response.writeHead(503, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ServiceUnavailableException',
        })
        response.end(JSON.stringify({ message: 'Bedrock is unavailable' }))
        return
      }
      const { inputText } = JSON.parse(body) as { inputText: string }
      embedded.push(inputText)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          embedding: await model.embed(inputText),
          inputTextTokenCount: inputText.split(/\s+/).length,
        }),
      )
    }),
  )
  server.on('session', (session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Refuses every InvokeModel from now on (`true`) or answers again (`false`). */
    setDown(value: boolean) {
      down = value
    },
    /** How many InvokeModel calls were refused. */
    refused: () => refused,
    /** The texts embedded (InvokeModel answered), in the order asked. */
    embedded: () => [...embedded],
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const session of sessions) session.destroy()
      }),
  }
}
