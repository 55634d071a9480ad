/**
 * A key of a JSON value as a refusal names it: a sender's to write, as long as its text, so cut
 * short past 60 characters.
 *
 * @example
 * keyShown('k'.repeat(100)) // 'kkk…k...' (60 characters)
 */
export const keyShown = (key: PropertyKey): string => {
  const text = String(key)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/**
 * Where a JSON value first holds a leaf (a string, a key, a number) that `refused` refuses, as a
 * path (`skills[0].name`; `the value` for the value itself; for a key, the object holding it).
 * `isKey` tells a key from a value. Walks without recursion, so no nesting exhausts the stack.
 *
 * @example
 * firstPathWhere({ a: [1, 'x'] }, (leaf) => leaf === 'x') // 'a[1]'
 */
export const firstPathWhere = (
  value: unknown,
  refused: (leaf: unknown, isKey: boolean) => boolean,
  whole = 'the value',
): string | undefined => {
  const pending: [unknown, string][] = [[value, '']]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, path] = next
    if (Array.isArray(node)) {
      for (const [index, child] of node.entries()) pending.push([child, `${path}[${index}]`])
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        if (refused(key, true)) return path || whole
        pending.push([child, path ? `${path}.${keyShown(key)}` : keyShown(key)])
      }
    } else if (refused(node, false)) return path || whole
  }
  return undefined
}

/**
 * Whether a record can keep a number as it was read: the DynamoDB document client writes only
 * safe integers' range (past 2^53 - 1 it throws, asking for a BigInt), and DynamoDB keeps no
 * magnitude below 1e-130 but 0.
 */
const keptNumber = (value: number) =>
  Math.abs(value) <= Number.MAX_SAFE_INTEGER && (value === 0 || Math.abs(value) >= 1e-130)

/**
 * Where a value to be stored first holds a number its record could not keep (`keptNumber`):
 * stored as it is, it made the write throw, a 500.
 *
 * @example
 * unkeptNumberAt({ capabilities: { extensions: [{ params: { n: 1e20 } }] } }) // 'capabilities.extensions[0].params.n'
 */
export const unkeptNumberAt = (value: unknown, whole = 'the value'): string | undefined =>
  firstPathWhere(value, (leaf) => typeof leaf === 'number' && !keptNumber(leaf), whole)

/**
 * Where a value to be stored first holds an empty key (the object holding it): DynamoDB refuses
 * an empty attribute name at any depth (`ValidationException`, a 500 until refused here), though
 * dynalite, the laptop's store, takes it.
 *
 * @example
 * emptyKeyAt({ capabilities: { extensions: [{ params: { '': 1 } }] } }) // 'capabilities.extensions[0].params'
 */
export const emptyKeyAt = (value: unknown, whole = 'the value'): string | undefined =>
  firstPathWhere(value, (leaf, isKey) => isKey && leaf === '', whole)
