import { defaultMaxRequestBytes } from '../config.ts'
import { PayloadTooLargeError } from '../errors.ts'

/**
 * A request the gateway wrote anew for the agent, held to the bytes a caller's request may be
 * (`maxRequestBytes`, MAX_REQUEST_BYTES) once built: else the gateway refuses it as it refuses a
 * request too large (413, -32055), saying that it is what was done to it (`how`) that grew it.
 * A 5 MB SendMessage of empty parts, 0.3's wrapped data parts once translated, reached a 0.3
 * agent as some 120 MB until 7 December 2026; a body read keeping numbers as written goes on with
 * them as doubles past `maxKeptNumbers` (6.3 MB of `1e20` went on as 27.5 MB).
 */
export const withinRequestBound = <Request extends { body?: string | Uint8Array | undefined }>(
  request: Request,
  options: { maxRequestBytes?: number | undefined },
  how: string,
): Request => {
  const limit = options.maxRequestBytes ?? defaultMaxRequestBytes
  const bytes = request.body === undefined ? 0 : Buffer.byteLength(request.body)
  if (bytes > limit) throw new PayloadTooLargeError(limit, { how, bytes })
  return request
}
