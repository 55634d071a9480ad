import { readFileSync } from 'node:fs'
import type { APIGatewayProxyEvent } from 'aws-lambda'

/**
 * A sample event from events/, the same files `npm run invoke` and
 * `sam local invoke` use, with fields replaced for one test.
 */
export const sampleEvent = <T = APIGatewayProxyEvent>(
  file: string,
  change: (event: T) => void = () => undefined,
): T => {
  const event = JSON.parse(
    readFileSync(new URL(`../../events/${file}`, import.meta.url), 'utf8'),
  ) as T
  change(event)
  return event
}

import { lambdaContext as lambdaContextFor } from '../../local/lambda-context.ts'

export const lambdaContext = lambdaContextFor

/**
 * Invokes a Middy handler as the Lambda runtime does, with a plain Context.
 * (Middy's types widen the context by what each middleware adds to it.)
 */
export const invoke = <R>(
  handler: (event: never, context: never) => Promise<R> | R,
  event: unknown,
): Promise<R> =>
  Promise.resolve(
    (handler as unknown as (event: unknown, context: unknown) => Promise<R>)(
      event,
      lambdaContextFor('test'),
    ),
  )
