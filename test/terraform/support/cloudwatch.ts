import type { Body } from './stack.ts'

/** One metric of a namespace as a dashboard or an alarm reads it. */
export interface MetricUse {
  /** Attribute path of what names it. */
  at: string
  /** search: a SEARCH expression; insights: a Metrics Insights query; array: a dashboard
   * metric array (["Namespace", "Metric", "dim", value, ...]); attribute: an alarm's
   * `namespace`, `metric_name` and `dimensions`. */
  kind: 'search' | 'insights' | 'array' | 'attribute'
  metric: string
  /** The dimension names, sorted: the dimension set the use reads. */
  dimensions: string[]
}

export interface NamespaceUses {
  uses: MetricUse[]
  /** Mentions of the namespace in no form above (or with names that are not literal). */
  unrecognised: { at: string; text: string }[]
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const names = (list: string) =>
  list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .sort()
const isLiteral = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && !value.includes('${')

/**
 * Every use of `namespace` in parsed Terraform (hcl2json's JSON of a file or a
 * body): alarms' attributes, literal dashboard metric arrays, and SEARCH
 * expressions and Metrics Insights queries (`FROM SCHEMA("ns", dims)`) in any
 * string, escaped quotes and all. Whatever else names the namespace (a plain
 * `FROM "ns"`, which mixes every dimension set; a metric array built in a `for`
 * expression; dimensions given as an expression) is unrecognised: the checks
 * cannot say what it reads.
 */
export const namespaceUses = (value: unknown, namespace: string): NamespaceUses => {
  const found: NamespaceUses = { uses: [], unrecognised: [] }
  const ns = escapeRegExp(namespace)
  const quote = '\\\\?"'
  const search = new RegExp(
    `SEARCH\\(\\s*'\\s*\\{\\s*${ns}((?:\\s*,\\s*[^,}\\s]+)*)\\s*\\}\\s*MetricName\\s*=\\s*${quote}([A-Za-z0-9_]+)${quote}`,
    'g',
  )
  const insights = new RegExp(
    `SELECT\\s+[A-Za-z]+\\(\\s*([A-Za-z0-9_]+)\\s*\\)\\s+FROM\\s+SCHEMA\\(\\s*${quote}${ns}${quote}((?:\\s*,\\s*[A-Za-z0-9_]+)*)\\s*\\)`,
    'gi',
  )
  const mention = new RegExp(`\\{\\s*${ns}\\s*[,}]|${quote}${ns}${quote}`, 'g')

  const visit = (item: unknown, at: string): void => {
    if (typeof item === 'string') {
      if (item === namespace) {
        found.unrecognised.push({ at, text: item })
        return
      }
      const searches = [...item.matchAll(search)]
      const queries = [...item.matchAll(insights)]
      for (const match of searches) {
        found.uses.push({
          at,
          kind: 'search',
          metric: match[2] ?? '',
          dimensions: names(match[1] ?? ''),
        })
      }
      for (const match of queries) {
        found.uses.push({
          at,
          kind: 'insights',
          metric: match[1] ?? '',
          dimensions: names(match[2] ?? ''),
        })
      }
      const mentions = [...item.matchAll(mention)].length
      if (mentions > searches.length + queries.length) found.unrecognised.push({ at, text: item })
      return
    }
    if (Array.isArray(item)) {
      if (item[0] === namespace) {
        // ["ns", "Metric", "dim1", value1, ..., { options }]
        const [, metric, ...rest] = item
        const pairs = rest.filter((element) => typeof element === 'string')
        const dimensions = pairs.filter((_, index) => index % 2 === 0)
        if (!isLiteral(metric) || pairs.length % 2 !== 0 || !dimensions.every(isLiteral)) {
          found.unrecognised.push({ at, text: JSON.stringify(item) })
        } else {
          found.uses.push({ at, kind: 'array', metric, dimensions: [...dimensions].sort() })
        }
        for (const [index, element] of item.entries()) {
          if (index > 0) visit(element, `${at}[${index}]`)
        }
        return
      }
      for (const [index, element] of item.entries()) visit(element, `${at}[${index}]`)
      return
    }
    if (item && typeof item === 'object') {
      const body = item as Body
      if (body.namespace === namespace) {
        const dimensions = body.dimensions ?? {}
        if (
          !isLiteral(body.metric_name) ||
          typeof dimensions !== 'object' ||
          Array.isArray(dimensions)
        ) {
          found.unrecognised.push({ at, text: JSON.stringify(body) })
        } else {
          found.uses.push({
            at,
            kind: 'attribute',
            metric: body.metric_name,
            dimensions: Object.keys(dimensions).sort(),
          })
        }
      }
      for (const [key, element] of Object.entries(body)) {
        if (key === 'namespace' && element === namespace) continue
        visit(element, at ? `${at}.${key}` : key)
      }
    }
  }
  visit(value, '')
  return found
}
