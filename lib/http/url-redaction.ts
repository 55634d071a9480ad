/** Shown instead of a secret's value. */
export const redacted = '[redacted]'

/**
 * An http(s) URL with the value of each query parameter redacted, its names kept: a backend may
 * take its key in the query (`?code=` of an Azure Function, a signed URL's `sig`), so a URL is
 * written to a log, the audit trail or an error only so. Any other text is returned as it is.
 *
 * @example
 * withQueryRedacted('https://f.example/api?code=k1') // 'https://f.example/api?code=[redacted]'
 */
export const withQueryRedacted = (text: string): string => {
  if (!/^https?:\/\/[^?#]*\?/i.test(text)) return text
  const [address, rest = ''] = text.split('?', 2) as [string, string?]
  const [query = '', fragment] = rest.split('#', 2)
  const pairs = query
    .split('&')
    .map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=${redacted}` : pair))
  return `${address}?${pairs.join('&')}${fragment === undefined ? '' : `#${fragment}`}`
}
