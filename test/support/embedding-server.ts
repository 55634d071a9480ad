import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Embedder } from '../../lib/discovery/embedder.ts'
import { asyncListener } from './async-listener.ts'

/** How the stand-in answers each request, until told otherwise. */
export type EmbeddingServerMode =
  | 'embed'
  | { status: number; body?: string }
  | 'hang'
  | 'malformed'
  | { dimension: number }
  | { maxInputCharacters: number }

export interface EmbeddingRequest {
  body: { model?: unknown; input?: unknown; encoding_format?: unknown }
  authorization: string | undefined
}

/**
 * An OpenAI-compatible embedding server on a free port (what Ollama, vLLM,
 * LM Studio and llama.cpp's server answer at `POST /v1/embeddings`), embedding
 * with `model`; it keeps every request, and can be set to fail as a server
 * does: an HTTP error, no answer, an answer that is not embeddings, vectors
 * of another size, or an input longer than its model takes refused as vLLM
 * refuses it. Point EMBEDDING_URL at `url`.
 */
export const startEmbeddingServer = async (model: Embedder) => {
  let mode: EmbeddingServerMode = 'embed'
  const requests: EmbeddingRequest[] = []
  const hanging = new Set<ServerResponse>()
  const server = createServer(
    asyncListener(async (request, response) => {
      let text = ''
      for await (const chunk of request) text += chunk
      if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
        response.writeHead(404).end()
        return
      }
      const body = JSON.parse(text) as EmbeddingRequest['body']
      requests.push({ body, authorization: request.headers.authorization })
      if (mode === 'hang') {
        hanging.add(response)
        return
      }
      if (typeof mode === 'object' && 'status' in mode) {
        response.writeHead(mode.status, { 'content-type': 'application/json' })
        response.end(mode.body ?? JSON.stringify({ error: { message: 'model not loaded' } }))
        return
      }
      if (mode === 'malformed') {
        response.writeHead(200, { 'content-type': 'text/html' })
        response.end('<html>proxy error</html>')
        return
      }
      const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)]
      if (typeof mode === 'object' && 'maxInputCharacters' in mode) {
        const longest = Math.max(...inputs.map((input) => input.length))
        if (longest > mode.maxInputCharacters) {
          // As vLLM refuses an input past its model's context.
          response.writeHead(400, { 'content-type': 'application/json' })
          response.end(
            JSON.stringify({
              object: 'error',
              message: `This model's maximum context length is ${mode.maxInputCharacters} tokens. However, you requested ${longest} tokens in the input for embedding generation. Please reduce the length of the input.`,
              type: 'BadRequestError',
              code: 400,
            }),
          )
          return
        }
      }
      const size =
        typeof mode === 'object' && 'dimension' in mode ? mode.dimension : model.dimension
      const data = await Promise.all(
        inputs.map(async (input, index) => ({
          object: 'embedding',
          index,
          embedding: (await model.embed(input)).slice(0, size),
        })),
      )
      response.writeHead(200, { 'content-type': 'application/json' })
      // Listed last first: the client must go by `index`.
      response.end(JSON.stringify({ object: 'list', model: body.model, data: data.reverse() }))
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** How every request is answered from now on. */
    setMode(next: EmbeddingServerMode) {
      mode = next
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
