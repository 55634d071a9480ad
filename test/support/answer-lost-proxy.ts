import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { asyncListener } from './async-listener.ts'

/**
 * A proxy to a local DynamoDB that can lose the answer to one request the database carried out:
 * the request is forwarded and answered, and the caller's connection is then cut instead of
 * answered, as a network or a timeout does. The SDK retries such a request.
 *
 * @example
 * const proxy = await startAnswerLostProxy(database.endpoint)
 * proxy.loseNextAnswerTo('PutItem')
 */
export const startAnswerLostProxy = async (target: string) => {
  let losing: { operation: string; meanwhile: () => Promise<unknown> } | undefined
  let lost = 0
  const server = createServer(
    asyncListener(async (request, response) => {
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1]
      const answer = await new Promise<{ status: number; headers: object; body: Buffer }>(
        (resolve, reject) => {
          const upstream = httpRequest(
            `${target}${request.url ?? '/'}`,
            { method: request.method, headers: request.headers },
            (answered) => {
              const body: Buffer[] = []
              answered.on('data', (chunk: Buffer) => body.push(chunk))
              answered.on('end', () =>
                resolve({
                  status: answered.statusCode ?? 502,
                  headers: answered.headers,
                  body: Buffer.concat(body),
                }),
              )
              answered.on('error', reject)
            },
          )
          upstream.on('error', reject)
          upstream.end(Buffer.concat(chunks))
        },
      )
      if (operation !== undefined && operation === losing?.operation) {
        const { meanwhile } = losing
        losing = undefined
        lost++
        await meanwhile()
        response.socket?.destroy()
        return
      }
      response.writeHead(answer.status, answer.headers as Record<string, string>).end(answer.body)
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /**
     * The next request of this operation (`PutItem`) is carried out and its answer lost, once
     * `meanwhile` (another request's change, made before the caller learns of its own) is done.
     */
    loseNextAnswerTo: (operation: string, meanwhile: () => Promise<unknown> = async () => {}) => {
      losing = { operation, meanwhile }
    },
    lost: () => lost,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
