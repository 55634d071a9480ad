import type { APIGatewayProxyEvent } from 'aws-lambda'
import { ZodError } from 'zod'

/** What a query parameter given more than once breaks, on every route that reads a query. */
export const givenMoreThanOnce = (count: number) =>
  `is given ${count} times in the query; give it once`

/**
 * An API Gateway event's query, one value per parameter; a parameter given more than once is a
 * 400 naming it (thrown as a ZodError, answered like any other invalid query). API Gateway's
 * `queryStringParameters` keeps the last of `?limit=1&limit=2`, so a client's repeated
 * parameter was read as one value without a word, where the A2A routes refuse it (`restParams`).
 *
 * @example
 * singleValuedQuery(event) // { limit: '10' } for `?limit=10`; throws for `?limit=1&limit=2`
 */
export const singleValuedQuery = (
  event: Pick<APIGatewayProxyEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'>,
): Record<string, string | undefined> => {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).filter(
    ([, values]) => (values?.length ?? 0) > 1,
  )
  if (repeated.length > 0) {
    throw new ZodError(
      repeated.map(([name, values]) => ({
        code: 'custom' as const,
        path: [name],
        message: givenMoreThanOnce(values?.length ?? 0),
        input: values,
      })),
    )
  }
  return event.queryStringParameters ?? {}
}
