/** Shown instead of a secret's value. */
export const redacted = '[redacted]'

/** Every http(s) URL in a text, up to what ends a URL in prose, JSON or a log line. */
const urlsIn = /https?:\/\/[^\s"'<>`]+/gi

/** `name=value` pairs (`&`-joined) with each value redacted; a part with no name is redacted whole. */
const pairsRedacted = (pairs: string): string =>
  pairs
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      if (equals > 0) return `${pair.slice(0, equals)}=${redacted}`
      return pair === '' ? pair : redacted
    })
    .join('&')

/** What may end a sentence or a quotation after a URL without being part of it. */
const closers = new Set([')', '.', ',', ';', ':', '!', '?', ']', '}', "'", '\\'])

/** At most this many closers are taken as the text's, not the URL's (`).`, `\"}`). */
const maxClosers = 3

/**
 * One URL with its query's values, and a fragment's, redacted; the address and names kept, and
 * the few characters that close the sentence around it kept as they were, unless they are all a
 * value has (`?token=!!!` is redacted whole). Scanned from the end once: linear in the URL.
 */
const urlRedacted = (found: string): string => {
  let end = found.length
  while (end > 0 && found.length - end < maxClosers && closers.has(found[end - 1] as string)) end--
  const url = found.slice(0, end)
  if (/[=?&#]$/.test(url)) return queryRedacted(found)
  return `${queryRedacted(url)}${found.slice(end)}`
}

const queryRedacted = (url: string): string => {
  const hash = url.indexOf('#')
  const beforeHash = hash < 0 ? url : url.slice(0, hash)
  const fragment = hash < 0 ? undefined : url.slice(hash + 1)
  const question = beforeHash.indexOf('?')
  const address = question < 0 ? beforeHash : beforeHash.slice(0, question)
  const query = question < 0 ? undefined : beforeHash.slice(question + 1)
  return `${address}${query === undefined ? '' : `?${pairsRedacted(query)}`}${
    fragment === undefined ? '' : `#${pairsRedacted(fragment)}`
  }`
}

/**
 * A text with every http(s) URL in it keeping its address and the names of its query, but not
 * their values: a backend may take its key in the query (`?code=` of an Azure Function, a signed
 * URL's `sig`, a bare `?KEY`) or a fragment (`#access_token=`), so a URL is written to a log, the
 * audit trail or an error only so.
 *
 * @example
 * withQueryRedacted('https://f.example/api?code=k1') // 'https://f.example/api?code=[redacted]'
 * withQueryRedacted('fetch of https://f.example/?K failed') // 'fetch of https://f.example/?[redacted] failed'
 */
export const withQueryRedacted = (text: string): string =>
  text.includes('://') ? text.replace(urlsIn, urlRedacted) : text
