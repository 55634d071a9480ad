const quote = 0x22
const backslash = 0x5c

/**
 * The first key that some object in a JSON text names twice, or undefined.
 *
 * `JSON.parse` keeps the last of two equal keys and says nothing; another
 * parser may keep the first. A request the gateway reads one way and an agent
 * another (`"method":"SendMessage","method":"GetTask"`, or two `id`s of a task)
 * would be authorized as one thing and run as another, so A2A bodies with a
 * repeated key are refused. Keys are compared as JSON reads them (`"\u0069d"`
 * is `id`). One pass over the text, iterative whatever the nesting; the text
 * must already be known to be valid JSON (it is parsed first).
 *
 * @example
 * duplicateKey('{"method":"SendMessage","method":"GetTask"}') // 'method'
 * duplicateKey('{"a":{"b":1},"c":{"b":2}}') // undefined: each object names b once
 */
export const duplicateKey = (json: string): string | undefined => {
  /** One entry per open object (its keys so far) or array (null), innermost last. */
  const open: (Set<string> | null)[] = []
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
        const keys = open.at(-1) as Set<string>
        const key = escaped
          ? (JSON.parse(json.slice(i, end + 1)) as string)
          : json.slice(i + 1, end)
        if (keys.has(key)) return key
        keys.add(key)
        expectKey = false
      }
      i = end
      continue
    }
    switch (json[i]) {
      case '{':
        open.push(new Set())
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
        expectKey = open.at(-1) instanceof Set
        break
    }
  }
  return undefined
}
