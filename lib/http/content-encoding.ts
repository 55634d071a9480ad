import { type AnyHttpEvent, headerOf } from './lambda-event.ts'

/**
 * The request's `Content-Encoding` when it names a coding other than `identity` (gzip, br...),
 * else undefined: for the answer to a body that is not JSON as it came. API Gateway decompresses
 * gzip and deflate itself, its documentation says, but `npm start` decodes nothing, and whether a
 * body reaches the handler decoded was never seen on AWS; a compressed one read as it came was
 * answered "not valid JSON" quoting its binary start, which sends a client looking at its JSON.
 * RFC 9110 §15.5.16 answers an unsupported content coding with 415.
 *
 * @example
 * unsupportedContentEncoding({ headers: { 'Content-Encoding': 'gzip' } }) // 'gzip'
 * unsupportedContentEncoding({ headers: { 'content-encoding': 'identity' } }) // undefined
 */
export const unsupportedContentEncoding = (
  event: Pick<AnyHttpEvent, 'headers' | 'multiValueHeaders'>,
): string | undefined => {
  const header = headerOf(event, 'content-encoding')
  if (header === undefined) return undefined
  const codings = header.split(',').map((coding) => coding.trim().toLowerCase())
  return codings.every((coding) => coding === '' || coding === 'identity') ? undefined : header
}

/** What to say to a body sent in `coding`, in every binding and problem alike. */
export const unsupportedContentEncodingMessage = (coding: string) =>
  `Unsupported Content-Encoding "${coding}": send the body uncompressed.`
