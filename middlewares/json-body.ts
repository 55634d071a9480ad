import type { MiddlewareObj, Request } from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'

/**
 * Middy's JSON body parser, for requests that have a body: a GET or DELETE
 * without one (and so without a Content-Type) is not a 415.
 */
export const jsonBody = (): MiddlewareObj => {
  const parser = httpJsonBodyParser()
  const parse = parser.before as (request: Request) => unknown
  const jsonBodyMiddlewareBefore = (request: Request<{ body?: unknown }>) =>
    request.event.body === null || request.event.body === undefined || request.event.body === ''
      ? undefined
      : parse(request as Request)
  return { before: jsonBodyMiddlewareBefore as MiddlewareObj['before'] }
}
