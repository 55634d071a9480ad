import { defaultMaxRequestBytes } from '../config.ts'
import { PayloadTooLargeError, UrlTooLongError } from '../errors.ts'

/** How the gateway wrote a request anew for the agent, for its bound and its refusal's words. */
export interface RequestRewrite {
  /** What was done to it, as the refusal says it: "given a contextId for its AgentCore session". */
  how: string
  /**
   * The body it was written from: the caller's, or one the gateway wrote anew before (a call
   * whose push config points at the gateway's callback, then translated), past the limit only by
   * what the gateway added to it then.
   */
  from?: string | Uint8Array | undefined
  /**
   * The bytes the gateway wrote of its own (`memberBytes`, `envelopeBytes`): a member it set, the
   * envelope around the caller's params; never what the caller's own content became.
   */
  added: number
}

/**
 * The most bytes a URL the gateway writes for an agent may hold, whole: 8,000. A call translated
 * to HTTP+JSON carries its params in the agent's URL (GetTask's id in the path, ListTasks' filters
 * and `historyLength` in the query), so a caller within MAX_REQUEST_BYTES could have the gateway
 * send a URL of megabytes, which servers refuse (414) or drop, and undici may throw on. Servers
 * take far less: nginx reads a request line into one 8 KiB buffer (`large_client_header_buffers`'
 * default) and answers 414 past it, Apache's `LimitRequestLine` is 8,190 bytes, method and
 * `HTTP/1.1` included, Node's HTTP server 16 KiB of request line and headers together. 8,000 fits
 * the least of them with any method.
 */
export const maxUrlBytes = 8000

const bytesOf = (body: string | Uint8Array | undefined): number =>
  body === undefined ? 0 : Buffer.byteLength(body)

/**
 * A request the gateway wrote anew for the agent, held once built to the bytes a caller's
 * request may be (`maxRequestBytes`, MAX_REQUEST_BYTES) plus what the gateway itself wrote into
 * it (`rewrite.added`), or the size of the request it was written from when the gateway's earlier
 * additions took that past the limit: a caller's request accepted at the door is never refused
 * for a contextId, a push callback or an envelope the gateway added. Past the bound the gateway
 * refuses it as it refuses a request too large (413, -32055), saying what was done to it
 * (`rewrite.how`). What the caller's own content becomes stays held to the limit, so growth stays
 * refused: a 5 MB SendMessage of empty parts, 0.3's wrapped data parts once translated, reached a
 * 0.3 agent as some 120 MB until 7 December 2026; a body read keeping numbers as written goes on
 * with them as doubles past `maxKeptNumbers` (6.3 MB of `1e20` went on as 27.5 MB). Its URL is
 * held to `maxUrlBytes` (400, -32602, `UrlTooLongError`), since a translation puts params there.
 *
 * @example
 * withinRequestBound({ body: written }, limits, {
 *   how: 'given a contextId for its AgentCore session',
 *   from: text,
 *   added: memberBytes({ contextId }),
 * })
 */
export const withinRequestBound = <
  Request extends { url?: string; body?: string | Uint8Array | undefined },
>(
  request: Request,
  options: { maxRequestBytes?: number | undefined },
  rewrite: RequestRewrite,
): Request => {
  const urlBytes = request.url === undefined ? 0 : Buffer.byteLength(request.url)
  if (urlBytes > maxUrlBytes) throw new UrlTooLongError(maxUrlBytes, rewrite.how, urlBytes)
  const limit = options.maxRequestBytes ?? defaultMaxRequestBytes
  const bytes = bytesOf(request.body)
  const bound = Math.max(limit, bytesOf(rewrite.from)) + rewrite.added
  if (bytes > bound) {
    throw new PayloadTooLargeError(limit, { how: rewrite.how, bytes, added: bound - limit })
  }
  return request
}

/**
 * The bytes of members the gateway sets in a JSON object, as `JSON.stringify` writes each
 * (`"contextId":"…",`; one left undefined is not written): what setting them adds at most,
 * whatever they replace.
 *
 * @example
 * memberBytes({ contextId: 'ctx-1' }) // 20, for `"contextId":"ctx-1",`
 */
export const memberBytes = (members: Record<string, unknown>): number =>
  Object.entries(members)
    .filter(([, value]) => value !== undefined)
    .reduce(
      (sum, [key, value]) =>
        sum + Buffer.byteLength(`${JSON.stringify(key)}:${JSON.stringify(value)},`),
      0,
    )

/**
 * The bytes of a body the gateway wrote around what it carries of the caller's (`carried`,
 * written into the body once, as `JSON.stringify` writes it): a JSON-RPC envelope, a skill call's
 * SendMessage around its params.
 *
 * @example
 * envelopeBytes(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params }), params)
 */
export const envelopeBytes = (body: string, carried: unknown): number =>
  Buffer.byteLength(body) - Buffer.byteLength(JSON.stringify(carried) ?? '')
