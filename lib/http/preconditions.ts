import type { APIGatewayProxyEvent } from 'aws-lambda'
import { ZodError } from 'zod'

/**
 * An `If-Match` request header (RFC 9110 §13.1.1): `*`, the resource must exist, or the entity
 * tags of the versions the client made its change on, one of which must be the current one's.
 */
export type IfMatch = { readonly any: true } | { readonly tags: readonly string[] }

/** The header as the admin chain's httpHeaderNormalizer names it (lowercase). */
export const ifMatchHeader = 'if-match'

/** One element of the header's list: an entity tag (`"…"` or weak `W/"…"`), or an empty one. */
const listElement = /[ \t]*((?:W\/)?"[\x21\x23-\x7e\x80-\xff]*")?[ \t]*(,|$)/y

/** A 400 naming the header and the rule it breaks, answered like an invalid field. */
const refused = (header: string, value: unknown, rule: string) =>
  new ZodError([{ code: 'custom', path: [header], message: rule, input: value }])

/**
 * The header's value read as RFC 9110 writes it: `*`, or a comma-separated list of quoted entity
 * tags. Anything else is a 400 naming the header (a ZodError, answered like an invalid field):
 * an unquoted tag, the commonest slip, would otherwise never match and read as someone else's
 * change. An empty value too: a script whose variable came out empty (`If-Match: $ETAG`) would
 * otherwise change the resource without the condition it meant to send.
 *
 * @example
 * parseIfMatch('"a", W/"b"') // { tags: ['"a"', 'W/"b"'] }
 * parseIfMatch('*')          // { any: true }
 * parseIfMatch('a')          // throws: If-Match: must be * or quoted entity tags …
 */
export const parseIfMatch = (value: string): IfMatch => {
  if (value.trim() === '*') return { any: true }
  const rule =
    'must be * or the ETag a read answered, quoted as it came ("…"), several separated by commas'
  if (value.trim() === '') throw refused('If-Match', value, `is empty: ${rule}`)
  const tags: string[] = []
  listElement.lastIndex = 0
  while (listElement.lastIndex < value.length) {
    const at = listElement.lastIndex
    const element = listElement.exec(value)
    if (!element) throw refused('If-Match', value, rule)
    if (element[1]) tags.push(element[1])
    // `$` matched: the end. An element that took nothing is only possible there.
    if (element[2] === '' || listElement.lastIndex === at) break
  }
  if (tags.length === 0) throw refused('If-Match', value, rule)
  return { tags }
}

/**
 * The request's `If-Match`, every line of it (API Gateway's `headers` keeps only the last of a
 * repeated header; RFC 9110 reads the lines as one list); undefined when there is none.
 *
 * @example
 * ifMatchOf(event) // { tags: ['"x"'] } for `If-Match: "x"`
 */
export const ifMatchOf = (
  event: Pick<APIGatewayProxyEvent, 'headers'> &
    Partial<Pick<APIGatewayProxyEvent, 'multiValueHeaders'>>,
): IfMatch | undefined => {
  const lines = event.multiValueHeaders?.[ifMatchHeader]
  const value = lines && lines.length > 0 ? lines.join(', ') : event.headers?.[ifMatchHeader]
  return value === undefined ? undefined : parseIfMatch(value)
}

/**
 * Whether a resource whose current entity tag is `current` passes `ifMatch`, compared strongly
 * (RFC 9110 §8.8.3.2: a weak tag never matches): `*` when there is a current one, a list when it
 * names it. No condition always passes.
 *
 * @example
 * ifMatchPasses({ tags: ['"a"'] }, '"a"') // true
 * ifMatchPasses({ tags: ['W/"a"'] }, '"a"') // false
 */
export const ifMatchPasses = (ifMatch: IfMatch | undefined, current: string | undefined) => {
  if (ifMatch === undefined) return true
  if (current === undefined) return false
  return 'any' in ifMatch || ifMatch.tags.includes(current)
}

/**
 * The words of a 412 whose `If-Match` names the current tag `current` only as a weak tag
 * (`W/"…"`, as a proxy compressing an answer may pass an `ETag` on), or undefined: RFC 9110
 * §13.1.1 compares If-Match strongly, so it never matches, and "changed since the version
 * If-Match names" would send the client looking for a change no one made.
 *
 * @example
 * weakTagRefusal({ tags: ['W/"a"'] }, '"a"') // 'If-Match names W/"a", a weak tag, …'
 */
export const weakTagRefusal = (ifMatch: IfMatch | undefined, current: string) =>
  ifMatch && 'tags' in ifMatch && ifMatch.tags.includes(`W/${current}`)
    ? `If-Match names W/${current}, a weak tag, and a change is made only on a strong one (RFC 9110 §13.1.1): send the ETag as it came, ${current}, without W/. Nothing was changed.`
    : undefined

/** The header as the admin chain's httpHeaderNormalizer names it (lowercase). */
export const ifNoneMatchHeader = 'if-none-match'

/**
 * Whether a change asks to be made only where its resource does not exist yet (`If-None-Match:
 * *`, RFC 9110 §13.1.2), on a route that takes it (lib/routes.ts `createOnly`, checked by
 * `assertConditionsTaken` first).
 *
 * @example
 * createOnlyOf({ headers: { 'if-none-match': '*' } }) // true
 */
export const createOnlyOf = (event: Pick<APIGatewayProxyEvent, 'headers'>): boolean =>
  event.headers?.[ifNoneMatchHeader]?.trim() === '*'

/**
 * Refuses (400, naming the header) a conditional header the route does not evaluate, where
 * ignoring it would make a change the client meant to make only on a condition: `If-Match` on a
 * route whose resource has no ETag (`takes.ifMatch` false), `If-None-Match` on a change but `*`
 * on a route that creates (`takes.createOnly`), and the two together (one asks that the resource
 * exist, the other that it not). A read may ignore `If-None-Match`: its whole answer is always a
 * right one (a 304 only spares the body).
 *
 * @example
 * assertConditionsTaken(event, { ifMatch: false, createOnly: false }, 'PUT /admin/scopes/{scope}') // throws if If-Match is sent
 */
export const assertConditionsTaken = (
  event: Pick<APIGatewayProxyEvent, 'headers' | 'httpMethod'>,
  takes: { ifMatch: boolean; createOnly: boolean },
  route: string,
): void => {
  const sent = (name: string) => event.headers?.[name] !== undefined
  if (!takes.ifMatch && sent(ifMatchHeader)) {
    throw refused(
      'If-Match',
      event.headers[ifMatchHeader],
      `is not taken by ${route}: its resource has no ETag to match it against (an agent's and a permission's routes have one)`,
    )
  }
  const method = event.httpMethod.toUpperCase()
  if (method === 'GET' || method === 'HEAD' || !sent(ifNoneMatchHeader)) return
  const value = event.headers[ifNoneMatchHeader]
  if (!takes.createOnly) {
    throw refused(
      'If-None-Match',
      value,
      `is not taken by ${route}: a change is conditional on If-Match (the ETag a read answered, where the route takes it) or on nothing`,
    )
  }
  if (!createOnlyOf(event)) {
    throw refused(
      'If-None-Match',
      value,
      `must be * on ${route}: the change is then made only where there is none yet (send If-Match with the ETag read to change one that exists)`,
    )
  }
  if (sent(ifMatchHeader)) {
    throw refused(
      'If-None-Match',
      value,
      'cannot come with If-Match: one asks that the resource exist at a version, the other that there be none',
    )
  }
}
