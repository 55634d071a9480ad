import { unpackModel } from './packed-model.ts'

const longestPhrase = 3
/** Korean writes particles onto the word (영어로: 영어 + 로); up to two syllables come off. */
const hangul = /^\p{Script=Hangul}+$/u

/**
 * English for the words of other languages that the CLDR lexicon knows: days,
 * months, date words, languages, countries, cities, currencies and units.
 */
export class Translations {
  readonly #english: Map<string, string[]>

  constructor(file: Buffer) {
    const { words } = unpackModel(file, 'cldr-lexicon')
    this.#english = new Map(
      words.map((entry) => {
        const [foreign = '', english = ''] = entry.split('\t')
        return [foreign, english.split(' ')]
      }),
    )
  }

  /**
   * The words, each known foreign word or phrase followed by its English. A
   * single word that is also English (German "Tag", Spanish "once") stays English.
   */
  withEnglish(words: readonly string[], isEnglish: (word: string) => boolean): string[] {
    const out: string[] = []
    for (let i = 0; i < words.length; i++) {
      const match = this.#matchAt(words, i, isEnglish)
      const length = match?.length ?? 1
      out.push(...words.slice(i, i + length), ...(match?.english ?? []))
      i += length - 1
    }
    return out
  }

  #matchAt(words: readonly string[], at: number, isEnglish: (word: string) => boolean) {
    const word = words[at] as string
    for (let length = Math.min(longestPhrase, words.length - at); length >= 1; length--) {
      if (length === 1 && isEnglish(word)) return undefined
      const english = this.#english.get(words.slice(at, at + length).join(' '))
      if (english) return { length, english }
    }
    if (!hangul.test(word)) return undefined
    for (const cut of [1, 2]) {
      const english = word.length > cut ? this.#english.get(word.slice(0, -cut)) : undefined
      if (english) return { length: 1, english }
    }
    return undefined
  }
}
