import type { MiddlewareObj, Request } from '@middy/core'
import { InvalidJsonBodyError, UnsupportedContentEncodingError } from '../lib/errors.ts'
import { unsupportedContentEncoding } from '../lib/http/content-encoding.ts'
import type { AnyHttpEvent } from '../lib/http/lambda-event.ts'
import { parseJson } from '../lib/json-parse.ts'

/** The event parts it reads: the body, and the headers for its Content-Encoding. */
type JsonBodyEvent = { body?: unknown; isBase64Encoded?: boolean } & Pick<
  AnyHttpEvent,
  'headers' | 'multiValueHeaders'
>

/**
 * Parses a request body as JSON whatever Content-Type the client gave it:
 * `curl -d @agent_config.json` labels a JSON file
 * `application/x-www-form-urlencoded`, and the body is what counts. A body that
 * is not JSON is an InvalidJsonBodyError (400) naming the parser's complaint, or,
 * when it says it is compressed (`Content-Encoding: gzip`), an
 * UnsupportedContentEncodingError (415) saying to send it uncompressed: its bytes
 * are not the problem to point at. A request without a body (a GET, a DELETE) is
 * left as it is.
 *
 * @example
 * middy().use(problemDetails({ logger })).use(jsonBody()).handler(register)
 */
export const jsonBody = (): MiddlewareObj<JsonBodyEvent> => {
  const jsonBodyMiddlewareBefore = (request: Request<JsonBodyEvent>) => {
    const { body, isBase64Encoded } = request.event
    if (typeof body !== 'string' || body === '') return
    // API Gateway base64-encodes the body of a content type it does not take for text.
    const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body
    try {
      request.event.body = parseJson(text)
    } catch (error) {
      // Only when it does not parse: API Gateway may have decompressed it and left the header.
      const coding = unsupportedContentEncoding(request.event)
      if (coding !== undefined) throw new UnsupportedContentEncodingError(coding)
      throw new InvalidJsonBodyError((error as Error).message)
    }
  }
  return { before: jsonBodyMiddlewareBefore }
}
