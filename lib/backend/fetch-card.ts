import { AgentCardUnreachableError, BackendUrlRejectedError } from '../errors.ts'
import { BodyTooLargeError, readBounded } from '../http/read-bounded.ts'
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
 * Fetches an agent card as JSON, turning every way it can fail into an
 * AgentCardUnreachableError that says which; a card URL whose address the
 * policy refuses at connect time is a BackendUrlRejectedError naming
 * `agentCardUrl`, as at registration. `authenticate` (the agent's auth type,
 * credentials.forCardFetch) signs the request for an agent whose card is
 * private too. An AgentCore runtime's card (GetAgentCard) is read in one
 * session per runtime (`cardSessionId`).
 *
 * @example
 * const card = await fetchAgentCard(url, { timeoutMs: 5_000, fetch: guardedFetch(policy) })
 */
export const fetchAgentCard = async (
  cardUrl: string,
  options: {
    timeoutMs: number
    /** The address-guarded fetch (guardedFetch). */
    fetch: BackendFetch
    maxBytes?: number
    authenticate?: (request: OutgoingRequest) => Promise<OutgoingRequest>
  },
): Promise<unknown> => {
  const { timeoutMs, maxBytes = maxCardBytes } = options
  let response: Response
  try {
    const request = await (options.authenticate ?? (async (same) => same))({
      method: 'GET',
      url: cardUrl,
      headers: {
        accept: 'application/json',
        ...(agentCoreRuntimeOfCard(cardUrl) ? { [sessionHeader]: cardSessionId(cardUrl) } : {}),
      },
      body: undefined,
    })
    response = await options.fetch(cardUrl, {
      headers: request.headers,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    // Refused at connect time as registration would have refused it (the name rebound since).
    const refused = refusedAddress(error)
    if (refused) throw new BackendUrlRejectedError('agentCardUrl', refused.message)
    throw new AgentCardUnreachableError(cardUrl, describeFetchFailure(error, timeoutMs))
  }
  if (!response.ok) {
    await response.body?.cancel()
    throw new AgentCardUnreachableError(cardUrl, `it answered HTTP ${response.status}`)
  }
  let text: string
  try {
    text = new TextDecoder().decode(await readBounded(response.body, maxBytes))
  } catch (error) {
    throw new AgentCardUnreachableError(
      cardUrl,
      error instanceof BodyTooLargeError
        ? `its body is larger than the ${maxBytes}-byte limit`
        : describeFetchFailure(error, timeoutMs),
    )
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new AgentCardUnreachableError(cardUrl, 'its body is not JSON')
  }
}
