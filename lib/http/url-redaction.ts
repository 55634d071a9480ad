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

/** What ends a sentence or a quotation after a URL, not part of it: kept as it was. */
const trailing = /[).,;:!?\]}'\\]+$/

/** One URL with its query's values, and a fragment's, redacted; the address and names kept. */
const urlRedacted = (found: string): string => {
  const tail = trailing.exec(found)?.[0] ?? ''
  const url = found.slice(0, found.length - tail.length)
  return `${queryRedacted(url)}${tail}`
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
