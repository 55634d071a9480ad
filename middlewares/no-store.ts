import type { MiddlewareObj, Request } from '@middy/core'

interface HttpAnswer {
  headers?: Record<string, string | number | boolean>
}

/** What every answer gets, unless the handler chose its own value. */
const noStoreHeaders = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }

/**
 * Answers that no browser, proxy or disk may keep (`Cache-Control: no-store`) nor read as
 * another type than they say (`nosniff`): the admin API's answers carry a new client's secret,
 * agent configs and the audit trail. Added to an answer and to an error answer alike, so it is
 * used before the middleware that renders errors (its `onError` then runs after that one's).
 *
 * @example
 * middy().use(noStore()).use(problemDetails({ logger })).handler(admin)
 */
export const noStore = (): MiddlewareObj => {
  const noStoreMiddleware = (request: Request) => {
    const answer = request.response as HttpAnswer | undefined | null
    if (!answer || typeof answer !== 'object') return
    answer.headers = { ...noStoreHeaders, ...answer.headers }
  }
  return { after: noStoreMiddleware, onError: noStoreMiddleware }
}
