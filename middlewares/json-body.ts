import type { MiddlewareObj, Request } from '@middy/core'
import { InvalidJsonBodyError } from '../lib/errors.ts'

/**
 * Parses a request body as JSON whatever Content-Type the client gave it:
 * `curl -d @agent_config.json` labels a JSON file
 * `application/x-www-form-urlencoded`, and the body is what counts. A body that
 * is not JSON is an InvalidJsonBodyError (400) naming the parser's complaint; a
 * request without a body (a GET, a DELETE) is left as it is.
 *
 * @example
 * middy().use(problemDetails({ logger })).use(jsonBody()).handler(register)
 */
export const jsonBody = (): MiddlewareObj<{ body?: unknown; isBase64Encoded?: boolean }> => {
  const jsonBodyMiddlewareBefore = (
    request: Request<{ body?: unknown; isBase64Encoded?: boolean }>,
  ) => {
    const { body, isBase64Encoded } = request.event
    if (typeof body !== 'string' || body === '') return
    // API Gateway base64-encodes the body of a content type it does not take for text.
    const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body
    try {
      request.event.body = JSON.parse(text)
    } catch (error) {
      throw new InvalidJsonBodyError((error as Error).message)
    }
  }
  return { before: jsonBodyMiddlewareBefore }
}
