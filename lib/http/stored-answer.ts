import { gunzipSync, gzipSync } from 'node:zlib'

/**
 * The most an idempotency record's stored answer may take, in bytes: DynamoDB refuses an item
 * past 400 KB, and the record holds its key, status, expiries and payload hash beside the answer.
 */
export const storedAnswerBudget = 350_000

/** The header a replay carries when its first answer's body was too large to keep. */
export const replayBodyNotKeptHeader = 'idempotent-replay'

/** Where a compressed answer is kept in the stored form (no answer has this field). */
const gzippedKey = 'gzippedAnswer'

interface Answer {
  statusCode?: number
  headers?: Record<string, unknown> | null
  body?: unknown
}

/**
 * The form in which an answer is kept for its replay. One that fits is kept as it is (every
 * usual answer, and records stored before this form existed read the same). A larger one, a
 * registration answering a card whose numbers JSON writes long (850 KB from a 250 KB card of
 * `9e15`s), is kept gzipped, as binary, so the replay is the same bytes. Only an answer that
 * does not fit even compressed (more than a 256 KiB card can make) is kept without its body,
 * its status and headers marked so the replay says the body is not repeated.
 *
 * @example
 * request.response = storedAnswer(answer) // before Powertools saves it
 */
export const storedAnswer = (answer: unknown): unknown => {
  const written = JSON.stringify(answer) ?? ''
  if (Buffer.byteLength(written) <= storedAnswerBudget) return answer
  const gzipped = gzipSync(written)
  if (gzipped.byteLength <= storedAnswerBudget) return { [gzippedKey]: new Uint8Array(gzipped) }
  const { statusCode, headers } = answer as Answer
  // `headers: null` is an answer API Gateway takes: one with no headers to keep.
  const kept = Object.fromEntries(
    Object.entries(headers ?? {}).filter(
      ([name]) => !/^content-(type|length|encoding)$/i.test(name),
    ),
  )
  return {
    statusCode,
    headers: { ...kept, [replayBodyNotKeptHeader]: 'body-not-kept' },
    body: '',
  }
}

/**
 * The answer a stored form replays (`storedAnswer`'s inverse).
 *
 * @example
 * return replayedAnswer(await powertools.before(request))
 */
export const replayedAnswer = (stored: unknown): unknown => {
  const gzipped = (stored as Record<string, unknown> | undefined)?.[gzippedKey]
  return gzipped instanceof Uint8Array ? JSON.parse(gunzipSync(gzipped).toString('utf8')) : stored
}
