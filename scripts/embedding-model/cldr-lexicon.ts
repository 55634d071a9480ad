import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PackedModel } from '../../lib/discovery/local/packed-model.ts'
import { wordsOf } from '../../lib/discovery/local/tokens.ts'

/** The CLDR packages the lexicon is read from, each fetched at build time only. */
export const cldrSources = [
  'cldr-dates-full',
  'cldr-localenames-full',
  'cldr-numbers-full',
  'cldr-units-full',
].map((name) => ({ name, version: '48.2.0' }))

/** Languages callers write in most, beyond English. */
const locales =
  `es fr de it pt nl sv da nb fi pl cs ro hu el tr ru uk ar he hi id vi th ja ko zh`.split(' ')

type Json = { [key: string]: Json } & Partial<Record<string, string>>
type Strings = Map<string, string>

/** Every string leaf below `node`, keyed by its path: the same path names the same thing in every locale. */
const leaves = (node: unknown, path = '', into: Strings = new Map()): Strings => {
  if (typeof node === 'string') into.set(path, node)
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) leaves(value, `${path}/${key}`, into)
  }
  return into
}

/** The parts of CLDR that name things a request may mention, as path -> string, for one locale. */
const namesIn = (root: (name: string) => string, locale: string): Strings => {
  const read = (name: string, file: string) => {
    try {
      return JSON.parse(readFileSync(join(root(name), 'main', locale, file), 'utf8')).main[
        locale
      ] as Json
    } catch {
      return undefined
    }
  }
  const names: Strings = new Map()
  const keep = (node: unknown, prefix: string, wanted: (path: string) => boolean) => {
    for (const [path, value] of leaves(node, prefix)) if (wanted(path)) names.set(path, value)
  }
  const gregorian = read('cldr-dates-full', 'ca-gregorian.json')?.dates?.calendars?.gregorian
  keep(gregorian?.days, 'days', (path) => path.includes('/wide/'))
  keep(gregorian?.months, 'months', (path) => path.includes('/wide/'))
  keep(gregorian?.dayPeriods, 'periods', (path) => path.includes('/wide/'))
  keep(read('cldr-dates-full', 'dateFields.json')?.dates?.fields, 'fields', (path) =>
    /^fields\/(year|quarter|month|week|day|hour|minute)\/(displayName|relative-type-(-1|0|1))$/.test(
      path,
    ),
  )
  keep(read('cldr-dates-full', 'timeZoneNames.json')?.dates?.timeZoneNames?.zone, 'zones', (path) =>
    path.endsWith('/exemplarCity'),
  )
  keep(
    read('cldr-localenames-full', 'languages.json')?.localeDisplayNames?.languages,
    'languages',
    (path) => /^languages\/[a-z]{2,3}$/.test(path),
  )
  keep(
    read('cldr-localenames-full', 'territories.json')?.localeDisplayNames?.territories,
    'territories',
    (path) => /^territories\/[A-Z]{2}$/.test(path),
  )
  keep(read('cldr-numbers-full', 'currencies.json')?.numbers?.currencies, 'currencies', (path) =>
    /\/displayName(-count-(one|other))?$/.test(path),
  )
  keep(read('cldr-units-full', 'units.json')?.units?.long, 'units', (path) =>
    /\/(displayName|unitPattern-count-(one|other))$/.test(path),
  )
  return names
}

const phrase = (text: string) => wordsOf(text.replace('{0}', ' ')).join(' ')

/** English for the exemplar cities that CLDR's English leaves to the zone id (Europe/Madrid). */
const englishCity = (path: string) => path.split('/').at(-2)?.replaceAll('_', ' ')

/**
 * A small multilingual lexicon from CLDR: the days, months, times of day, date
 * words, languages, countries, cities, currencies and units of 27 languages,
 * each with the English for it (the same CLDR path in the English locale).
 * Entries are `foreign<TAB>english`; a phrase is its words joined by spaces.
 */
export const buildCldrLexicon = (root: (name: string) => string): PackedModel => {
  const english = namesIn(root, 'en')
  const lexicon = new Map<string, Set<string>>()
  for (const locale of locales) {
    for (const [path, foreign] of namesIn(root, locale)) {
      const meaning =
        english.get(path) ?? (path.startsWith('zones/') ? englishCity(path) : undefined)
      if (!meaning) continue
      const [from, to] = [phrase(foreign), phrase(meaning)]
      if (!from || !to || from === to || from.split(' ').length > 3) continue
      const known = lexicon.get(from) ?? new Set()
      known.add(to)
      lexicon.set(from, known)
    }
  }
  const words = [...lexicon]
    // A phrase that means many things across languages (a false friend) means nothing here.
    .filter(([, meanings]) => meanings.size <= 3)
    .map(([from, meanings]) => `${from}\t${[...meanings].sort().join(' ')}`)
    .sort()
  return { kind: 'cldr-lexicon', words, arrays: {} }
}
