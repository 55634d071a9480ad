import type { AnyHttpEvent } from './lambda-event.ts'

/** `charset=` and its value, a token or a quoted string, wherever a media type's text says it. */
const charsetParameter = /charset\s*=\s*("[^"]*"?|[^;,\s]*)/gi

/** UTF-8's names, quoted or not: any other value, a quoted pair in it too, is another charset. */
const utf8 = /^"?utf-?8"?$/i

/**
 * A request's `Content-Type` when one it carries names a charset other than UTF-8, else undefined.
 * The gateway reads a body as UTF-8, as API Gateway hands it over, and passes the type on; an
 * agent on @a2a-js/sdk's server reads it with `express.json()`, which decodes it by that charset
 * (any `utf-*` iconv-lite knows): in UTF-7, `+ACI-` is `"`, so a string to the gateway closed and
 * opened keys to the agent, `message.taskId` among them. Every value of the header is looked at,
 * whatever its name's case, and `charset` wherever it is written, so no parser finds one this
 * missed; `utf-8` and `utf8` (which that server refuses) pass, quoted or not, in any case.
 *
 * @example
 * nonUtf8Charset({ headers: { 'Content-Type': 'application/json; charset=utf-7' } })
 * // 'application/json; charset=utf-7'
 * nonUtf8Charset({ headers: { 'content-type': 'application/json; charset="UTF-8"' } }) // undefined
 */
export const nonUtf8Charset = (
  event: Pick<AnyHttpEvent, 'headers' | 'multiValueHeaders'>,
): string | undefined => {
  const values = [
    ...Object.entries(event.headers ?? {}),
    ...Object.entries(event.multiValueHeaders ?? {}),
  ].flatMap(([name, value]) => (name.toLowerCase() === 'content-type' ? [value ?? []].flat() : []))
  return values.find((value) => value !== undefined && namesNonUtf8Charset(value))
}

/**
 * Whether a `Content-Type` value names a charset other than UTF-8 (`nonUtf8Charset`'s reading).
 *
 * @example
 * namesNonUtf8Charset('application/json; charset=utf-7') // true
 */
export const namesNonUtf8Charset = (contentType: string): boolean =>
  [...contentType.matchAll(charsetParameter)].some(([, written]) => !utf8.test(written ?? ''))

/**
 * An agent's `Content-Type` as the caller gets it: a charset other than UTF-8 named as UTF-8, the
 * bytes unchanged. The gateway reads every answer as UTF-8 (its ownership checks too), while a
 * client may decode by the charset named (httpx-sse, a2a-python's stream reader, by httpx's text;
 * Python's `requests`; Java's `ofString()`): in Shift_JIS a lead byte takes the `\` after
 * it, so a quote the gateway read as escaped closed a string there, and an agent could name
 * another caller's task to that client alone. Relabelled rather than withheld: a Java servlet
 * names plain ASCII JSON `ISO-8859-1` unless told otherwise, and reads the same either way.
 *
 * @example
 * asUtf8ContentType('application/json; charset=Shift_JIS') // 'application/json; charset=utf-8'
 * asUtf8ContentType('text/event-stream') // 'text/event-stream'
 */
export const asUtf8ContentType = (contentType: string): string =>
  namesNonUtf8Charset(contentType)
    ? contentType.replace(charsetParameter, 'charset=utf-8')
    : contentType
