import type { MiddlewareObj, Request } from '@middy/core'
import { noStoreHeaders } from '../lib/http/no-store.ts'

interface HttpAnswer {
  headers?: Record<string, string | number | boolean>
}

/**
 * Answers that no browser, proxy or disk may keep (`Cache-Control: no-store`) nor read as
 * another type than they say (`nosniff`): the admin API's answers carry a new client's secret,
 * agent configs and the audit trail. Added to an answer and to an error answer alike, so it is
 * used before the middleware that renders errors (its `onError` then runs after that one's); a
 * handler's own value wins. An answer a `before` returns early never reaches it (Middy then runs
 * no `after`): such an answer carries `noStoreHeaders` itself.
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
