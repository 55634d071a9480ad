/**
 * Shortcuts for dynalite's two dearest steps that do not depend on the data,
 * installed from outside it in the local database's thread
 * (local/database-worker.ts), before it answers a request:
 *
 * - its expression parsers (PEG parsers, about 40 % of its time on the rate
 *   limiter's UpdateItem) are memoized: the gateway sends the same few
 *   expressions again and again;
 * - the response's `x-amz-crc32` is computed by Node's `zlib.crc32` instead of a
 *   loop in JavaScript (buffer-crc32), the same CRC-32.
 *
 * Both replace an export that dynalite reads through the module object on every
 * request (`parser.parse(…)`, `crc32.unsigned(…)`), so nothing of dynalite is
 * copied or changed on disk. When its modules are not shaped as expected (a new
 * version), that shortcut is left out and the reason returned.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { dynaliteModules } from './dynalite-modules.ts'

/** What dynalite's validations/index.js hands its parsers (`{ context }`). */
interface ParseContext {
  attrNames?: Record<string, string>
  attrVals?: Record<string, object>
  unusedAttrNames: Record<string, boolean>
  unusedAttrVals: Record<string, boolean>
  isKeyCondition?: boolean
}
type Parse = (input: string, options: { context: ParseContext }) => unknown
interface ParserModule {
  parse: Parse
  SyntaxError: unknown
}
interface Crc32Module {
  unsigned: (input: unknown, previous?: unknown) => number
}

/** The parsers validations/index.js calls as `parser.parse(str, { context: context })`. */
const parserNames = ['conditionParser', 'updateParser', 'projectionParser'] as const

/** Entries kept per parser; the least recently used goes first. */
export const memoEntries = 2048
/**
 * Longer keys (an expression with large values) are parsed every time, not kept: the
 * gateway's are 150-300 characters, and the memo stays under a few MB however it is fed.
 */
const maxKeyLength = 2048

export interface ExpressionMemoStats {
  hits: number
  misses: number
}

export interface DynaliteShortcuts {
  /** Why a shortcut was left out (dynalite not shaped as expected), one line each. */
  skipped: string[]
  /** The expression memo's hits and misses, all parsers together, when installed. */
  expressionMemo?: ExpressionMemoStats
  crc32: boolean
}

/** Stands for an expression attribute value in a kept parse: the value is the request's own. */
class ExpressionValue {
  readonly name: string
  constructor(name: string) {
    this.name = name
  }
}

/**
 * A copy of a parse result (plain objects and arrays, prototypes and shared
 * parts kept as they are), with the objects `swap` names replaced.
 */
const copyOf = (
  value: unknown,
  swap: (object: object) => unknown,
  copies = new Map<object, unknown>(),
): unknown => {
  if (typeof value !== 'object' || value === null) return value
  const swapped = swap(value)
  if (swapped !== undefined) return swapped
  const known = copies.get(value)
  if (known !== undefined) return known
  const copy: Record<string, unknown> = Array.isArray(value)
    ? new Array(value.length)
    : Object.create(Object.getPrototypeOf(value))
  copies.set(value, copy)
  for (const key of Object.keys(value)) {
    copy[key] = copyOf((value as Record<string, unknown>)[key], swap, copies)
  }
  return copy
}

interface Kept {
  /** The parse, its expression attribute values replaced by `ExpressionValue`s. */
  template: unknown
  /** The names and values the expression uses: the parse deletes them from the unused ones. */
  usedNames: string[]
  usedValues: string[]
}

/**
 * `parse` memoized on everything its result depends on: the expression, the
 * attribute names and values (values are inlined in the result, and their types
 * and contents decide some errors) and `isKeyCondition`. A failure (thrown, or a
 * message returned) is never kept. A hit hands out a fresh copy, the request's
 * own value objects in it (dynalite changes the result it is given: an
 * UpdateItem resolves each SET value in place), and deletes the names and values
 * the expression uses from the unused ones, as the parse would.
 */
