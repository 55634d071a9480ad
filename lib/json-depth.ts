import { isKeptNumber } from './json-kept-numbers.ts'

/**
 * Whether a JSON value nests deeper than `levels` (a flat object or list nests 1). It walks
 * without recursion and looks no deeper than `levels`, so a value nested 200,000 levels costs no
 * more than one nested `levels + 1`, and no check of it can exhaust the stack.
 *
 * @example
 * nestsDeeperThan({ a: { b: [1] } }, 2) // true: the list is the third level
 */
export const nestsDeeperThan = (value: unknown, levels: number): boolean => {
  const pending: [unknown, number][] = [[value, 0]]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next
    // A number kept as written (`JSON.rawJSON`) is an object to JavaScript, and no level of JSON.
    if (typeof node !== 'object' || node === null || isKeptNumber(node)) continue
    if (depth + 1 > levels) return true
    // Only what can nest is kept to look at: a list of millions of numbers holds nothing more.
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1])
    }
  }
  return false
}
