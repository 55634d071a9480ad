import { AgentCardUnreachableError, BackendUrlRejectedError } from '../errors.ts'
import { BodyTooLargeError, readBounded } from '../http/read-bounded.ts'
import { parseJson } from '../json-parse.ts'
import { agentCoreRuntimeOfCard } from './agentcore.ts'
import { cardSessionId, sessionHeader } from './agentcore-session.ts'
import type { OutgoingRequest } from './auth/backend-auth.ts'
import { type BackendFetch, refusedAddress } from './guarded-fetch.ts'

const describeFetchFailure = (error: unknown, timeoutMs: number): string => {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no answer within ${timeoutMs} ms`
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (error as Error).message
}

/** A card is kept on the agent's record, which DynamoDB holds to 400 KB. */
export const maxCardBytes = 256 * 1024

/**
 * JSON's only encoding (RFC 8259), a BOM before it dropped. Fatal: bytes that are no UTF-8,
 * each read as U+FFFD, would be three bytes in the record, and a card within `maxCardBytes`
 * could pass DynamoDB's item (whose strings count in UTF-8 bytes).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true })

interface FetchJsonOptions {
  timeoutMs: number
  /** The address-guarded fetch (guardedFetch). */
  fetch: BackendFetch
  maxBytes?: number
  /**
   * Authenticates the request, for an agent whose card is private too (the
   * agent's auth type, credentials.forCardFetch); none by default.
   */
  authenticate?: (request: OutgoingRequest) => Promise<OutgoingRequest>
}

/**
 * Fetches a JSON document within the card bounds (address policy, timeout,
 * size), calling `unreachable` with a reason for every way it can fail; an
 * address the policy refuses at connect time is a BackendUrlRejectedError
 * naming `field`.
 */
const fetchBoundedJson = async (
  url: string,
  options: FetchJsonOptions & {
    field: string
    unreachable: (reason: string) => Error
    headers?: Record<string, string>
  },
): Promise<unknown> => {
  const { timeoutMs, maxBytes = maxCardBytes, unreachable } = options
  let response: Response
  try {
    const request = await (options.authenticate ?? (async (same) => same))({
      method: 'GET',
      url,
      headers: { accept: 'application/json', ...options.headers },
      body: undefined,
    })
    response = await options.fetch(url, {
      headers: request.headers,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    // Refused at connect time as registration would have refused it (the name rebound since).
    const refused = refusedAddress(error)
    if (refused) throw new BackendUrlRejectedError(options.field, refused.message)
    throw unreachable(describeFetchFailure(error, timeoutMs))
  }
  if (!response.ok) {
    // AWS's front door (a private agent's) names why: a missing grant, a refused signature.
    const awsError = response.headers.get('x-amzn-errortype')?.split(':')[0]
    await response.body?.cancel()
    throw unreachable(`it answered HTTP ${response.status}${awsError ? ` ${awsError}` : ''}`)
  }
  let bytes: Uint8Array
  try {
    bytes = await readBounded(response.body, maxBytes)
  } catch (error) {
    throw unreachable(
      error instanceof BodyTooLargeError
        ? `its body is larger than the ${maxBytes}-byte limit`
        : describeFetchFailure(error, timeoutMs),
    )
  }
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw unreachable('its body is not UTF-8 (JSON must be)')
  }
  try {
    return parseJson(text)
  } catch {
    throw unreachable('its body is not JSON')
  }
}

/**
 * Fetches an agent card as JSON, turning every way it can fail into an
 * AgentCardUnreachableError that says which; a card URL whose address the
 * policy refuses at connect time is a BackendUrlRejectedError naming
 * `agentCardUrl`, as at registration. `authenticate` signs the request for an
 * agent whose card is private too. An AgentCore runtime's card (GetAgentCard)
 * is read in one session per runtime (`cardSessionId`).
 *
 * @example
 * const card = await fetchAgentCard(url, { timeoutMs: 5_000, fetch: guardedFetch(policy) })
 */
export const fetchAgentCard = (cardUrl: string, options: FetchJsonOptions): Promise<unknown> =>
  fetchBoundedJson(cardUrl, {
    ...options,
    field: 'agentCardUrl',
    unreachable: (reason) => new AgentCardUnreachableError(cardUrl, reason),
    ...(agentCoreRuntimeOfCard(cardUrl)
      ? { headers: { [sessionHeader]: cardSessionId(cardUrl) } }
      : {}),
  })

/**
 * Fetches the JWK set a card signature's `jku` names, with the same address
 * policy and bounds as cards; an Error says why it could not.
 *
 * @example
 * const jwks = await fetchKeySet(jku, { timeoutMs: 5_000, fetch: guardedFetch(policy) })
 */
export const fetchKeySet = (
  jku: string,
  options: Omit<FetchJsonOptions, 'authenticate'>,
): Promise<unknown> =>
  fetchBoundedJson(jku, { ...options, field: 'jku', unreachable: (reason) => new Error(reason) })
