const quote = 0x22
const backslash = 0x5c

/** A key as Go's encoding/json matches it to a field: whatever its case, `ſ` (U+017F) as `s`. */
const caseFolded = (key: string): string => key.toLowerCase().replaceAll('\u017f', 's')

/**
 * The first key that some object in a JSON text names twice, or undefined.
 *
 * `JSON.parse` keeps the last of two equal keys and says nothing; another
 * parser may keep the first. A request the gateway reads one way and an agent
 * another (`"method":"SendMessage","method":"GetTask"`, or two `id`s of a task)
 * would be authorized as one thing and run as another, so A2A bodies with a
 * repeated key are refused. Keys are compared as JSON reads them (`"\u0069d"`
 * is `id`), and as Go's encoding/json matches them to fields (a2a-go's reader):
 * whatever their case, `ſ` as `s` (`caseFolded`), so `"method":"ListTasks"`
 * then `"Method":"SendMessage"`, one operation to the gateway, is the other to
 * such an agent, which keeps the last. The key is given as written the second
 * time, with its spelling the first. One pass over the text, iterative whatever the nesting; the text must
 * already be known to be valid JSON (it is parsed first).
 *
 * @example
 * duplicateKey('{"method":"SendMessage","method":"GetTask"}') // { key: 'method', first: 'method' }
 * duplicateKey('{"method":"ListTasks","Method":"SendMessage"}') // { key: 'Method', first: 'method' }
 * duplicateKey('{"a":{"b":1},"c":{"b":2}}') // undefined: each object names b once
 */
export const duplicateKey = (json: string): { key: string; first: string } | undefined => {
  /** One entry per open object (its keys so far, folded, each as first spelled) or array (null), innermost last. */
  const open: (Map<string, string> | null)[] = []
  let expectKey = false
  for (let i = 0; i < json.length; i++) {
    const char = json.charCodeAt(i)
    if (char === quote) {
      let end = i + 1
      let escaped = false
      for (; json.charCodeAt(end) !== quote; end++) {
        if (json.charCodeAt(end) === backslash) {
          escaped = true
          end++
        }
      }
      if (expectKey) {
        const keys = open.at(-1) as Map<string, string>
        const key = escaped
          ? (JSON.parse(json.slice(i, end + 1)) as string)
          : json.slice(i + 1, end)
        const folded = caseFolded(key)
        const first = keys.get(folded)
        if (first !== undefined) return { key, first }
        keys.set(folded, key)
        expectKey = false
      }
      i = end
      continue
    }
    switch (json[i]) {
      case '{':
        open.push(new Map())
        expectKey = true
        break
      case '[':
        open.push(null)
        break
      case '}':
      case ']':
        open.pop()
        expectKey = false
        break
      case ',':
        expectKey = open.at(-1) instanceof Map
        break
    }
  }
  return undefined
}