export const memoized = (parse: Parse, stats: ExpressionMemoStats): Parse => {
  const kept = new Map<string, Kept>()
  return function memoizedParse(input, options) {
    const context = options?.context
    if (typeof input !== 'string' || context === undefined) return parse(input, options)
    const names = context.attrNames ?? {}
    const values = context.attrVals ?? {}
    const key = JSON.stringify([input, context.isKeyCondition === true, names, values])
    const hit = key.length <= maxKeyLength ? kept.get(key) : undefined
    if (hit) {
      kept.delete(key)
      kept.set(key, hit)
      stats.hits++
      for (const name of hit.usedNames) delete context.unusedAttrNames[name]
      for (const name of hit.usedValues) delete context.unusedAttrVals[name]
      return copyOf(hit.template, (object) =>
        object instanceof ExpressionValue ? values[object.name] : undefined,
      )
    }
    stats.misses++
    // Parsed with every name and value unused, to learn which the expression uses.
    const unusedNames = Object.fromEntries(Object.keys(names).map((name) => [name, true]))
    const unusedValues = Object.fromEntries(Object.keys(values).map((name) => [name, true]))
    const usedNames = () => Object.keys(names).filter((name) => !(name in unusedNames))
    const usedValues = () => Object.keys(values).filter((name) => !(name in unusedValues))
    let result: unknown
    try {
      result = parse(input, {
        ...options,
        context: { ...context, unusedAttrNames: unusedNames, unusedAttrVals: unusedValues },
      })
    } finally {
      for (const name of usedNames()) delete context.unusedAttrNames[name]
      for (const name of usedValues()) delete context.unusedAttrVals[name]
    }
    // A string is the parser's own error message.
    if (typeof result === 'object' && result !== null && key.length <= maxKeyLength) {
      const nameOf = new Map(Object.entries(values).map(([name, value]) => [value, name]))
      const template = copyOf(result, (object) => {
        const name = nameOf.get(object)
        return name === undefined ? undefined : new ExpressionValue(name)
      })
      if (kept.size >= memoEntries) kept.delete(kept.keys().next().value as string)
      kept.set(key, { template, usedNames: usedNames(), usedValues: usedValues() })
    }
    return result
  }
}

const installExpressionMemo = (
  requireFromDynalite: NodeJS.Require,
  dynaliteDir: string,
): ExpressionMemoStats | string => {
  const validations = readFileSync(join(dynaliteDir, 'validations', 'index.js'), 'utf8')
  if (!validations.includes('parser.parse(str, { context: context })')) {
    return "its validations/index.js no longer calls 'parser.parse(str, { context: context })'"
  }
  const parsers = parserNames.map(
    (name) => requireFromDynalite(join(dynaliteDir, 'db', name)) as Partial<ParserModule>,
  )
  const odd = parserNames.filter((_, at) => typeof parsers[at]?.parse !== 'function')
  if (odd.length > 0) return `db/${odd.join(', db/')} export no parse function`
  const stats: ExpressionMemoStats = { hits: 0, misses: 0 }
  for (const parser of parsers as ParserModule[]) parser.parse = memoized(parser.parse, stats)
  return stats
}

const installCrc32 = (requireFromDynalite: NodeJS.Require): string | undefined => {
  const module = requireFromDynalite('buffer-crc32') as Partial<Crc32Module>
  const unsigned = module.unsigned
  if (typeof unsigned !== 'function') return 'buffer-crc32 exports no unsigned function'
  // dynalite asks for one string's CRC (the response body); anything else goes the old way.
  module.unsigned = function crc32Unsigned(input, previous) {
    return previous === undefined && (typeof input === 'string' || Buffer.isBuffer(input))
      ? crc32(input)
      : unsigned(input, previous)
  }
}

/**
 * Installs the shortcuts in this thread's dynalite (call it before dynalite
 * answers a request; the modules are this thread's own).
 *
 * @example
 * const shortcuts = installDynaliteShortcuts()
 * for (const reason of shortcuts.skipped) console.error(`dynalite runs without a shortcut: ${reason}`)
 */
export const installDynaliteShortcuts = (): DynaliteShortcuts => {
  const { dir: dynaliteDir, require: requireFromDynalite } = dynaliteModules()
  const skipped: string[] = []
  const memo = installExpressionMemo(requireFromDynalite, dynaliteDir)
  if (typeof memo === 'string') skipped.push(`expression memo: ${memo}`)
  const crc = installCrc32(requireFromDynalite)
  if (crc) skipped.push(`crc32: ${crc}`)
  return {
    skipped,
    ...(typeof memo === 'string' ? {} : { expressionMemo: memo }),
    crc32: crc === undefined,
  }
}
