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

export { lambdaContext } from '../../local/lambda-context.ts'
