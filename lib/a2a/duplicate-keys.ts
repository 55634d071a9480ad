import { goFieldSpelling } from './proto-fields.ts'

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
 * is `id`), and as Go's encoding/json matches them to fields (a2a-go's reader):
 * whatever their case, `ſ` as `s` (`goFieldSpelling`), so `"method":"ListTasks"`
 * then `"Method":"SendMessage"`, one operation to the gateway, is the other to
 * such an agent, which keeps the last; but exactly under a free-form field
 * (`freeFormFields`, or those a caller names in `freeFormKeys`), whose keys Go
 * matches exactly too. The key is given as written the second time, with its
 * spelling the first. One pass over the text, iterative whatever the nesting;
 * the text must already be known to be valid JSON (it is parsed first).
 *
 * @example
 * duplicateKey('{"method":"SendMessage","method":"GetTask"}') // { key: 'method', first: 'method' }
 * duplicateKey('{"method":"ListTasks","Method":"SendMessage"}') // { key: 'Method', first: 'method' }
 * duplicateKey('{"a":{"b":1},"c":{"b":2}}') // undefined: each object names b once
 */
export const duplicateKey = (
  json: string,
  freeFormKeys: ReadonlySet<string> = freeFormFields,
): { key: string; first: string } | undefined => {
  /** One entry per open object or array (`keys` null), innermost last. */
  const open: OpenContainer[] = []
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
        const object = open.at(-1) as OpenContainer & { keys: Map<string, string> }
        const key = escaped
          ? (JSON.parse(json.slice(i, end + 1)) as string)
          : json.slice(i + 1, end)
        const compared = object.freeForm ? key : goFieldSpelling(key)
        const first = object.keys.get(compared)
        if (first !== undefined) return { key, first }
        object.keys.set(compared, key)
        object.lastKey = key
        expectKey = false
      }
      i = end
      continue
    }
    switch (json[i]) {
      case '{':
      case '[': {
        const parent = open.at(-1)
        const freeForm =
          parent !== undefined &&
          (parent.freeForm ||
            (parent.keys !== null && freeFormKeys.has(goFieldSpelling(parent.lastKey))))
        open.push({ keys: json[i] === '{' ? new Map() : null, freeForm, lastKey: '' })
        expectKey = json[i] === '{'
        break
      }
      case '}':
      case ']':
        open.pop()
        expectKey = false
        break
      case ',':
        expectKey = open.at(-1)?.keys != null
        break
    }
  }
  return undefined
}

/** An object or array not yet closed, as `duplicateKey` reads through it. */
interface OpenContainer {
  /** An object's keys so far, each as compared and as first spelled; null for an array. */
  keys: Map<string, string> | null
  /** Under a free-form field (`freeFormFields`): keys are compared exactly. */
  freeForm: boolean
  /** An object's last key, which names the value being read. */
  lastKey: string
}

/**
 * The fields whose values are free-form JSON in A2A (`google.protobuf.Struct` and `Value`): every
 * `metadata`, and a data part's `data`. Go reads them into maps, whose keys it matches exactly,
 * so keys there that differ only in case (`{"ID":1,"id":2}`, a caller's own data) are two keys to
 * every reader, and are not refused.
 */
export const freeFormFields: ReadonlySet<string> = new Set(['metadata', 'data'])
