import type { Readable } from 'node:stream'

/** Whether a response body is a Node stream (a streamed answer) rather than a whole string. */
export const isNodeStream = (body: unknown): body is Readable =>
  typeof (body as { pipe?: unknown })?.pipe === 'function'

/**
 * A response body as text: a string as it is, a stream read to its end;
 * undefined for anything else.
 *
 * @example
 * const text = await bodyText(request.response.body)
 */
export const bodyText = async (body: unknown): Promise<string | undefined> => {
  if (typeof body === 'string') return body
  if (!isNodeStream(body)) return undefined
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}
