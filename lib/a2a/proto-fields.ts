import { asNumber } from '../json-kept-numbers.ts'

/**
 * The proto names already worked out: every call reads the same few fields by both names, and
 * a regex replace for each read was a measurable part of a warm call (issue 20). Only the
 * gateway's own field names are asked for, so the map stays small; it is emptied if ever it is
 * not.
 */
const protoNames = new Map<string, string>()
const maxProtoNames = 512

/** A field's proto name, the snake_case one ProtoJSON accepts beside its JSON name (`taskId` → `task_id`). */
export const protoName = (jsonName: string): string => {
  let name = protoNames.get(jsonName)
  if (name === undefined) {
    name = jsonName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
    if (protoNames.size >= maxProtoNames) protoNames.clear()
    protoNames.set(jsonName, name)
  }
  return name
}

/** A field's JSON name, the lowerCamel one ProtoJSON writes, from its proto name (`task_id` → `taskId`). */
export const jsonName = (protoName: string): string =>
  protoName.includes('_')
    ? protoName.replace(/_([a-z0-9])/g, (_, next: string) => next.toUpperCase())
    : protoName

/**
 * Every spelling of these fields that `object` gives, with its value: each field's JSON name
 * and its proto name. An agent's ProtoJSON parser reads a field under either name, so
 * whoever checks a field for it must read both; and when a field is given twice (or two
 * fields that mean the same are), nobody can tell which one the agent will read.
 *
 * @example
 * spellingsOf({ task_id: 't-1' }, 'taskId') // [['task_id', 't-1']]
 */
export const spellingsOf = (
  object: Record<string, unknown>,
  ...jsonNames: string[]
): [name: string, value: unknown][] => {
  const given: [name: string, value: unknown][] = []
  const add = (name: string) => {
    if (object[name] === undefined || !Object.hasOwn(object, name)) return
    if (!given.some(([spelling]) => spelling === name)) given.push([name, object[name]])
  }
  for (const name of jsonNames) {
    add(name)
    add(protoName(name))
  }
  return given
}

/**
 * Whether the spellings of one field (`spellingsOf`) give it different values: then nobody can
 * tell which one an agent reads (@a2a-js/sdk takes the JSON name's, protobuf's Python parser
 * refuses both), so the gateway refuses the call as invalid params rather than pick one.
 */
export const spellingsDisagree = (spellings: [name: string, value: unknown][]): boolean =>
  // A number translation kept as written (`2.0`, `asNumber`) is the number the call's check read.
  new Set(spellings.map(([, value]) => JSON.stringify(asNumber(value)))).size > 1

/**
 * A field's value as an agent's ProtoJSON parser takes it: under its JSON name if given (not
 * null), else under its proto name (@a2a-js/sdk's `fromJSON`: `isSet(o.contextId) ? … :
 * o.context_id`).
 */
export const fieldOf = (object: Record<string, unknown>, jsonName: string): unknown =>
  spellingsOf(object, jsonName).find(([, value]) => value !== null)?.[1]

/**
 * A key as Go's encoding/json matches it to a field, which a2a-go reads every request and answer
 * with: whatever its case, `ſ` (U+017F) as `s` and the Kelvin sign as `k` besides (`"taſkId"` is
 * its `taskId`). `duplicateKey` compares keys so.
 *
 * @example
 * goFieldSpelling('TaſK_Id') // 'task_id'
 */
export const goFieldSpelling = (key: string): string => key.toLowerCase().replaceAll('\u017f', 's')

/**
 * Names as the gateway reads them (JSON and proto), and each as a reader that ignores case
 * matches a key to it (`goFieldSpelling`), under either name: Go's encoding/json into a2a-go's
 * types (tagged with the JSON names) reads `TaskId` as `taskId`, and into protoc-gen-go's structs
 * (tagged with the proto names) `TASK_ID` as `task_id`. Underscores are not dropped: no reader
 * matches a key so (Go folds case and `ſ`/`K` only; ProtoJSON, a2a-python's models and
 * @a2a-js/sdk's `fromJSON` take the two names exactly), so `_id` (a raw MongoDB document's) is
 * no `id` to any of them.
 */
export const spellingsFor = (jsonNames: readonly string[]) => ({
  exact: new Set(jsonNames.flatMap((name) => [name, protoName(name)])),
  byGoSpelling: new Map(
    jsonNames.flatMap((name) => [
      [goFieldSpelling(protoName(name)), name],
      [goFieldSpelling(name), name],
    ]),
  ),
})
export type Spellings = ReturnType<typeof spellingsFor>

/**
 * The first key of `object` that names one of `spellings`' names otherwise than as the gateway
 * reads it but as a reader that ignores case does (`TaskId`, `taſkId`, `TASK_ID`), with the name
 * it spells; undefined when none does. The gateway reads a field by its JSON and proto names only,
 * so a field spelled otherwise would reach an agent whose parser ignores case unchecked: such a
 * key is refused, never read.
 *
 * @example
 * misspelling({ TaskId: 't-1' }, spellingsFor(['taskId'])) // { key: 'TaskId', meant: 'taskId' }
 * misspelling({ _id: 'x' }, spellingsFor(['id'])) // undefined
 */
export const misspelling = (
  object: Record<string, unknown>,
  { exact, byGoSpelling }: Spellings,
): { key: string; meant: string } | undefined => {
  for (const key of Object.keys(object)) {
    if (exact.has(key)) continue
    const meant = byGoSpelling.get(goFieldSpelling(key))
    if (meant) return { key, meant }
  }
  return undefined
}

/** The refusal of a field `misspelling` found in `owner` (a push config, a call). */
export const misspelledField = (owner: string, { key, meant }: { key: string; meant: string }) =>
  `${owner}'s field '${key}' is spelled otherwise than A2A's '${meant}': send it as '${meant}'.`
