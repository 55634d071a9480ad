import { AgentCardUnreachableError } from '../errors.ts'

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
 * AgentCardUnreachableError that says which.
 */
export const fetchAgentCard = async (
  cardUrl: string,
  timeoutMs: number,
  maxBytes = maxCardBytes,
): Promise<unknown> => {
  let response: Response
  try {
    response = await fetch(cardUrl, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    throw new AgentCardUnreachableError(cardUrl, describeFetchFailure(error, timeoutMs))
  }
  if (!response.ok) {
    await response.body?.cancel()
    throw new AgentCardUnreachableError(cardUrl, `it answered HTTP ${response.status}`)
  }
  const text = await response.text()
  if (Buffer.byteLength(text) > maxBytes) {
    throw new AgentCardUnreachableError(
      cardUrl,
      `its body is larger than the ${maxBytes}-byte limit`,
    )
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new AgentCardUnreachableError(cardUrl, 'its body is not JSON')
  }
}
