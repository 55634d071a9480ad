import { parseJson } from '../lib/json-parse.ts'
import { currentSession, gatewayBase } from './auth.ts'

/**
 * A refused or failed call, said in words; `fields` names the request's fields at
 * fault, `code` the problem's kind (the end of its problem+json `type`, e.g. `unknown-scope`),
 * `currentEtag` a 412's version of the thing now (none: it is gone).
 */
export class ApiError extends Error {
  readonly status: number
  readonly fields: Record<string, string>
  readonly code: string | undefined
  readonly currentEtag: string | undefined
  constructor(
    message: string,
    status: number,
    fields: Record<string, string> = {},
    code?: string,
    currentEtag?: string,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.fields = fields
    this.code = code
    this.currentEtag = currentEtag
  }
}

/** Thrown when there is no valid session: the page offers to sign in again. */
export class SignedOutError extends ApiError {
  constructor() {
    super('Your session has expired: sign in again.', 401)
    this.name = 'SignedOutError'
    // The page (main.tsx) offers to sign in again.
    dispatchEvent(new Event('switchboard:signed-out'))
  }
}

const wordsOf = (status: number, body: Record<string, unknown> | undefined): string => {
  const error = body?.error as { message?: string } | string | undefined
  const said =
    (typeof body?.detail === 'string' && body.detail) ||
    (typeof body?.message === 'string' && body.message) ||
    (typeof error === 'object' && error?.message) ||
    (typeof error === 'string' && error)
  const title = typeof body?.title === 'string' ? `${body.title}: ` : ''
  if (said) return `${title}${said}`
  if (status === 403) return 'You are not allowed to do this (HTTP 403).'
  if (status === 404) return 'Not found (HTTP 404).'
  return `The gateway answered HTTP ${status}.`
}

/** Authorization header for the signed-in person; throws SignedOutError when there is none. */
export const authorization = () => {
  const session = currentSession()
  if (!session) throw new SignedOutError()
  return `Bearer ${session.accessToken}`
}

/**
 * What a 412 says on the page: the gateway's own words speak of If-Match and ETags, which a
 * person did not send; the page did, with the version it showed them.
 */
const changedMeanwhile =
  'Someone else changed this since the page showed it, so nothing was saved (their change would have been overwritten).'

/** A 412 naming no version now: what the page showed was removed since (a permission's). */
const removedMeanwhile = 'Someone else removed this since the page showed it, so nothing was saved.'

/** A 412 to a change made only where there was none: someone else made one since. */
const addedMeanwhile =
  'Someone else added this since the page showed none, so nothing was saved (theirs would have been replaced).'

/**
 * The condition of a change that creates: made only where there is none yet (`If-None-Match: *`),
 * so an Add never replaces what another admin added meanwhile.
 */
export const noneYet = { ifNoneMatch: '*' } as const

/** What the gateway answered, and the version of what it answered (its `ETag`), if it said one. */
export interface Versioned<T> {
  value: T
  etag: string | undefined
}

/**
 * One call to the gateway as the signed-in person, answering its version too: a change sent
 * with `ifMatch` (the `etag` a read gave) is made only on that version, else an ApiError 412
 * saying someone else changed it meanwhile; one sent with `noneYet`, only where there is none.
 */
export const versioned = async <T>(
  method: string,
  path: string,
  body?: unknown,
  ifMatch?: string | typeof noneYet,
): Promise<Versioned<T>> => {
  const headers: Record<string, string> = { authorization: authorization() }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (typeof ifMatch === 'string') headers['if-match'] = ifMatch
  else if (ifMatch) headers['if-none-match'] = ifMatch.ifNoneMatch
  let response: Response
  try {
    response = await fetch(`${gatewayBase}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
  } catch {
    throw new ApiError(`The gateway could not be reached (${method} ${path}).`, 0)
  }
  if (response.status === 401) throw new SignedOutError()
  const text = await response.text()
  let parsed: Record<string, unknown> | undefined
  try {
    parsed = text ? (parseJson(text) as Record<string, unknown>) : undefined
  } catch {
    parsed = undefined
  }
  if (!response.ok) {
    const fields: Record<string, string> = {}
    for (const { field, rule } of (parsed?.errors as { field: string; rule: string }[]) ?? []) {
      fields[field] = fields[field] ? `${fields[field]}; ${rule}` : rule
    }
    const code = typeof parsed?.type === 'string' ? parsed.type.split('/').pop() : undefined
    const current = typeof parsed?.currentEtag === 'string' ? parsed.currentEtag : undefined
    const words =
      response.status !== 412
        ? wordsOf(response.status, parsed)
        : ifMatch === noneYet
          ? addedMeanwhile
          : current === undefined
            ? removedMeanwhile
            : changedMeanwhile
    throw new ApiError(words, response.status, fields, code, current)
  }
  return { value: parsed as T, etag: response.headers.get('etag') ?? undefined }
}

/**
 * One call to the gateway as the signed-in person: JSON in, JSON out, and a
 * problem+json refusal turned into an ApiError with its per-field problems.
 */
export const api = async <T>(
  method: string,
  path: string,
  body?: unknown,
  ifMatch?: string | typeof noneYet,
): Promise<T> => (await versioned<T>(method, path, body, ifMatch)).value

/**
 * A gateway path with each value put in as one path segment, percent-encoded, so an id that came
 * from the address bar (`#/try/..%2Fadmin%2F…`) names that id and never another route. A value a
 * URL would read as a dot segment, or an empty one, is refused: the browser would resolve it away.
 *
 * @example
 * pathOf`/admin/agents/${agentId}/sync` // '/admin/agents/weather/sync'
 */
export const pathOf = (parts: TemplateStringsArray, ...values: string[]): string =>
  parts.reduce((path, part, at) => {
    if (at === values.length) return path + part
    const value = values[at] as string
    if (value === '' || value === '.' || value === '..') {
      throw new ApiError(`'${value}' cannot name anything on the gateway.`, 0)
    }
    return path + part + encodeURIComponent(value)
  }, '')

/** What an error says to a person: its message, never a stack or [object Object]. */
export const messageOf = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === 'string'
      ? error
      : 'Something went wrong.'

/** Each page of a paged list in turn, following its `cursor` until a page has none, into `items`. */
const readPages = async <T>(path: string, key: string, limit: number, items: T[]) => {
  let cursor: string | undefined
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) })
    const page = await api<Record<string, unknown> & { cursor?: string }>('GET', `${path}?${query}`)
    items.push(...((page[key] as T[] | undefined) ?? []))
    cursor = page.cursor
  } while (cursor !== undefined)
}

/**
 * Every item of a paged list (`GET /agents`, `GET /admin/agents`, `GET /admin/permissions`):
 * each page in turn, `limit` at a time.
 */
export const allPages = async <T>(path: string, key: string, limit: number): Promise<T[]> => {
  const items: T[] = []
  await readPages(path, key, limit, items)
  return items
}

/**
 * The items of a paged list (`GET /admin/clients`) as far as its pages could be read, and why the
 * rest could not be (`unread`) when a page after the first failed: a page refused midway (on AWS,
 * Cognito throttling the read of a pool of several hundred clients) showed none of those read.
 */
export const pagesAsFarAsRead = async <T>(
  path: string,
  key: string,
  limit: number,
): Promise<{ items: T[]; unread?: string }> => {
  const items: T[] = []
  try {
    await readPages(path, key, limit, items)
  } catch (error) {
    if (items.length === 0) throw error
    return { items, unread: messageOf(error) }
  }
  return { items }
}
