import { InvalidJsonBodyError } from '../errors.ts'

/**
 * The parsed JSON body of a request that takes one. An empty body reaches a handler as null (API
 * Gateway's, after `jsonBody`), which a schema refuses as "expected object, received null": that
 * named no mistake to a caller whose `curl -d @agent_config.json` could not read the file (curl
 * warns, then sends an empty body), so it is said as what it is.
 *
 * @example
 * registerAgent(requiredBody(event.body), deps) // InvalidJsonBodyError when the body is empty
 */
export const requiredBody = (body: unknown): unknown => {
  if (body === null || body === undefined || body === '') {
    throw new InvalidJsonBodyError(
      // An empty body comes as null (API Gateway's; `jsonBody` leaves it be) and the JSON `null` is
      // parsed to null: told apart by nothing here, so one answer for both.
      'it is empty, or the JSON null (this request takes a JSON object; `curl -d @file` sends nothing when it cannot read the file, so check its path)',
    )
  }
  return body
}
